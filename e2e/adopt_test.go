package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/harness"
	"github.com/org/deploy-guard/pkg/orgsim"
)

// coverage-gate fails a validation the org accepted when its coverage is
// under coverage-threshold (the emulator covers each class 90%), with the
// coverage category and its own headline; at or over it the run validates.
func TestCoverageGate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		threshold string
		w         want
	}{
		{"95", want{exit: 1, status: "failed", category: "coverage", deploys: 1, jobs: "check", summary: []string{"Coverage gate: 91.67% of Apex lines covered", "under coverage-threshold 95%"}}},
		{"80", want{status: "validated", category: "none", deploys: 1, jobs: "check", summary: []string{"coverage-gate: 91.67%"}}},
	} {
		t.Run(tc.threshold, func(t *testing.T) {
			t.Parallel()
			res := run(t, harness.Config{Scenario: scenario(t, "success"),
				Inputs: map[string]string{"mode": "validate", "coverage-gate": "true", "coverage-threshold": tc.threshold}})
			check(t, res, tc.w)
		})
	}
}

// coverage-formatters reach the real CLI, which writes the reports; they
// land in the artifacts, and the deployed components are listed, collapsed,
// in the step summary.
func TestCoverageFormattersAndDeployedList(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "success"), Inputs: map[string]string{"coverage-formatters": "json,cobertura"}})
	check(t, res, want{status: "succeeded", category: "none", deploys: 1,
		summary: []string{"<details><summary>📦 Deployed components (", "`InvoiceService` (ApexClass)"}})
	for _, f := range []string{"coverage.json", "cobertura.xml"} {
		p := filepath.Join(res.Workspace, "deploy-guard-artifacts", "sf-coverage", f)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("sf's %s report is not in the artifacts: %v", f, err)
			continue
		}
		if !strings.Contains(string(b), "InvoiceService") {
			t.Errorf("%s does not cover InvoiceService:\n%.500s", f, b)
		}
	}
}

// ignore-errors reaches the org as rollbackOnError=false on a sandbox; on a
// production org it is refused after login with a config error, before
// anything is deployed.
func TestIgnoreErrors(t *testing.T) {
	t.Parallel()
	t.Run("sandbox", func(t *testing.T) {
		t.Parallel()
		sc := scenario(t, "success")
		sc.Sandbox = true
		res := run(t, harness.Config{Scenario: sc, Inputs: map[string]string{"ignore-errors": "true", "test-level": "NoTestRun"}})
		check(t, res, want{status: "succeeded", category: "none", deploys: 1})
		if d := onlyDeployment(t, res); d.RollbackOnError {
			t.Error("--ignore-errors did not reach the org: rollbackOnError is true")
		}
	})
	t.Run("production", func(t *testing.T) {
		t.Parallel()
		res := run(t, harness.Config{Scenario: scenario(t, "success"), Inputs: map[string]string{"ignore-errors": "true", "test-level": "NoTestRun"}})
		check(t, res, want{exit: 2, status: "failed", category: "config", deploys: 0,
			summary: []string{"production org", "Remove ignore-errors"}})
	})
}

// RunRelevantTests is refused below API 66.0, read from sourceApiVersion
// (62.0 in the sample project), before anything reaches the org.
func TestRunRelevantTestsNeedsAPIVersion(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: &orgsim.Scenario{Name: "none"}, Inputs: map[string]string{"test-level": "RunRelevantTests"}})
	check(t, res, want{exit: 2, status: "failed", category: "config", deploys: 0,
		summary: []string{"RunRelevantTests needs Metadata API 66.0 or later", "sfdx-project.json sourceApiVersion"}})
}
