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

// The workflows users copy, byte for byte, run by act: `uses:
// org/deploy-guard@v1` is this repository (act --local-repository) with the
// image its action.yml names, and the third-party actions of the examples
// are stand-ins that check their inputs (testdata/act-stubs). The README's
// quick start on the default path (no source input) with a flaky test must
// recover and name it, and with `mode: validate` added (the one line the
// README says to add) validate and give the deploy-id; its last step reads
// the outputs through steps.<id>.outputs and prints them. Its
// examples/deploy-on-push.yml with a flaky test must recover, upload the
// artifacts folder and report the JUnit file; its outputs are read from
// act's log. Its examples/quick-deploy.yml, dispatched with a job id the
// org does not know, must fall back to a full deployment. Nothing reaches
// GitHub or Slack here: post-mortem only acts on
// a failure, and the Slack secret is empty.
func TestActQuickStart(t *testing.T) {
	if actBin == "" {
		t.Skip("needs DEPLOY_GUARD_ACT, the act binary (make image-test sets it)")
	}
	jobImage := os.Getenv("DEPLOY_GUARD_ACT_JOB_IMAGE")
	if jobImage == "" {
		jobImage = "node:22-bookworm-slim"
	}
	for _, c := range harness.ActCases {
		t.Run(c.Name, func(t *testing.T) {
			wf, err := harness.WithInputs(actWorkflow(t, c.Workflow), c.Inputs)
			if err != nil {
				t.Fatal(err)
			}
			res, err := harness.RunAct(context.Background(), harness.ActConfig{
				Act: actBin, Workflow: wf, Project: filepath.Join(root, "testdata", "project"),
				ActionRepo: root, StubDir: filepath.Join(root, "testdata", "act-stubs"),
				Event: c.Event, Inputs: c.EventInputs,
				Scenario: scenario(t, c.Scenario), JobImage: jobImage, Dir: t.TempDir(), Timeout: 5 * time.Minute,
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
			if !strings.Contains(res.Output, "LocalRepositoryCache matched https://github.com/"+strings.Replace(harness.ActionRef, "@", " with ref ", 1)+" to ") {
				t.Errorf("act did not run %s from this repository (--local-repository)", harness.ActionRef)
			}
			set := harness.SetOutputs(res.Output)
			got := set
			if c.Workflow == harness.QuickStartSource {
				got = harness.Printed(res.Output, "status", "failure-category", "flaky-tests", "deploy-id")
				if got == nil {
					t.Fatal("the workflow's last step printed no status=... failure-category=... flaky-tests=... deploy-id=... line")
				}
				t.Logf("the workflow's last step printed %v", got)
				if got["status"] != set["status"] {
					t.Errorf("the last step printed status=%q, the deploy step set %q", got["status"], set["status"])
				}
			} else {
				t.Logf("the deploy step set status=%q failure-category=%q flaky-tests=%q junit-path=%q",
					got["status"], got["failure-category"], got["flaky-tests"], got["junit-path"])
			}
			for k, want := range c.Want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
			if id := got["deploy-id"]; c.WantDeployID && !strings.HasPrefix(id, "0Af") {
				t.Errorf("deploy-id = %q, want a deployment id (0Af...)", id)
			}
			for _, w := range c.WantLog {
				if !strings.Contains(res.Output, w) {
					t.Errorf("act's log does not say %q", w)
				}
			}
			for _, ref := range c.Stubs {
				// act logs a step's script, then its output after "| ".
				line := "| " + harness.StubOK + " " + ref + " "
				if i := strings.Index(res.Output, line); i < 0 {
					t.Errorf("the stand-in of %s did not run, or its checks failed (no %q in act's log)", ref, line)
				} else {
					end := strings.IndexByte(res.Output[i:], '\n')
					if end < 0 {
						end = len(res.Output) - i
					}
					t.Logf("%s", res.Output[i:i+end])
				}
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

// actWorkflow is the text of an ActCase's workflow: the README's quick
// start or a file of the repository.
func actWorkflow(t *testing.T, source string) string {
	t.Helper()
	if source == harness.QuickStartSource {
		readme, err := os.ReadFile(filepath.Join(root, "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		qs, err := harness.QuickStart(readme)
		if err != nil {
			t.Fatal(err)
		}
		return qs
	}
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(source)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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
