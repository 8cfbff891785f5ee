package ghenv

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFrom(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ev := filepath.Join(dir, "event.json")
	if err := os.WriteFile(ev, []byte(`{"pull_request":{"number":42}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"GITHUB_REPOSITORY":   "acme/app",
		"GITHUB_WORKFLOW_REF": "acme/app/.github/workflows/deploy.yml@refs/pull/42/merge",
		"GITHUB_REF_NAME":     "42/merge",
		"GITHUB_HEAD_REF":     "feature/x",
		"GITHUB_EVENT_NAME":   "pull_request",
		"GITHUB_EVENT_PATH":   ev,
		"GITHUB_RUN_ID":       "123456",
		"GITHUB_RUN_ATTEMPT":  "2",
		"GITHUB_API_URL":      "https://ghes.example/api/v3/",
		"GITHUB_ACTOR":        "octocat",
		"GITHUB_WORKFLOW":     "Deploy",
		"GITHUB_REF":          "refs/pull/42/merge",
	}
	e := From(func(k string) string { return vars[k] })
	if e.PRNumber != 42 || e.RunID != 123456 || e.RunAttempt != 2 || e.Ref != "refs/pull/42/merge" {
		t.Errorf("env = %+v", e)
	}
	if e.ServerURL != "https://github.com" || e.APIURL != "https://ghes.example/api/v3" {
		t.Errorf("urls = %q %q", e.ServerURL, e.APIURL)
	}
	if got := e.WorkflowPath(); got != ".github/workflows/deploy.yml" {
		t.Errorf("WorkflowPath = %q", got)
	}
	if got := e.WorkflowFile(); got != "deploy.yml" {
		t.Errorf("WorkflowFile = %q", got)
	}
	if e.Branch() != "feature/x" || e.Owner() != "acme" || e.Name() != "app" {
		t.Errorf("branch/owner/name = %q %q %q", e.Branch(), e.Owner(), e.Name())
	}
	if got := e.RunURL(); got != "https://github.com/acme/app/actions/runs/123456/attempts/2" {
		t.Errorf("RunURL = %q", got)
	}

	// No event file: PR number from GITHUB_REF; defaults.
	e = From(func(k string) string {
		return map[string]string{"GITHUB_REF": "refs/pull/7/merge", "GITHUB_REF_NAME": "7/merge"}[k]
	})
	if e.PRNumber != 7 || e.RunAttempt != 1 || e.APIURL != "https://api.github.com" {
		t.Errorf("fallback env = %+v", e)
	}
	e = From(func(k string) string { return map[string]string{"GITHUB_REF_NAME": "main"}[k] })
	if e.PRNumber != 0 {
		t.Errorf("PRNumber = %d, want 0", e.PRNumber)
	}
}
