package app

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

const (
	oneClass = `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata"><types><members>A</members><name>ApexClass</name></types><version>62.0</version></Package>`
	noTypes = `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata"><version>62.0</version></Package>`
)

// fakeSGD answers `sgd source delta` by writing the two manifests it would
// write into --output-dir, and everything else like happySF.
func fakeSGD(t *testing.T, pkg, destructive string) func(inv sfcli.Invocation) (*sfcli.Output, error) {
	return func(inv sfcli.Invocation) (*sfcli.Output, error) {
		if strings.Join(inv.Args[:3], " ") != "sgd source delta" {
			return happySF(inv)
		}
		dir := ""
		for i, a := range inv.Args {
			if a == "--output-dir" {
				dir = inv.Args[i+1]
			}
		}
		for p, c := range map[string]string{"package/package.xml": pkg, "destructiveChanges/destructiveChanges.xml": destructive} {
			os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
			if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return reply(`{"status":0,"result":{"output-dir":"`+dir+`"}}`, 0)
	}
}

func TestDeltaBecomesManifestAndDeletions(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputDeltaFrom: "origin/main", config.InputPreflight: "false"})
	e.answer = fakeSGD(t, oneClass, oneClass)
	if code := e.run(); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	sgd := strings.Join(e.calls[0].Args, " ")
	if !strings.HasPrefix(sgd, "sgd source delta --from origin/main --to HEAD --repo-dir "+e.workspace) {
		t.Errorf("sgd args = %q", sgd)
	}
	if !strings.Contains(strings.Join(e.calls[0].Env, " "), "GIT_CONFIG_VALUE_0="+e.workspace) {
		t.Errorf("sgd must see the workspace as a safe.directory: env %q", e.calls[0].Env)
	}
	deploy := strings.Join(e.calls[2].Args, " ")
	out := filepath.Join(e.workspace, "deploy-guard-artifacts", "delta")
	for _, want := range []string{"--manifest " + filepath.Join(out, "package", "package.xml"),
		"--post-destructive-changes " + filepath.Join(out, "destructiveChanges", "destructiveChanges.xml")} {
		if !strings.Contains(deploy, want) {
			t.Errorf("deploy args %q lack %q", deploy, want)
		}
	}
	if !strings.Contains(e.summary(), "1 component(s) to deploy, 1 to delete") {
		t.Errorf("summary lacks the delta section:\n%s", e.summary())
	}
}

func TestDeltaWithoutDeletionsHasNoDestructiveChanges(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputDeltaFrom: "v1.0", config.InputPreflight: "false"})
	e.answer = fakeSGD(t, oneClass, noTypes)
	if code := e.run(); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	if deploy := strings.Join(e.calls[2].Args, " "); strings.Contains(deploy, "destructive") {
		t.Errorf("no deletions, yet %q", deploy)
	}
}

func TestEmptyDeltaIsSkipped(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputDeltaFrom: "HEAD~1"})
	e.answer = fakeSGD(t, noTypes, noTypes)
	if code := e.run(); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	if len(e.calls) != 1 {
		t.Errorf("%d calls; an empty delta must not log in or deploy", len(e.calls))
	}
	if out := e.outputs(); out["status"] != "skipped" || out["failure-category"] != "none" {
		t.Errorf("status %q category %q, want skipped none", out["status"], out["failure-category"])
	}
	if !strings.Contains(e.summary(), "Nothing changed between HEAD") || !strings.Contains(e.summary(), "and HEAD: no metadata to deploy") {
		t.Errorf("summary does not say nothing changed:\n%s", e.summary())
	}
}

func TestDeltaRevisionMissingNamesFetchDepth(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputDeltaFrom: "abc123"})
	e.answer = func(inv sfcli.Invocation) (*sfcli.Output, error) {
		return reply(`{"status":1,"result":{"output-dir":"x","error":"--from is not a valid sha pointer: 'abc123' (If in CI/CD context, check the fetch depth is properly set)"}}`, 1)
	}
	if code := e.run(); code != ExitConfig {
		t.Fatalf("exit %d, want %d\n%s", code, ExitConfig, e.stdout.String())
	}
	if s := e.summary(); !strings.Contains(s, "fetch-depth: 0") || !strings.Contains(s, "not a valid sha pointer") {
		t.Errorf("summary must quote sgd and name the fix:\n%s", s)
	}
}

// A committed deploy-guard-artifacts/delta link made sgd write outside the
// workspace (issue 28): the action makes a fresh real folder in its place,
// and the files sgd writes there are the workspace owner's.
func TestDeltaNeverWritesThroughACommittedLink(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputDeltaFrom: "origin/main", config.InputPreflight: "false"})
	outside := t.TempDir()
	arts := filepath.Join(e.workspace, "deploy-guard-artifacts")
	os.MkdirAll(arts, 0o755)
	if err := os.Symlink(outside, filepath.Join(arts, "delta")); err != nil {
		t.Fatal(err)
	}
	owner := 0
	if os.Geteuid() == 0 {
		// As in the image: root writes into a workspace the runner's user owns.
		owner = 4242
		os.Chown(e.workspace, owner, owner)
	}
	e.answer = fakeSGD(t, oneClass, noTypes)
	if code := e.run(); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	if left, _ := os.ReadDir(outside); len(left) != 0 {
		t.Errorf("sgd wrote %d entries through the link, outside the workspace", len(left))
	}
	out := filepath.Join(arts, "delta")
	if st, err := os.Lstat(out); err != nil || !st.IsDir() {
		t.Fatalf("the delta folder is not a real directory: %v %v", st, err)
	}
	if owner == 0 {
		return
	}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if st, _ := os.Lstat(p); st.Sys().(*syscall.Stat_t).Uid != uint32(owner) {
			t.Errorf("%s is not the workspace owner's", p)
		}
		return nil
	})
}
