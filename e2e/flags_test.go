package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/harness"
	"github.com/org/deploy-guard/pkg/orgsim"
)

// destructiveXML is a destructiveChanges manifest deleting Apex classes.
func destructiveXML(classes ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Package xmlns="http://soap.sforce.com/2006/04/metadata">` + "\n    <types>\n")
	for _, c := range classes {
		b.WriteString("        <members>" + c + "</members>\n")
	}
	b.WriteString("        <name>ApexClass</name>\n    </types>\n    <version>62.0</version>\n</Package>\n")
	return b.String()
}

func writeFile(path, content string) func(ws string) error {
	return func(ws string) error {
		p := filepath.Join(ws, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(content), 0o644)
	}
}

// onlyDeployment returns the org's single deployment job.
func onlyDeployment(t *testing.T, res *harness.Result) orgsim.Deployment {
	t.Helper()
	ds := res.Org.Deployments()
	if len(ds) != 1 {
		t.Fatalf("the org has %d deployment jobs, want 1: %+v", len(ds), ds)
	}
	return ds[0]
}

// A post-destructive deployment deploys the manifest, then deletes the
// class the org had; purge-on-delete reaches the org's deploy options.
func TestPostDestructiveChangesRemoveClass(t *testing.T) {
	t.Parallel()
	sc := &orgsim.Scenario{Name: "legacy-class", Components: []string{"ApexClass:LegacyService"}}
	res := run(t, harness.Config{Scenario: sc,
		Edit:   writeFile("manifest/destructiveChangesPost.xml", destructiveXML("LegacyService")),
		Inputs: map[string]string{"post-destructive-changes": "manifest/destructiveChangesPost.xml", "purge-on-delete": "true"}})
	check(t, res, want{status: "succeeded", category: "none", deploys: 1})
	d := onlyDeployment(t, res)
	if !slices.Equal(d.PostDestructive, []string{"ApexClass:LegacyService"}) || !slices.Equal(d.Deleted, []string{"ApexClass:LegacyService"}) {
		t.Errorf("post-destructive %v, deleted %v; want ApexClass:LegacyService in both", d.PostDestructive, d.Deleted)
	}
	if !d.PurgeOnDelete {
		t.Error("purge-on-delete did not reach the deploy options")
	}
	if res.Org.HasComponent("ApexClass:LegacyService") {
		t.Error("the org still has LegacyService after the post-destructive deployment")
	}
	if !res.Org.HasComponent("ApexClass:InvoiceService") {
		t.Error("the manifest's classes were not deployed")
	}
}

// Deleting a component the org lacks is a warning, which fails the
// deployment unless ignore-warnings is set: the org sees ignoreWarnings.
func TestIgnoreWarningsReachesOrg(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ignore       string
		exit         int
		status       string
		wantIgnoring bool
	}{
		{ignore: "false", exit: 1, status: "failed"},
		{ignore: "true", exit: 0, status: "succeeded", wantIgnoring: true},
	} {
		t.Run("ignore-warnings="+tc.ignore, func(t *testing.T) {
			t.Parallel()
			res := run(t, harness.Config{Scenario: &orgsim.Scenario{Name: "empty-org"},
				Edit: writeFile("manifest/destructiveChangesPre.xml", destructiveXML("GoneAlready")),
				Inputs: map[string]string{"pre-destructive-changes": "manifest/destructiveChangesPre.xml", "ignore-warnings": tc.ignore,
					"test-level": "NoTestRun", "max-attempts": "1"}})
			check(t, res, want{exit: tc.exit, status: tc.status, deploys: 1})
			d := onlyDeployment(t, res)
			if d.IgnoreWarnings != tc.wantIgnoring {
				t.Errorf("the org saw ignoreWarnings=%v, want %v", d.IgnoreWarnings, tc.wantIgnoring)
			}
			if !tc.wantIgnoring && !strings.Contains(res.Summary, "No ApexClass named: GoneAlready found") {
				t.Error("the summary does not show the org's warning")
			}
		})
	}
}

// mode: dry-run is `sf project deploy start --dry-run`: check-only at any
// test level (NoTestRun too, which validate refuses), nothing changes.
func TestDryRunIsCheckOnly(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "success"), Inputs: map[string]string{"mode": "dry-run", "test-level": "NoTestRun"}})
	check(t, res, want{status: "validated", category: "none", deploys: 1})
	d := onlyDeployment(t, res)
	if !d.CheckOnly || d.TestLevel != "NoTestRun" {
		t.Errorf("deployment checkOnly=%v testLevel=%q, want a check-only NoTestRun deployment", d.CheckOnly, d.TestLevel)
	}
	if res.Org.HasComponent("ApexClass:InvoiceService") {
		t.Error("a dry run changed the org")
	}
	if !strings.Contains(res.Stdout, "--dry-run") || strings.Contains(res.Stdout, "project deploy validate") {
		t.Error("the log should show sf project deploy start --dry-run, not validate")
	}
}

// api-version reaches the Metadata API path; ignore-conflicts is passed to
// sf (the emulator, like production orgs, has no source tracking, so the
// flag only has to be accepted).
func TestAPIVersionAndIgnoreConflicts(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "success"),
		Inputs: map[string]string{"api-version": "60.0", "ignore-conflicts": "true", "test-level": "NoTestRun"}})
	check(t, res, want{status: "succeeded", deploys: 1})
	if d := onlyDeployment(t, res); d.APIVersion != "60.0" {
		t.Errorf("the deploy call used API %q, want 60.0", d.APIVersion)
	}
	if !strings.Contains(res.Stdout, "--ignore-conflicts") || !strings.Contains(res.Stdout, "--api-version 60.0") {
		t.Error("the logged sf command lacks --ignore-conflicts or --api-version 60.0")
	}
}

// A Metadata-API-format project (no sfdx-project.json) deploys with
// metadata-dir and single-package.
func TestMetadataDirWithoutProject(t *testing.T) {
	t.Parallel()
	project := t.TempDir()
	if err := mdapiProject(project); err != nil {
		t.Fatal(err)
	}
	res := run(t, harness.Config{Scenario: scenario(t, "success"), Project: project,
		Inputs: map[string]string{"metadata-dir": "mdapi", "single-package": "true", "manifest": "", "test-level": "NoTestRun"}})
	check(t, res, want{status: "succeeded", deploys: 1})
	d := onlyDeployment(t, res)
	if !d.SinglePackage || !slices.Contains(d.Components, "ApexClass:Greeter") {
		t.Errorf("singlePackage=%v components %v; want a single-package deployment of ApexClass:Greeter", d.SinglePackage, d.Components)
	}
}

// gitRepo turns the workspace into a repository with two commits: the
// project as it is, then the change made by second.
func gitRepo(second func(ws string) error) func(ws string) error {
	return func(ws string) error {
		git := func(args ...string) error {
			cmd := exec.Command("git", append([]string{"-c", "user.name=ci", "-c", "user.email=ci@example.com", "-c", "commit.gpgsign=false"}, args...)...)
			cmd.Dir = ws
			cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("git %v: %v\n%s", args, err, out)
			}
			return nil
		}
		if err := git("init", "-q", "-b", "main"); err != nil {
			return err
		}
		if err := git("add", "-A"); err != nil {
			return err
		}
		if err := git("commit", "-q", "-m", "release 1"); err != nil {
			return err
		}
		if err := second(ws); err != nil {
			return err
		}
		if err := git("add", "-A"); err != nil {
			return err
		}
		return git("commit", "-q", "--allow-empty", "-m", "release 2")
	}
}

func needSGD(t *testing.T) {
	t.Helper()
	if sgdErr != nil {
		if os.Getenv("CI") != "" || os.Getenv("DEPLOY_GUARD_REQUIRE_E2E") != "" {
			t.Fatal(sgdErr)
		}
		t.Skip(sgdErr)
	}
}

// A delta deployment sends only what changed between two commits; a class
// deleted in the second commit becomes a post-destructive change.
func TestDeltaDeploysOnlyChanges(t *testing.T) {
	t.Parallel()
	needSGD(t)
	sc := &orgsim.Scenario{Name: "released-org", Components: []string{"ApexClass:InvoiceServiceTest", "ApexClass:InvoiceService", "ApexClass:TaxCalculator"}}
	res := run(t, harness.Config{Scenario: sc,
		Edit: gitRepo(func(ws string) error {
			cls := filepath.Join(ws, "force-app/main/default/classes")
			f, err := os.OpenFile(filepath.Join(cls, "TaxCalculator.cls"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			fmt.Fprintln(f, "// rates reviewed")
			f.Close()
			for _, n := range []string{"InvoiceServiceTest.cls", "InvoiceServiceTest.cls-meta.xml"} {
				if err := os.Remove(filepath.Join(cls, n)); err != nil {
					return err
				}
			}
			return nil
		}),
		Inputs: map[string]string{"delta-from": "HEAD~1", "manifest": "", "test-level": "NoTestRun"}})
	check(t, res, want{status: "succeeded", deploys: 1, summary: []string{"1 component(s) to deploy, 1 to delete"}})
	d := onlyDeployment(t, res)
	if !slices.Equal(d.Components, []string{"ApexClass:TaxCalculator"}) {
		t.Errorf("deployed %v, want only the changed ApexClass:TaxCalculator", d.Components)
	}
	if !slices.Equal(d.PostDestructive, []string{"ApexClass:InvoiceServiceTest"}) || res.Org.HasComponent("ApexClass:InvoiceServiceTest") {
		t.Errorf("post-destructive %v; the deleted class must be deleted from the org", d.PostDestructive)
	}
	if _, err := os.Stat(filepath.Join(res.Workspace, "deploy-guard-artifacts", "delta", "package", "package.xml")); err != nil {
		t.Errorf("the delta manifest is not in the artifacts: %v", err)
	}
}

// An empty delta is not a failure: status skipped, nothing sent to the
// org. A revision the checkout lacks is a config error that names the fix.
func TestDeltaEmptyOrUnknownRevision(t *testing.T) {
	t.Parallel()
	needSGD(t)
	for _, tc := range []struct {
		name, from string
		want       want
	}{
		{"empty", "HEAD", want{status: "skipped", category: "none", summary: []string{"Nothing changed between HEAD and HEAD"}}},
		{"unknown revision", "no-such-branch", want{exit: 2, status: "failed", category: "config", summary: []string{"fetch-depth: 0"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, harness.Config{Scenario: scenario(t, "success"),
				Edit:   gitRepo(func(string) error { return nil }),
				Inputs: map[string]string{"delta-from": tc.from, "manifest": ""}})
			check(t, res, tc.want)
			if n := len(res.Org.Deployments()); n != 0 {
				t.Errorf("%d deployments reached the org, want none", n)
			}
		})
	}
}
