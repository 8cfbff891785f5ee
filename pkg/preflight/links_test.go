package preflight

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinksOutOfTheSource: every symbolic link sf would follow out of the
// package directories, and every replaceWithFile that reads outside them,
// into .git or through a link, is a config error naming the file (issue
// 28). Links inside the source and plain replacement files pass.
func TestLinksOutOfTheSource(t *testing.T) {
	t.Parallel()
	type layout struct {
		links        map[string]string // path → target
		files        []string
		replacements []string
		opts         Options
	}
	cases := []struct {
		name string
		l    layout
		want []string // files named by link findings, in order
	}{
		{name: "no links", l: layout{files: []string{"force-app/a.txt"}}},
		{name: "link inside the package dir", l: layout{links: map[string]string{"force-app/b": "a.txt"}, files: []string{"force-app/a.txt"}}},
		{name: "static resource folder to /tmp", l: layout{links: map[string]string{"force-app/staticresources/Leak": os.TempDir()}},
			want: []string{"force-app/staticresources/Leak"}},
		{name: "link to the project's .git", l: layout{links: map[string]string{"force-app/Leak": "../.git"}, files: []string{".git/config"}},
			want: []string{"force-app/Leak"}},
		{name: "link to /proc/self/cwd/..", l: layout{links: map[string]string{"force-app/Leak": "/proc/self/cwd/.."}},
			want: []string{"force-app/Leak"}},
		{name: "dangling link", l: layout{links: map[string]string{"force-app/Leak": "/github/home/nothing-here"}},
			want: []string{"force-app/Leak"}},
		{name: "link to another dir of the repo", l: layout{links: map[string]string{"force-app/Leak": "../docs"}, files: []string{"docs/x.md"}},
			want: []string{"force-app/Leak"}},
		{name: "linked manifest", l: layout{links: map[string]string{"manifest/package.xml": "/etc/hostname"}, opts: Options{Manifest: "manifest/package.xml"}},
			want: []string{"manifest/package.xml"}},
		{name: "linked destructive changes beside the manifest", l: layout{links: map[string]string{"manifest/destructiveChanges.xml": "/etc/hostname"},
			files: []string{"manifest/package.xml"}, opts: Options{Manifest: "manifest/package.xml"}}, want: []string{"manifest/destructiveChanges.xml"}},
		{name: "linked post-destructive", l: layout{links: map[string]string{"post.xml": "/etc/hostname"}, opts: Options{PostDestructive: "post.xml"}},
			want: []string{"post.xml"}},
		{name: "metadata-dir folder link", l: layout{links: map[string]string{"mdapi/staticresources/Leak": os.TempDir()}, files: []string{"mdapi/package.xml"},
			opts: Options{MetadataDir: "mdapi"}}, want: []string{"mdapi/staticresources/Leak"}},
		{name: "source-dir outside the package dirs", l: layout{links: map[string]string{"extra/Leak": "/etc"}, opts: Options{SourceDirs: []string{"extra"}}},
			want: []string{"extra/Leak"}},
		{name: "source-dir inside the package dir, reported once", l: layout{links: map[string]string{"force-app/main/Leak": "/etc"}, opts: Options{SourceDirs: []string{"force-app/main"}}},
			want: []string{"force-app/main/Leak"}},
		{name: "metadata-dir is itself a link to .git", l: layout{links: map[string]string{"mdapi": ".git"}, files: []string{".git/config"},
			opts: Options{MetadataDir: "mdapi"}}, want: []string{"mdapi"}},
		{name: "package dir reached through a link", l: layout{links: map[string]string{"force-app": ".git"}, files: []string{".git/config"}},
			want: []string{"force-app"}},
		{name: "replacement in the package dir", l: layout{files: []string{"force-app/value.txt"}, replacements: []string{"force-app/value.txt"}}},
		{name: "replacement from .git/config", l: layout{files: []string{".git/config"}, replacements: []string{".git/config"}},
			want: []string{".git/config"}},
		{name: "replacement outside the package dirs", l: layout{replacements: []string{"/proc/self/environ"}},
			want: []string{"/proc/self/environ"}},
		{name: "replacement through a linked folder", l: layout{links: map[string]string{"force-app/cfg": "../.git"}, files: []string{".git/config"},
			replacements: []string{"force-app/cfg/config"}}, want: []string{"force-app/cfg", "force-app/cfg/config"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dir, _ = filepath.EvalSymlinks(dir)
			files := tc.l.files
			if _, linked := tc.l.links["force-app"]; !linked {
				files = append(files, "force-app/main/default/classes/A.cls-meta.xml")
			}
			for _, f := range files {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
				if err := os.WriteFile(filepath.Join(dir, f), []byte("<?xml version=\"1.0\"?><a/>"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for p, target := range tc.l.links {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
				if err := os.Symlink(target, filepath.Join(dir, p)); err != nil {
					t.Fatal(err)
				}
			}
			os.MkdirAll(filepath.Join(dir, "extra"), 0o755)
			repl := ""
			for i, r := range tc.l.replacements {
				if i > 0 {
					repl += ","
				}
				repl += `{"filename":"force-app/x.cls","stringToReplace":"X","replaceWithFile":"` + r + `"}`
			}
			project := `{"packageDirectories":[{"path":"force-app","default":true}],"replacements":[` + repl + `]}`
			if err := os.WriteFile(filepath.Join(dir, "sfdx-project.json"), []byte(project), 0o644); err != nil {
				t.Fatal(err)
			}
			o := tc.l.opts
			o.Dir = dir
			for name, run := range map[string]func() *Report{
				"Links": func() *Report { return Links(o) },
				"Run": func() *Report {
					// A linked manifest stops Run with an I/O error (it never
					// reads through a link): the action then runs Links alone.
					r, err := Run(context.Background(), o)
					if err != nil {
						return Links(o)
					}
					return r
				},
			} {
				var got []string
				for _, f := range run().Findings {
					if f.Check != CheckLink {
						continue
					}
					got = append(got, f.File)
					if f.Severity != SeverityError || f.Category != "config" || !strings.Contains(f.Message, "sf") {
						t.Errorf("%s: finding %+v is not a config error that explains itself", name, f)
					}
				}
				if strings.Join(got, "|") != strings.Join(tc.want, "|") {
					t.Errorf("%s: link findings name %q, want %q", name, got, tc.want)
				}
			}
		})
	}
}
