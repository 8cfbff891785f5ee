package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/harness"
)

// fakeGitHub serves the workflow-runs listing the breaker and the metrics
// read, with the given conclusions (newest first), or fails with status.
type fakeGitHub struct {
	conclusions []string
	status      int
	mu          sync.Mutex
	paths       []string
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.paths = append(g.paths, r.Method+" "+r.URL.Path)
	g.mu.Unlock()
	if g.status != 0 {
		w.WriteHeader(g.status)
		fmt.Fprint(w, `{"message":"Resource not accessible by integration"}`)
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/actions/workflows/deploy.yml/runs") {
		http.NotFound(w, r)
		return
	}
	var runs []map[string]any
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for i, c := range g.conclusions {
		at := now.Add(-time.Duration(i) * time.Hour).Format(time.RFC3339)
		runs = append(runs, map[string]any{"id": 100 + i, "run_attempt": 1, "status": "completed", "conclusion": c,
			"event": "push", "head_sha": "abc", "created_at": at, "updated_at": at,
			"html_url": fmt.Sprintf("https://github.com/acme/crm/actions/runs/%d", 100+i)})
	}
	json.NewEncoder(w).Encode(map[string]any{"total_count": len(runs), "workflow_runs": runs})
}

func githubEnv(url string) []string {
	return []string{"GITHUB_API_URL=" + url, "GITHUB_SERVER_URL=https://github.com", "GITHUB_REPOSITORY=acme/crm",
		"GITHUB_WORKFLOW_REF=acme/crm/.github/workflows/deploy.yml@refs/heads/main", "GITHUB_REF_NAME=main",
		"GITHUB_RUN_ID=999", "GITHUB_RUN_ATTEMPT=1", "GITHUB_WORKFLOW=Deploy", "GITHUB_EVENT_NAME=push"}
}

// Three recent failures open the breaker: nothing reaches the org.
func TestCircuitBreakerBlocksAfterRepeatedFailures(t *testing.T) {
	t.Parallel()
	gh := &fakeGitHub{conclusions: []string{"failure", "success", "failure", "failure", "success"}}
	srv := httptest.NewServer(gh)
	defer srv.Close()
	res := run(t, harness.Config{Scenario: scenario(t, "success"), Env: githubEnv(srv.URL),
		Inputs: map[string]string{"github-token": "ghs_e2eFakeTokenForTheBreaker000000"}})
	check(t, res, want{exit: 1, status: "blocked", deploys: 0,
		annotations: []harness.Annotation{{Level: "error", Title: "circuit breaker"}},
		summary:     []string{"https://github.com/acme/crm/actions/runs/100"}})
	errs := 0
	for _, a := range res.Annotations {
		if a.Level == "error" {
			errs++
		}
	}
	if errs != 1 {
		t.Errorf("%d error annotations, want one saying the breaker is open: %+v", errs, res.Annotations)
	}
	if n := len(res.Org.Requests()); n != 0 {
		t.Errorf("a blocked run made %d requests to the org: %v", n, res.Org.Ops())
	}
	if res.Outputs["change-failure-rate"] != "0.600" {
		t.Errorf("change-failure-rate = %q, want 0.600 (3 of 5)", res.Outputs["change-failure-rate"])
	}
}

// An API the token may not read never blocks a deploy: warn once, proceed.
func TestCircuitBreakerFailsOpen(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&fakeGitHub{status: http.StatusForbidden})
	defer srv.Close()
	res := run(t, harness.Config{Scenario: scenario(t, "success"), Env: githubEnv(srv.URL),
		Inputs: map[string]string{"github-token": "ghs_e2eFakeTokenForTheBreaker000000"}})
	check(t, res, want{status: "succeeded", deploys: 1,
		annotations: []harness.Annotation{{Level: "warning", Message: "actions: read"}}})
	if !strings.Contains(strings.ToLower(res.Summary), "not consulted") {
		t.Error("the summary must say the breaker was not consulted")
	}
}

// A malformed field file fails in preflight: the org never hears of it.
func TestPreflightStopsMalformedXML(t *testing.T) {
	t.Parallel()
	field := "force-app/main/default/objects/Invoice__c/fields/Amount__c.field-meta.xml"
	res := run(t, harness.Config{Scenario: scenario(t, "success"), Edit: func(ws string) error {
		p := filepath.Join(ws, field)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(p, []byte(strings.Replace(string(b), "</label>", "</labl>", 1)), 0o644)
	}})
	check(t, res, want{exit: 1, status: "failed", category: "metadata", deploys: 0,
		annotations: []harness.Annotation{{Level: "error", File: field}}})
	if n := len(res.Org.Requests()); n != 0 {
		t.Errorf("preflight failed but the org received %d requests: %v", n, res.Org.Ops())
	}
}
