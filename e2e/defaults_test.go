package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/org/deploy-guard/pkg/harness"
)

// quickStart are the inputs of the README's quick start: credentials (added
// by the harness) and test-level, no source-dir, manifest or metadata, so
// the project's package directories are deployed.
func quickStart(extra map[string]string) map[string]string {
	in := map[string]string{"manifest": "", "test-level": "RunLocalTests"}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// sfCall is one sf call of a run, as its event log records it.
type sfCall struct {
	Kind     string `json:"kind"`
	Command  string `json:"command"`
	ExitCode int    `json:"exit_code"`
	Category string `json:"category"`
}

// sfCalls reads the attempts of the run's event log: every sf call but the
// login. Every event must carry its schema and time.
func sfCalls(t *testing.T, res *harness.Result) []sfCall {
	t.Helper()
	p := res.Outputs["events-path"]
	if p == "" {
		t.Fatal("no events-path output")
	}
	f, err := os.Open(filepath.Join(res.Workspace, p))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []sfCall
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct {
			Type   string `json:"type"`
			Schema any    `json:"schema"`
			Time   any    `json:"time"`
			sfCall
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		if ev.Schema == nil || ev.Time == nil {
			t.Errorf("event lacks schema/time: %s", sc.Text())
		}
		if ev.Type == "attempt" {
			calls = append(calls, ev.sfCall)
		}
	}
	return calls
}

// checkClean fails when an sf call of the run was refused as usage (exit 2:
// the action built a command the CLI does not accept) or when the run left
// anything in the workspace but the artifacts folder.
func checkClean(t *testing.T, res *harness.Result) {
	t.Helper()
	for _, c := range sfCalls(t, res) {
		if c.ExitCode == 2 {
			t.Errorf("sf refused a command as usage (exit 2): %s (%s)", c.Command, c.Kind)
		}
	}
	if len(res.NewInWorkspace) > 0 {
		t.Errorf("the run left files in the workspace outside the artifacts folder: %v", res.NewInWorkspace)
	}
}

// Issue 24, reproduction 1: the quick start on a flaky test. The rerun of the
// failed test must deploy the same content as the deployment (the package
// directories), so the flaky test is told apart and the run recovers.
func TestQuickStartFlakyTestRecovers(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "flaky-test"), Inputs: quickStart(nil)})
	check(t, res, want{status: "recovered", category: "none", attempts: "2", deploys: 3, jobs: "deploy,check,deploy",
		outputs: map[string]string{"flaky-tests": "InvoiceServiceTest.addsTax"}, summary: []string{"InvoiceServiceTest.addsTax"}})
	checkClean(t, res)
}

// Issue 24, reproduction 2: mode validate with no source input validates the
// package directories and names the validated job.
func TestQuickStartValidate(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "success"), Inputs: quickStart(map[string]string{"mode": "validate"})})
	check(t, res, want{status: "validated", category: "none", attempts: "1", deploys: 1, jobs: "check"})
	if res.Outputs["deploy-id"] == "" {
		t.Error("no deploy-id output")
	}
	checkClean(t, res)
}

// Issue 24, reproduction 3: the plain quick start deploys and leaves nothing
// in the workspace but the artifacts (sf's .sf/ and .sfdx/ included).
func TestQuickStartLeavesNoFiles(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "success"), Inputs: quickStart(nil)})
	check(t, res, want{status: "succeeded", category: "none", attempts: "1", deploys: 1})
	checkClean(t, res)
}
