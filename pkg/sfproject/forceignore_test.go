package sfproject

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestForceIgnore checks the rules against the behaviour of the CLI's
// ForceIgnore (node-ignore 5 with the CLI's defaults).
func TestForceIgnore(t *testing.T) {
	t.Parallel()
	const rules = `# comment
**/jsconfig.json
**/.eslintrc.json
**/__tests__/**
README.md
/force-app/main/default/profiles/Admin.profile-meta.xml
build/
*.log
!keep.log
docs/**
!docs/public.md
!build/keep.txt
data/*.csv
\#hash
trailing.txt   
[Tt]emp?.xml
**/lwc/**/*.md
`
	fi := ParseForceIgnore("/p", rules)
	cases := []struct {
		path string
		dir  bool
		want bool
	}{
		{"force-app/main/default/lwc/jsconfig.json", false, true},
		{"force-app/main/default/lwc/card/__tests__/card.test.js", false, true},
		{"force-app/main/default/lwc/card/__tests__", true, false}, // "x/**" is what is inside x

		{"force-app/main/default/lwc/card/card.js", false, false},
		{"README.md", false, true},
		{"force-app/README.md", false, true}, // no slash: any level
		{"force-app/readme.md", false, true}, // case-insensitive
		{"force-app/main/default/profiles/Admin.profile-meta.xml", false, true},
		{"other/force-app/main/default/profiles/Admin.profile-meta.xml", false, false}, // anchored
		{"build", true, true},
		{"build", false, false}, // build/ matches folders only
		{"src/build/x.cls", false, true},
		{"a/b.log", false, true},
		{"a/keep.log", false, false},     // negation
		{"docs/public.md", false, false}, // docs/** leaves docs/ itself, so this is re-included
		{"build/keep.txt", false, true},  // a file in an ignored folder cannot be re-included
		{"data/x.csv", false, true},
		{"data/sub/x.csv", false, false}, // * does not cross folders
		{"#hash", false, true},
		{"trailing.txt", false, true},
		{"Temp1.xml", false, true},
		{"temp12.xml", false, false},
		{"force-app/lwc/a/b/notes.md", false, true},
		// the CLI's defaults
		{".forceignore", false, true},
		{"force-app/.eslintrc", false, true},
		{"force-app/main/.hidden/x.cls", false, true},
		{"force-app/x.dup", false, true},
		{"force-app/package2-descriptor.json", false, true},
		{".sf/config.json", false, true},
		{"force-app/main/default/classes/A.cls", false, false},
	}
	for _, c := range cases {
		if got := fi.Denies(c.path, c.dir); got != c.want {
			t.Errorf("Denies(%q, dir=%v) = %v, want %v", c.path, c.dir, got, c.want)
		}
	}
	if !fi.Denies("/p/README.md", false) || fi.Denies("/elsewhere/README.md", false) {
		t.Error("absolute paths are taken relative to the .forceignore folder")
	}
	// Without a .forceignore the CLI ignores nothing, not even its defaults.
	var none *ForceIgnore
	if none.Denies(".hidden", false) || (&ForceIgnore{}).Denies(".hidden", false) {
		t.Error("no .forceignore must ignore nothing")
	}
}

func TestFindForceIgnore(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	proj := filepath.Join(root, "sfdx")
	if err := os.MkdirAll(proj, 0o755); err != nil {
		t.Fatal(err)
	}
	fi, err := FindForceIgnore(proj, root)
	if err != nil || fi.Denies(filepath.Join(proj, "README.md"), false) {
		t.Fatalf("no file: %v %v", fi, err)
	}
	if err := os.WriteFile(filepath.Join(root, ForceIgnoreFile), []byte("README.md\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err = FindForceIgnore(proj, root)
	if err != nil || !fi.Denies(filepath.Join(proj, "README.md"), false) {
		t.Errorf("the .forceignore of a parent folder applies: %v", err)
	}
	fi, err = FindForceIgnore(proj, proj)
	if err != nil || fi.Denies(filepath.Join(proj, "README.md"), false) {
		t.Errorf("the search stops at the repository root: %v", err)
	}
}

func TestFindForceIgnoreTooLarge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := make([]byte, maxForceIgnore+1)
	for i := range big {
		big[i] = '\n'
	}
	if err := os.WriteFile(filepath.Join(dir, ForceIgnoreFile), big, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := FindForceIgnore(dir, dir)
	var e *Error
	if !errors.As(err, &e) || e.File != filepath.Join(dir, ForceIgnoreFile) || !strings.Contains(e.Problem, "larger than") {
		t.Errorf("err = %v", err)
	}
}
