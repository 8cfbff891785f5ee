package safefs

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestLeftoversRemovesOnlyWhatTheRunAdded(t *testing.T) {
	type tree map[string]string // path → content; "/" suffix: a directory; "->x": a link to x
	cases := []struct {
		name        string
		before, run tree
		removed     []string
		kept        []string // paths that must still exist afterwards
	}{
		{name: "nothing before: .sf and .sfdx go",
			run:     tree{".sf/orgs/00D/localSourceTracking/HEAD": "ref", ".sfdx/sfdx-config.json": "{}"},
			removed: []string{".sf", ".sfdx"}},
		{name: "a committed .sf/config.json stays, what sf added goes",
			before:  tree{".sf/config.json": `{"target-org":"x"}`},
			run:     tree{".sf/orgs/00D/localSourceTracking/HEAD": "ref"},
			removed: []string{".sf/orgs"}, kept: []string{".sf/config.json"}},
		{name: "nothing added: nothing removed",
			before: tree{".sf/orgs/00D/x": "old"}, removed: nil, kept: []string{".sf/orgs/00D/x"}},
		{name: "other folders are not watched",
			run: tree{"force-app/new.cls": "x"}, removed: nil, kept: []string{"force-app/new.cls"}},
		{name: "a link the run created goes as a link, its target stays",
			before: tree{"elsewhere/keep": "x"}, run: tree{".sf": "->elsewhere"},
			removed: []string{".sf"}, kept: []string{"elsewhere/keep"}},
		{name: "a link that was there stays, and what went through it too",
			before: tree{"elsewhere/": "", ".sf": "->elsewhere"}, run: tree{"elsewhere/orgs/x": "new"},
			removed: nil, kept: []string{".sf", "elsewhere/orgs/x"}},
	}
	write := func(t *testing.T, dir string, tr tree) {
		for p, c := range tr {
			full := filepath.Join(dir, p)
			switch {
			case p[len(p)-1] == '/':
				os.MkdirAll(full, 0o755)
			case len(c) > 2 && c[:2] == "->":
				os.MkdirAll(filepath.Dir(full), 0o755)
				if err := os.Symlink(c[2:], full); err != nil {
					t.Fatal(err)
				}
			default:
				os.MkdirAll(filepath.Dir(full), 0o755)
				if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.before)
			l, err := WatchLeftovers(dir, SFStateDirs...)
			if err != nil {
				t.Fatal(err)
			}
			write(t, dir, tc.run)
			got, err := l.Remove()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.removed) {
				t.Errorf("removed %q, want %q", got, tc.removed)
			}
			for _, p := range tc.removed {
				if _, err := os.Lstat(filepath.Join(dir, p)); !os.IsNotExist(err) {
					t.Errorf("%s is still there", p)
				}
			}
			for _, p := range tc.kept {
				if _, err := os.Lstat(filepath.Join(dir, p)); err != nil {
					t.Errorf("%s was removed: %v", p, err)
				}
			}
		})
	}
}

func TestLeftoversMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "later")
	l, err := WatchLeftovers(dir, SFStateDirs...)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, ".sf", "orgs"), 0o755)
	if got, err := l.Remove(); err != nil || !slices.Equal(got, []string{".sf"}) {
		t.Errorf("Remove() = %q, %v", got, err)
	}
}
