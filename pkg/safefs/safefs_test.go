package safefs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestWithin(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	outside := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "proj", "manifest"), 0o755)
	os.WriteFile(filepath.Join(ws, "proj", "manifest", "package.xml"), nil, 0o644)
	os.Symlink(outside, filepath.Join(ws, "out"))
	os.Symlink("proj", filepath.Join(ws, "in"))
	os.Symlink(filepath.Join(outside, "missing"), filepath.Join(ws, "dangling"))
	os.MkdirAll(filepath.Join(outside, "sub"), 0o755)
	wsR, _ := filepath.EvalSymlinks(ws)
	outR, _ := filepath.EvalSymlinks(outside)
	for _, tc := range []struct {
		base, p, want string // want "" means an error
	}{
		{ws, "proj", filepath.Join(wsR, "proj")},
		{ws, ".", wsR},
		{filepath.Join(ws, "proj"), "manifest/package.xml", filepath.Join(wsR, "proj", "manifest", "package.xml")},
		{ws, "in/manifest", filepath.Join(wsR, "proj", "manifest")},
		{ws, "deploy-guard-artifacts/new/dir", filepath.Join(wsR, "deploy-guard-artifacts", "new", "dir")},
		{ws, filepath.Join(ws, "proj"), filepath.Join(wsR, "proj")},
		{ws, "..", ""},
		{ws, "proj/../../x", ""},
		{ws, "/etc/passwd", ""},
		{ws, "out", ""},
		{ws, "out/new-artifacts", ""},
		{ws, "dangling", ""},
		// The kernel reads the link "out" before "..": out/sub/../.. is the
		// parent of outside, whose sibling is the workspace itself (a lexical
		// clean would say ws/<name>, which does not exist).
		{ws, "out/sub/../../" + filepath.Base(ws), wsR},
	} {
		got, err := Within(ws, tc.base, tc.p)
		if tc.want == "" {
			if err == nil {
				t.Errorf("Within(%q) = %q, want an error", tc.p, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Within(%q) = %q, %v; want %q", tc.p, got, err, tc.want)
		}
	}
	var oe *OutsideError
	if _, err := Within(ws, ws, "out"); !errors.As(err, &oe) || !strings.Contains(err.Error(), "resolves to "+outR) {
		t.Errorf("error %v does not say where the link leads", err)
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	regular := filepath.Join(dir, "sfdx-project.json")
	os.WriteFile(regular, []byte(`{"packageDirectories":[]}`), 0o644)
	os.Symlink("/dev/zero", filepath.Join(dir, "zero"))
	os.Symlink(regular, filepath.Join(dir, "link"))
	syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644)
	os.WriteFile(filepath.Join(dir, "big"), make([]byte, 2048), 0o644)
	if b, err := ReadFile(regular, 1024); err != nil || string(b) != `{"packageDirectories":[]}` {
		t.Errorf("regular file: %q, %v", b, err)
	}
	for name, want := range map[string]error{
		"zero": ErrSymlink, "link": ErrSymlink, "fifo": ErrNotRegular, "big": ErrTooLarge, "/dev/zero": ErrNotRegular,
	} {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, name)
		}
		if _, err := ReadFile(p, 1024); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
}

// A pull request plants links where the action writes its artifacts: the
// writes stay inside the directory and the targets outside are untouched.
func TestDirNeverWritesThroughALink(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim")
	os.WriteFile(victim, []byte("precious"), 0o600)
	arts := filepath.Join(ws, "deploy-guard-artifacts")
	os.MkdirAll(filepath.Join(arts, "planted-dir.json"), 0o755)
	os.Symlink(victim, filepath.Join(arts, "report.md"))
	os.Symlink(outside, filepath.Join(arts, "test-skeletons"))
	d := NewDir(arts, nil)
	defer d.Close()
	for _, name := range []string{"report.md", "test-skeletons/victim", "planted-dir.json", "events.jsonl"} {
		p, err := d.WriteFile(name, []byte("artifact"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		st, err := os.Lstat(p)
		if err != nil || !st.Mode().IsRegular() || !strings.HasPrefix(p, arts) {
			t.Errorf("%s: %s is not a regular file in the artifacts: %v %v", name, p, st, err)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("the file outside was overwritten: %q", b)
	}
	if _, err := d.WriteFile("../escape", nil); err == nil {
		t.Error("a name leaving the directory was accepted")
	}
}

// Only what the action creates is given to the workspace's owner.
func TestDirGivesOnlyItsOwnFilesAway(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root (as in the action's container)")
	}
	ws := t.TempDir()
	arts := filepath.Join(ws, "a", "b")
	os.MkdirAll(filepath.Join(ws, "a"), 0o755)
	keep := filepath.Join(ws, "a", "theirs")
	os.WriteFile(keep, nil, 0o644)
	d := NewDir(arts, &Owner{UID: 4242, GID: 4343})
	defer d.Close()
	if _, err := d.WriteFile("sub/report.md", []byte("x")); err != nil {
		t.Fatal(err)
	}
	owner := func(p string) int {
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		return int(st.Sys().(*syscall.Stat_t).Uid)
	}
	for _, p := range []string{arts, filepath.Join(arts, "sub"), filepath.Join(arts, "sub", "report.md")} {
		if owner(p) != 4242 {
			t.Errorf("%s is owned by %d, want 4242", p, owner(p))
		}
	}
	for _, p := range []string{ws, filepath.Join(ws, "a"), keep} {
		if owner(p) == 4242 {
			t.Errorf("%s existed before the action and was given away", p)
		}
	}
}

// Fresh replaces a link a pull request committed at the folder's place by a
// real directory; GiveAway gives what another program wrote there to the
// owner, and never follows a link out (issue 28).
func TestFreshNeverWritesThroughALink(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	outside := t.TempDir()
	arts := filepath.Join(ws, "deploy-guard-artifacts")
	os.MkdirAll(arts, 0o755)
	os.Symlink(outside, filepath.Join(arts, "delta"))
	var owner *Owner
	if os.Geteuid() == 0 {
		owner = &Owner{UID: 4242, GID: 4343}
	}
	d := NewDir(arts, owner)
	defer d.Close()
	p, err := d.Fresh("delta")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(p); err != nil || !st.IsDir() || p != filepath.Join(arts, "delta") {
		t.Fatalf("Fresh gave %s (%v, %v), not a real directory in the artifacts", p, st, err)
	}
	// What sgd would write, with a link of its own to a file outside.
	os.MkdirAll(filepath.Join(p, "package"), 0o755)
	os.WriteFile(filepath.Join(p, "package", "package.xml"), []byte("x"), 0o644)
	victim := filepath.Join(outside, "victim")
	os.WriteFile(victim, nil, 0o644)
	os.Symlink(victim, filepath.Join(p, "link"))
	if err := d.GiveAway("delta"); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(outside); len(left) != 1 {
		t.Errorf("the folder outside holds %d entries, want only the victim", len(left))
	}
	if owner == nil {
		return
	}
	uid := func(p string) uint32 {
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Sys().(*syscall.Stat_t).Uid
	}
	for _, q := range []string{p, filepath.Join(p, "package"), filepath.Join(p, "package", "package.xml"), filepath.Join(p, "link")} {
		if uid(q) != 4242 {
			t.Errorf("%s is owned by %d, want 4242", q, uid(q))
		}
	}
	if uid(victim) == 4242 {
		t.Error("GiveAway followed a link and gave its target away")
	}
}
