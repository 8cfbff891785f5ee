package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/harness"
)

// actBin is nektos/act, which runs a workflow the way a GitHub runner does
// (an implementation nobody here wrote); `make image-test` installs it and
// tags the image as action.yml names it.
var actBin = os.Getenv("DEPLOY_GUARD_ACT")

// The README's quick start, as users copy it, run by act through the
// action's own action.yml and image: the default path (no source input)
// with a flaky test must recover and name it; mode validate must validate
// and give the deploy-id. Its last step reads the outputs through
// steps.<id>.outputs and prints them; the case reads what it printed.
func TestActQuickStart(t *testing.T) {
	if actBin == "" {
		t.Skip("needs DEPLOY_GUARD_ACT, the act binary (make image-test sets it)")
	}
	jobImage := os.Getenv("DEPLOY_GUARD_ACT_JOB_IMAGE")
	if jobImage == "" {
		jobImage = "node:22-bookworm-slim"
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	qs, err := harness.QuickStart(readme)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range harness.QuickStartCases {
		t.Run(c.Name, func(t *testing.T) {
			wf, err := harness.LocalWorkflow(qs, c.Inputs)
			if err != nil {
				t.Fatal(err)
			}
			res, err := harness.RunAct(context.Background(), harness.ActConfig{
				Act: actBin, Workflow: wf, Project: filepath.Join(root, "testdata", "project"),
				ActionYML: filepath.Join(root, "action.yml"), Scenario: scenario(t, c.Scenario),
				JobImage: jobImage, Dir: t.TempDir(), Timeout: 5 * time.Minute,
			})
			if err != nil {
				t.Fatalf("act: %v\n%s", err, actTail(res))
			}
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("act output:\n%s\norg requests: %v", actTail(res), res.Org.Ops())
				}
			})
			if res.ExitCode != 0 {
				t.Errorf("act exited %d, want 0 (the job succeeds)", res.ExitCode)
			}
			got := harness.Printed(res.Output, "status", "failure-category", "flaky-tests", "deploy-id")
			if got == nil {
				t.Fatal("the workflow's last step printed no status=... failure-category=... flaky-tests=... deploy-id=... line")
			}
			t.Logf("the workflow's last step printed %v", got)
			for k, want := range c.Want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
			if id := got["deploy-id"]; c.WantDeployID && !strings.HasPrefix(id, "0Af") {
				t.Errorf("deploy-id = %q, want a deployment id (0Af...)", id)
			}
			if len(res.NewInWorkspace) > 0 {
				t.Errorf("the run left files in the workspace outside the artifacts folder: %v", res.NewInWorkspace)
			}
			if len(res.ForeignOwned) > 0 {
				t.Errorf("the runner's user does not own: %v", res.ForeignOwned)
			}
			for _, s := range res.Secrets {
				if strings.Contains(res.Output, s) {
					t.Error("the secret auth URL is in act's log")
				}
			}
		})
	}
}

// actTail is the end of act's log, where a failing step is.
func actTail(res *harness.ActResult) string {
	if res == nil {
		return ""
	}
	lines := strings.Split(res.Output, "\n")
	if len(lines) > 200 {
		lines = lines[len(lines)-200:]
	}
	return strings.Join(lines, "\n")
}
