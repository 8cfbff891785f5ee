package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/org/deploy-guard/pkg/harness"
	"github.com/org/deploy-guard/pkg/orgsim"
)

// Sources of the matrix: the inputs that name what a run deploys.
var matrixSources = map[string]map[string]string{
	"none":         {"manifest": ""},
	"source-dir":   {"manifest": "", "source-dir": "force-app"},
	"manifest":     {"manifest": "manifest/package.xml"},
	"metadata":     {"manifest": "", "metadata": "ApexClass"},
	"metadata-dir": {"manifest": "", "metadata-dir": "mdapi", "test-level": "NoTestRun"},
	"delta-from":   {"manifest": "", "delta-from": "HEAD~1", "test-level": "NoTestRun"},
}

// Recoveries of the matrix: the scenario that calls for one and the inputs
// that turn it on.
var matrixRecoveries = map[string]struct {
	scenario string
	inputs   map[string]string
}{
	"-":               {"success", nil},
	"flaky":           {"flaky-test", map[string]string{"rerun-failed-tests": "true"}},
	"fallback":        {"compile-error", map[string]string{"fallback": "validate"}},
	"phased":          {"foundation-first", map[string]string{"fallback": "phased", "test-level": "NoTestRun"}},
	"partial":         {"foundation-first", map[string]string{"fallback": "partial", "test-level": "NoTestRun"}},
	"health-rollback": {"health-check-failure", map[string]string{"test-level": "NoTestRun", "health-check-tests": "TaxCalculatorTest", "rollback-source-dir": "force-app"}},
}

// mdapiProject adds a Metadata-API-format folder to the sample project.
func mdapiProject(ws string) error {
	for p, c := range map[string]string{
		"mdapi/package.xml": `<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types><members>Greeter</members><name>ApexClass</name></types>
    <version>62.0</version>
</Package>
`,
		"mdapi/classes/Greeter.cls": "public class Greeter {\n    public static String hello() { return 'hi'; }\n}\n",
		"mdapi/classes/Greeter.cls-meta.xml": `<?xml version="1.0" encoding="UTF-8"?>
<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata"><apiVersion>62.0</apiVersion><status>Active</status></ApexClass>
`,
	} {
		if err := writeFile(p, c)(ws); err != nil {
			return err
		}
	}
	return nil
}

// deltaProject makes the workspace a repository whose last commit changes
// TaxCalculator.
var deltaProject = gitRepo(func(ws string) error {
	f, err := os.OpenFile(filepath.Join(ws, "force-app/main/default/classes/TaxCalculator.cls"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintln(f, "// rates reviewed")
	return err
})

// TestMatrix runs modes × sources × recoveries through the built action,
// the real CLI and the emulator, one process-parallel cell each. A cell
// asserts the final status and outputs, that every job of the run deployed
// what the first did (but a first phase and the rollback), that no sf call
// exited 2, and that the workspace holds nothing new but the artifacts.
// Combinations the action cannot honour are refused up front, before sf.
// Not repeated here: deploy/none/flaky (TestQuickStartFlakyTestRecovers),
// validate/none (TestQuickStartValidate), deploy/none (TestQuickStartLeavesNoFiles);
// each sf call costs seconds of CPU, so every cell covers something no other does.
func TestMatrix(t *testing.T) {
	cells := []struct {
		mode, source, recovery string
		extra                  map[string]string
		want                   want
		// same are the org's jobs (by index) that must deploy exactly the
		// components of job 0.
		same []int
		// quick: the cell validates first, then quick-deploys that job
		// with the recovery's inputs.
		quick bool
	}{
		// Every recovery on the default source (health-rollback: the quick
		// cell below; flaky: TestQuickStartFlakyTestRecovers).
		{mode: "deploy", source: "none", recovery: "fallback", same: []int{1},
			want: want{exit: 1, status: "failed", category: "dependency", deploys: 2, jobs: "deploy,check", outputs: map[string]string{"failed-component": "ApexClass:InvoiceService"}}},
		{mode: "deploy", source: "none", recovery: "phased", same: []int{2},
			want: want{status: "recovered", category: "none", deploys: 3, jobs: "deploy,deploy,deploy"}},
		{mode: "deploy", source: "none", recovery: "partial", same: []int{2},
			want: want{status: "recovered", category: "none", deploys: 3, jobs: "deploy,deploy,deploy"}},
		// Each mode, each source, recoveries in validate, dry-run and quick.
		{mode: "quick", source: "none", recovery: "health-rollback", quick: true,
			want: want{exit: 1, status: "failed", category: "test", deploys: 3, testRuns: 1, summary: []string{"rollback deployment"}}},
		{mode: "validate", source: "source-dir", recovery: "flaky", same: []int{1, 2},
			want: want{status: "validated", category: "none", deploys: 3, jobs: "check,check,check", outputs: map[string]string{"flaky-tests": "InvoiceServiceTest.addsTax"}}},
		{mode: "dry-run", source: "manifest", recovery: "fallback", same: []int{1},
			want: want{exit: 1, status: "failed", category: "dependency", deploys: 2, jobs: "check,check"}},
		{mode: "deploy", source: "metadata", recovery: "flaky", same: []int{1, 2},
			want: want{status: "recovered", category: "none", deploys: 3, jobs: "deploy,check,deploy", outputs: map[string]string{"flaky-tests": "InvoiceServiceTest.addsTax"}}},
		{mode: "deploy", source: "metadata-dir", recovery: "-",
			want: want{status: "succeeded", category: "none", deploys: 1, jobs: "deploy"}},
		{mode: "dry-run", source: "delta-from", recovery: "-",
			want: want{status: "validated", category: "none", deploys: 1, jobs: "check"}},
		// Refused up front: a config error naming the inputs, nothing sent.
		{mode: "deploy", source: "source-dir", recovery: "phased",
			want: want{exit: 2, status: "failed", category: "config", summary: []string{`input "fallback"`, "source-dir"}}},
		{mode: "deploy", source: "manifest", recovery: "partial",
			want: want{exit: 2, status: "failed", category: "config", summary: []string{`input "fallback"`, "manifest"}}},
		{mode: "validate", source: "none", recovery: "phased",
			want: want{exit: 2, status: "failed", category: "config", summary: []string{`input "fallback"`, "mode: deploy"}}},
		{mode: "deploy", source: "metadata-dir", recovery: "partial",
			want: want{exit: 2, status: "failed", category: "config", summary: []string{`input "fallback"`, "metadata-dir"}}},
		{mode: "deploy", source: "delta-from", recovery: "phased",
			want: want{exit: 2, status: "failed", category: "config", summary: []string{`input "fallback"`, "delta"}}},
	}
	for _, c := range cells {
		t.Run(c.mode+"/"+c.source+"/"+c.recovery, func(t *testing.T) {
			t.Parallel()
			if c.source == "delta-from" && c.want.exit != 2 {
				needSGD(t)
			}
			rec := matrixRecoveries[c.recovery]
			inputs := map[string]string{}
			for _, m := range []map[string]string{matrixSources[c.source], rec.inputs, {"mode": c.mode}, c.extra} {
				for k, v := range m {
					inputs[k] = v
				}
			}
			cfg := harness.Config{Scenario: scenario(t, rec.scenario), Inputs: inputs}
			switch c.source {
			case "metadata-dir":
				cfg.Edit = mdapiProject
			case "delta-from":
				cfg.Edit = deltaProject
			}
			if c.quick {
				org, err := orgsim.Start(cfg.Scenario, orgsim.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { org.Close() })
				// Validate with a test that passes, then quick-deploy.
				v := run(t, harness.Config{Org: org, Inputs: map[string]string{"manifest": "", "mode": "validate", "test-level": "RunSpecifiedTests", "tests": "InvoiceServiceTest"}})
				checkClean(t, v)
				id := v.Outputs["deploy-id"]
				if v.Outputs["status"] != "validated" || id == "" {
					t.Fatalf("the validation before the quick deploy: status %q deploy-id %q", v.Outputs["status"], id)
				}
				inputs["job-id"], inputs["test-level"] = id, ""
				cfg = harness.Config{Org: org, Inputs: inputs}
			}
			res := run(t, cfg)
			check(t, res, c.want)
			if c.want.exit == 2 {
				if n := len(res.Org.Deployments()); n != 0 {
					t.Errorf("a refused combination sent %d jobs to the org", n)
				}
				if ops := res.Org.Ops(); len(ops) != 0 || res.Outputs["attempts"] != "0" {
					t.Errorf("a refused combination reached the org (%v) or made attempts (%s)", ops, res.Outputs["attempts"])
				}
				return
			}
			checkClean(t, res)
			if c.want.exit == 0 && res.Outputs["deploy-id"] == "" {
				t.Error("no deploy-id output")
			}
			jobs := res.Org.Deployments()
			for _, i := range c.same {
				if i >= len(jobs) || len(jobs) == 0 {
					t.Errorf("no job %d among %d", i, len(jobs))
					continue
				}
				if !slices.Equal(jobs[i].Components, jobs[0].Components) {
					t.Errorf("job %d deployed %v, the first job %v: not the same content", i, jobs[i].Components, jobs[0].Components)
				}
			}
			if len(jobs) > 0 && len(jobs[0].Components) == 0 {
				t.Error("the first job deployed nothing")
			}
		})
	}
}
