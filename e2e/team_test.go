package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/ghapi"
	"github.com/org/deploy-guard/pkg/harness"
	"github.com/org/deploy-guard/pkg/orgsim"
)

// fakeGitHub serves the workflow-runs listing the breaker and the metrics
// read, with the given conclusions (newest first), or fails with status.
// Each run has one job whose log records a deploy-guard outcome for org
// (see ghapi.OutcomeLine): failed for a failed run, succeeded otherwise, or
// outcomes[i] when set ("blocked").
type fakeGitHub struct {
	conclusions []string
	outcomes    []string
	org         string
	// events are the runs' events (push when unset).
	events []string
	// key, when set, is the outcome key the runs' lines carry the MAC of.
	key string
	// forge adds to every run the lines a pull request's code can print: a
	// "lint" job's line naming the deploy job, and one printed by a later
	// step of the deploy job, both claiming the opposite of the real outcome.
	forge bool
	// age is how long ago the newest run finished (runs are an hour apart).
	age    time.Duration
	status int
	mu     sync.Mutex
	base   time.Time // the clock of the first request: every answer agrees on times
	paths  []string
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.paths = append(g.paths, r.Method+" "+r.URL.Path)
	if g.base.IsZero() {
		g.base = time.Now()
	}
	base := g.base
	g.mu.Unlock()
	if g.status != 0 {
		w.WriteHeader(g.status)
		fmt.Fprint(w, `{"message":"Resource not accessible by integration"}`)
		return
	}
	// at is when run i finished (and printed its outcome line), later a
	// minute after (the project's tests), start five minutes before.
	runAt := func(i int, d time.Duration) string {
		return base.Add(-g.age - time.Duration(i)*time.Hour + d).UTC().Format(time.RFC3339)
	}
	at := func(i int) string { return runAt(i, 0) }
	parts := strings.Split(r.URL.Path, "/")
	switch {
	case strings.HasSuffix(r.URL.Path, "/actions/workflows/deploy.yml/runs"):
		var runs []map[string]any
		for i, c := range g.conclusions {
			event := "push"
			if i < len(g.events) {
				event = g.events[i]
			}
			runs = append(runs, map[string]any{"id": 100 + i, "run_attempt": 1, "status": "completed", "conclusion": c,
				"event": event, "head_branch": "main", "head_sha": "abc", "created_at": at(i), "updated_at": at(i),
				"html_url": fmt.Sprintf("https://github.com/acme/crm/actions/runs/%d", 100+i)})
		}
		json.NewEncoder(w).Encode(map[string]any{"total_count": len(runs), "workflow_runs": runs})
	case strings.HasSuffix(r.URL.Path, "/jobs") && len(parts) > 6:
		id, _ := strconv.Atoi(parts[6])
		if id == 999 { // this run: the job running deploy-guard now
			json.NewEncoder(w).Encode(map[string]any{"total_count": 1, "jobs": []any{map[string]any{"id": 9990, "run_id": id, "run_attempt": 1,
				"name": "deploy", "status": "in_progress", "runner_name": "GitHub Actions 7",
				"steps": []any{map[string]any{"number": 1, "name": "Set up job", "status": "completed", "conclusion": "success"},
					map[string]any{"number": 2, "name": "Run org/deploy-guard@v1", "status": "in_progress"}}}}})
			return
		}
		i := id - 100
		start, later := runAt(i, -5*time.Minute), runAt(i, time.Minute)
		steps := []any{map[string]any{"number": 1, "name": "Set up job", "status": "completed", "conclusion": "success", "started_at": start, "completed_at": start},
			map[string]any{"number": 2, "name": "Run org/deploy-guard@v1", "status": "completed", "conclusion": g.conclusions[i], "started_at": start, "completed_at": at(i)},
			map[string]any{"number": 3, "name": "Run npm test", "status": "completed", "conclusion": "success", "started_at": later, "completed_at": later}}
		jobs := []any{map[string]any{"id": id * 10, "run_id": id, "run_attempt": 1, "name": "deploy", "runner_name": "GitHub Actions 7",
			"status": "completed", "conclusion": g.conclusions[i], "completed_at": at(i), "steps": steps}}
		if g.forge {
			jobs = append([]any{map[string]any{"id": id*10 + 1, "run_id": id, "run_attempt": 1, "name": "lint", "status": "completed",
				"conclusion": "success", "completed_at": at(i), "steps": steps}}, jobs...)
		}
		json.NewEncoder(w).Encode(map[string]any{"total_count": len(jobs), "jobs": jobs})
	case strings.HasPrefix(r.URL.Path, "/repos/") && strings.HasSuffix(r.URL.Path, "/logs"):
		w.Header().Set("Location", "http://"+r.Host+"/raw-log/"+parts[6])
		w.WriteHeader(http.StatusFound)
	case strings.HasPrefix(r.URL.Path, "/raw-log/"):
		id, _ := strconv.Atoi(parts[2])
		i := id/10 - 100
		status, opposite := "succeeded", "failed"
		if g.conclusions[i] == "failure" {
			status, opposite = "failed", "succeeded"
		}
		if i < len(g.outcomes) && g.outcomes[i] != "" {
			status = g.outcomes[i]
		}
		forged := ghapi.OutcomeLine(ghapi.OutcomeRecord{Job: "deploy", Org: g.org, Mode: "deploy", Status: opposite, Attempts: 1}, "")
		if id%10 == 1 { // the lint job
			fmt.Fprintf(w, "%s %s\n", at(i), forged)
			return
		}
		fmt.Fprintf(w, "%s Run org/deploy-guard@v1\n%s %s\n", at(i), at(i),
			ghapi.OutcomeLine(ghapi.OutcomeRecord{Job: "deploy", Org: g.org, Mode: "deploy", Status: status, Attempts: 1, RunID: int64(id / 10), RunAttempt: 1}, g.key))
		if g.forge {
			fmt.Fprintf(w, "%s Run npm test\n%s %s\n", runAt(i, time.Minute), runAt(i, time.Minute), forged)
		}
	default:
		http.NotFound(w, r)
	}
}

// orgKey starts an emulated org for the scenario and returns it with the
// key deploy-guard gives it (access-token login to its URL).
func orgKey(t *testing.T, sc string) (*orgsim.Server, string) {
	t.Helper()
	org, err := orgsim.Start(scenario(t, sc), orgsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { org.Close() })
	return org, (&config.Auth{Method: config.AuthAccessToken, InstanceURL: org.URL()}).OrgKey()
}

func githubEnv(url string) []string {
	return []string{"GITHUB_API_URL=" + url, "GITHUB_SERVER_URL=https://github.com", "GITHUB_REPOSITORY=acme/crm",
		"GITHUB_WORKFLOW_REF=acme/crm/.github/workflows/deploy.yml@refs/heads/main", "GITHUB_REF_NAME=main",
		"GITHUB_RUN_ID=999", "GITHUB_RUN_ATTEMPT=1", "GITHUB_WORKFLOW=Deploy", "GITHUB_EVENT_NAME=push",
		"GITHUB_JOB=deploy", "RUNNER_NAME=GitHub Actions 7"}
}

// Three failed deployments of this job to this org open the breaker:
// nothing reaches the org.
func TestCircuitBreakerBlocksAfterRepeatedFailures(t *testing.T) {
	t.Parallel()
	org, key := orgKey(t, "success")
	gh := &fakeGitHub{conclusions: []string{"failure", "failure", "failure", "success", "failure"}, org: key, age: 10 * time.Minute}
	srv := httptest.NewServer(gh)
	defer srv.Close()
	res := run(t, harness.Config{Org: org, Env: githubEnv(srv.URL),
		Inputs: map[string]string{"github-token": "ghs_e2eFakeTokenForTheBreaker000000"}})
	check(t, res, want{exit: 1, status: "blocked", deploys: 0,
		annotations: []harness.Annotation{{Level: "error", Title: "circuit breaker"}},
		summary:     []string{"https://github.com/acme/crm/actions/runs/100", "3 consecutive failed deployments"}})
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
	if res.Outputs["change-failure-rate"] != "0.800" {
		t.Errorf("change-failure-rate = %q, want 0.800 (4 of 5)", res.Outputs["change-failure-rate"])
	}
	if !strings.Contains(res.Stdout, ghapi.OutcomeLine(ghapi.OutcomeRecord{Job: "deploy", Org: key, Mode: "deploy", Status: "blocked"}, "")) {
		t.Error("the run did not record its own outcome for the next breaker")
	}
}

// Blocked runs are no outcome: once the cool-down has passed since the last
// failed deployment, one deployment goes through (half-open), and a check-
// only run is not held back at all.
func TestCircuitBreakerDoesNotLockItself(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, mode, status, summary string
	}{
		{"half-open after the cool-down", "deploy", "succeeded", "Half-open"},
		{"check-only runs are not held back", "dry-run", "validated", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			org, key := orgKey(t, "success")
			gh := &fakeGitHub{conclusions: []string{"failure", "failure", "failure", "failure", "failure", "failure"},
				outcomes: []string{"blocked", "blocked", "blocked"}, org: key, age: 10 * time.Minute}
			srv := httptest.NewServer(gh)
			defer srv.Close()
			// The last failed deployment finished 3h10m ago; the blocked runs since then do not count.
			res := run(t, harness.Config{Org: org, Env: githubEnv(srv.URL),
				Inputs: map[string]string{"github-token": "ghs_e2eFakeTokenForTheBreaker000000", "mode": tc.mode, "test-level": "NoTestRun"}})
			want := want{status: tc.status, deploys: 1}
			if tc.summary != "" {
				want.summary = []string{tc.summary}
			}
			check(t, res, want)
			if tc.mode == "dry-run" && strings.Contains(res.Summary, "Circuit breaker") {
				t.Error("the breaker was consulted for a check-only run")
			}
		})
	}
}

// Only deploy-guard's own lines in runs of deploying events count: a fork's
// pull-request runs listed under main, a "lint" job's line naming the
// deploy job and a later step's line in the deploy job itself claim the
// opposite of every real outcome, and change nothing. With outcome-key the
// lines must carry the key's MAC, which the run's own line does.
func TestCircuitBreakerCountsOnlyGenuineDeployments(t *testing.T) {
	t.Parallel()
	const key = "e2e-outcome-key-0123456789"
	for _, tc := range []struct {
		name        string
		conclusions []string
		events      []string
		runsKey     string
		inputKey    string
		status      string
	}{
		{"forged failures do not open it", []string{"failure", "failure", "failure", "success", "success", "success"},
			[]string{"pull_request", "pull_request_target", "pull_request"}, "", "", "succeeded"},
		{"forged successes do not close it", []string{"failure", "failure", "failure", "success"}, nil, "", "", "blocked"},
		{"outcome-key: genuine lines count", []string{"failure", "failure", "failure", "success"}, nil, key, key, "blocked"},
		{"outcome-key: lines of another key do not", []string{"failure", "failure", "failure", "success"}, nil, "another-key-0123456789", key, "succeeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			org, orgKey := orgKey(t, "success")
			gh := &fakeGitHub{conclusions: tc.conclusions, events: tc.events, org: orgKey, age: 10 * time.Minute, forge: true, key: tc.runsKey}
			srv := httptest.NewServer(gh)
			defer srv.Close()
			inputs := map[string]string{"github-token": "ghs_e2eFakeTokenForTheBreaker000000", "circuit-breaker-cooldown": "0"}
			if tc.inputKey != "" {
				inputs["outcome-key"] = tc.inputKey
			}
			res := run(t, harness.Config{Org: org, Env: githubEnv(srv.URL), Inputs: inputs})
			w := want{status: tc.status, deploys: 1}
			if tc.status == "blocked" {
				w = want{exit: 1, status: "blocked", deploys: 0}
			}
			check(t, res, w)
			if tc.inputKey == "" {
				return
			}
			// The run's own line carries the MAC of this run and attempt, and
			// the key itself is never printed.
			own := ghapi.OutcomeLine(ghapi.OutcomeRecord{Job: "deploy", Org: orgKey, Mode: "deploy", Status: tc.status, Attempts: w.deploys, RunID: 999, RunAttempt: 1}, key)
			if !strings.Contains(res.Stdout, own) {
				t.Errorf("stdout lacks the run's keyed outcome line %q", own)
			}
			if strings.Count(res.Stdout, key) != strings.Count(res.Stdout, "::add-mask::"+key+"\n") {
				t.Error("the outcome key reached the log outside its mask command")
			}
		})
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
