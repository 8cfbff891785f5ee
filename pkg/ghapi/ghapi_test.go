package ghapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/ghenv"
	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/report"
	"github.com/org/deploy-guard/pkg/result"
)

func noSleep(ctx context.Context, d time.Duration) error { return ctx.Err() }

// deploy is one past run for the breaker tests: its status as its log
// recorded it ("" for a run whose log records none), and kv overrides
// (job=, org=, mode=).
type deploy struct {
	status string
	kv     []string
}

func deploys(statuses ...string) []deploy {
	var ds []deploy
	for _, s := range statuses {
		ds = append(ds, deploy{status: s})
	}
	return ds
}

func TestBreaker(t *testing.T) {
	t.Parallel()
	// The newest run finished at 12:10 on May 1st (see addRun).
	lastFailure := time.Date(2026, 5, 1, 12, 10, 0, 0, time.UTC)
	b := Breaker{Threshold: 3, Window: 5, Job: "deploy", Org: "org1", Cooldown: time.Hour, Now: func() time.Time { return lastFailure.Add(30 * time.Minute) }}
	with := func(f func(*Breaker)) Breaker { c := b; f(&c); return c }
	tests := []struct {
		name                             string
		runs                             []deploy
		breaker                          Breaker
		attempt                          int
		consulted, open, half, overriden bool
		failures, outcomes               int
		reasonPrefix                     string
	}{
		{"3 consecutive failures: open", deploys("failed", "failed", "failed", "succeeded"), b, 1, true, true, false, false, 3, 4, "3 consecutive failed deployments"},
		{"a success closes: failures before it do not count", deploys("failed", "failed", "succeeded", "failed", "failed"), b, 1, true, false, false, false, 2, 5, "2 consecutive"},
		// Blocked runs are not outcomes, so they neither count as failures nor
		// restart the cool-down: once it passes, one deployment goes through.
		{"blocked runs are not outcomes: the breaker cannot lock itself", deploys("blocked", "blocked", "failed", "blocked", "failed", "failed"), b, 1, true, false, true, false, 3, 3, "half-open"},
		{"other jobs, orgs, check-only and cancelled runs do not count", []deploy{{"failed", []string{"org=org2"}}, {"failed", []string{"job=smoke"}},
			{"failed", []string{"mode=validate"}}, {"canceled", nil}, {"skipped", nil}, {"failed", nil}, {"succeeded", nil}}, b, 1, true, false, false, false, 1, 2, "1 consecutive"},
		{"runs without a recorded outcome are ignored", deploys("", "", "", "failed"), b, 1, true, false, false, false, 1, 1, "1 consecutive"},
		{"window bounds the deployments looked at", deploys("failed", "failed", "failed", "failed"), with(func(c *Breaker) { c.Threshold, c.Window = 3, 2 }), 1, true, false, false, false, 2, 2, "2 consecutive"},
		{"cool-down passed: half-open lets one through", deploys("failed", "failed", "failed"), with(func(c *Breaker) { c.Now = func() time.Time { return lastFailure.Add(61 * time.Minute) } }), 1, true, false, true, false, 3, 3, "half-open"},
		{"no cool-down: stays open", deploys("failed", "failed", "failed"), with(func(c *Breaker) { c.Cooldown, c.Now = 0, func() time.Time { return lastFailure.Add(48 * time.Hour) } }), 1, true, true, false, false, 3, 3, "3 consecutive"},
		{"no history", nil, b, 1, true, false, false, false, 0, 0, "no recorded deployments"},
		{"override input", deploys("failed", "failed", "failed"), with(func(c *Breaker) { c.Override = true }), 1, true, false, false, true, 3, 3, "override"},
		{"re-run attempt", deploys("failed", "failed", "failed"), b, 2, true, false, false, true, 3, 3, "override: re-run attempt 2"},
		{"threshold 0 disables", deploys("failed", "failed", "failed"), with(func(c *Breaker) { c.Threshold = 0 }), 1, false, false, false, false, 0, 0, "circuit breaker disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			for i, d := range tt.runs {
				id := int64(100 - i)
				if d.status == "" {
					f.addRun(id, 1, "failure")
					continue
				}
				f.addDeploy(id, d.status, d.kv...)
			}
			c := f.client(srv)
			c.env.RunAttempt = tt.attempt
			got := c.CheckBreaker(context.Background(), tt.breaker)
			if got.Consulted != tt.consulted || got.Open != tt.open || got.HalfOpen != tt.half || got.Overridden != tt.overriden {
				t.Fatalf("consulted/open/half-open/overridden = %v/%v/%v/%v, want %v/%v/%v/%v (%s)", got.Consulted, got.Open, got.HalfOpen, got.Overridden,
					tt.consulted, tt.open, tt.half, tt.overriden, got.Reason)
			}
			if len(got.Failures) != tt.failures || len(got.Outcomes) != tt.outcomes {
				t.Errorf("failures/outcomes = %d/%d, want %d/%d", len(got.Failures), len(got.Outcomes), tt.failures, tt.outcomes)
			}
			if !strings.HasPrefix(got.Reason, tt.reasonPrefix) {
				t.Errorf("reason = %q, want prefix %q", got.Reason, tt.reasonPrefix)
			}
			if got.Warning != "" {
				t.Errorf("unexpected warning %q", got.Warning)
			}
			if f.authBad != 0 {
				t.Errorf("%d requests without the Authorization header", f.authBad)
			}
			md := BreakerMarkdown(got)
			if strings.HasPrefix(md, "#") {
				t.Errorf("markdown starts with a heading; the summary adds it:\n%s", md)
			}
			if tt.open && (!strings.Contains(md, "Open") || !strings.Contains(md, "https://github.example/acme/app/actions/runs/")) {
				t.Errorf("markdown lacks links:\n%s", md)
			}
			if tt.half && !strings.Contains(md, "Half-open") {
				t.Errorf("markdown does not say half-open:\n%s", md)
			}
		})
	}
}

// The outcome line is read only where deploy-guard prints it (right after
// the runner's timestamp), and the last one wins.
func TestOutcomeLine(t *testing.T) {
	t.Parallel()
	line := OutcomeLine(OutcomeRecord{Job: "deploy", Org: "ab12", Mode: "deploy", Status: "failed", Attempts: 2}, "")
	if line != "deploy-guard outcome: job=deploy org=ab12 mode=deploy status=failed attempts=2" {
		t.Errorf("OutcomeLine = %q", line)
	}
	for _, tc := range []struct {
		line string
		ok   bool
	}{
		{"2026-05-01T12:09:00.0000000Z " + line, true},
		// No runner timestamp: the second line of a step's multi-line message.
		{line, false},
		{"(quoted) " + line, false},
		{"2026-05-01T12:09:00.0000000Z  " + line, false},
		{"2026-05-01T12:09:00.0000000Z   Problem: " + line, false},
		{"2026-05-01T12:09:00.0000000Z deploy-guard outcome: mode=deploy", false},
	} {
		if _, ok := parseOutcome(tc.line); ok != tc.ok {
			t.Errorf("parseOutcome(%q) ok = %v, want %v", tc.line, ok, tc.ok)
		}
	}
	if got := OutcomeLine(OutcomeRecord{Org: "x y", Mode: "deploy", Status: "failed"}, ""); got != "deploy-guard outcome: job=- org=x_y mode=deploy status=failed attempts=0" {
		t.Errorf("empty and spaced fields: %q", got)
	}
}

func TestBreakerSkipsExpiredLogs(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	f.addDeploy(100, "failed")
	f.addDeploy(99, "failed")
	f.addDeploy(98, "failed")
	f.gone[1000] = true
	c := f.client(srv)
	got := c.CheckBreaker(context.Background(), Breaker{Threshold: 3, Window: 5, Job: "deploy", Org: "org1"})
	if !got.Consulted || got.Open || len(got.Outcomes) != 2 {
		t.Fatalf("consulted=%v open=%v outcomes=%d; an expired log is no outcome, not a fault", got.Consulted, got.Open, len(got.Outcomes))
	}
}

func TestBreakerPagination(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	// Window 2 → 6 runs wanted → per_page 12; the first 12 runs are
	// cancelled, so the breaker must follow the Link header to page 2.
	for i := 0; i < 12; i++ {
		f.addRun(int64(200-i), 1, "cancelled")
	}
	for i := 0; i < 8; i++ {
		f.addDeploy(int64(100-i), "failed")
	}
	c := f.client(srv)
	got := c.CheckBreaker(context.Background(), Breaker{Threshold: 2, Window: 2, Job: "deploy", Org: "org1"})
	if !got.Open || len(got.Outcomes) != 2 {
		t.Fatalf("open=%v outcomes=%d reason=%q", got.Open, len(got.Outcomes), got.Reason)
	}
	if n := f.count("GET /api/v3/repos/acme/app/actions/workflows/deploy.yml/runs"); n != 2 {
		t.Errorf("%d pages read, want 2 (stop once enough runs)", n)
	}
	if !strings.Contains(f.requests[0], "per_page=12") || !strings.Contains(f.requests[0], "exclude_pull_requests=true") {
		t.Errorf("first request %q", f.requests[0])
	}
	// Only the logs needed were read: two outcomes fill the window.
	if n := f.count("GET /blob/logs/"); n != 2 {
		t.Errorf("%d logs read, want 2", n)
	}
	// The history is cached: metrics over a smaller window make no call.
	before := len(f.requests)
	if _, w, ok := c.HistoryMetrics(context.Background(), 5); !ok || w != "" {
		t.Errorf("metrics ok=%v warning=%q", ok, w)
	}
	if n := len(f.requests); n != before {
		t.Errorf("%d requests after metrics, want none", n-before)
	}
}

func TestBreakerFailsOpen(t *testing.T) {
	t.Parallel()
	msg := func(status int, body string, hdr map[string]string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for k, v := range hdr {
				w.Header().Set(k, v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	reset := strconv.FormatInt(time.Now().Add(30*time.Minute).Unix(), 10)
	tests := []struct {
		name  string
		fault http.HandlerFunc
		want  string
	}{
		{"401", msg(401, `{"message":"Bad credentials"}`, nil), "401 (the token is invalid or expired"},
		{"403 without actions: read", msg(403, `{"message":"Resource not accessible by integration"}`, nil), "403 (the token needs actions: read"},
		{"403 rate limit", msg(403, `{"message":"API rate limit exceeded"}`, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}), "rate limit"},
		{"404", msg(404, `{"message":"Not Found"}`, nil), "404 (repository or workflow not found"},
		{"429 rate limit", msg(429, `{"message":"API rate limit exceeded"}`, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset, "Retry-After": "60"}), "rate limit"},
		{"500", msg(500, `{"message":"boom"}`, nil), "500 (a GitHub outage"},
		{"502", msg(502, `<html>bad gateway</html>`, nil), "502 (a GitHub outage"},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, "did not answer within 100ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.addDeploy(1, "failed")
			f.fault = tt.fault
			c := f.client(srv)
			c.Timeout = 100 * time.Millisecond
			got := c.CheckBreaker(context.Background(), Breaker{Threshold: 1, Window: 5, Job: "deploy", Org: "org1"})
			if got.Consulted || got.Open {
				t.Fatalf("consulted=%v open=%v, want fail open", got.Consulted, got.Open)
			}
			if !strings.Contains(got.Warning, tt.want) || !strings.HasPrefix(got.Warning, "circuit breaker not consulted: ") || !strings.HasSuffix(got.Warning, "proceeding") {
				t.Errorf("warning = %q, want it to contain %q", got.Warning, tt.want)
			}
			if strings.Contains(got.Warning, f.token) || strings.Contains(got.Warning, srv.URL) {
				t.Errorf("warning leaks token or URL: %q", got.Warning)
			}
			md := BreakerMarkdown(got)
			if !strings.Contains(md, "Not consulted") {
				t.Errorf("markdown = %q", md)
			}
			// Warned once: metrics share the fault and add no warning and no call.
			before := f.count("")
			if _, w, ok := c.HistoryMetrics(context.Background(), 20); ok || w != "" {
				t.Errorf("metrics ok=%v warning=%q, want not ok and no second warning", ok, w)
			}
			if n := f.count(""); n != before {
				t.Errorf("metrics made %d more calls after the fault", n-before)
			}
		})
	}
}

func TestBreakerRetriesServerErrorOnce(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	f.addDeploy(1, "failed")
	calls := 0
	f.fault = func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.WriteHeader(503)
			return
		}
		f.mux.ServeHTTP(w, r)
	}
	c := f.client(srv)
	var slept []time.Duration
	c.Sleep = func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	got := c.CheckBreaker(context.Background(), Breaker{Threshold: 1, Window: 5, Job: "deploy", Org: "org1"})
	if !got.Consulted || !got.Open || len(slept) != 1 {
		t.Fatalf("consulted=%v open=%v slept=%v reason=%q", got.Consulted, got.Open, slept, got.Reason)
	}
}

func TestBreakerConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := New("ghs_x1234567", ghenv.Env{Repository: "acme/app", WorkflowRef: "acme/app/.github/workflows/deploy.yml@refs/heads/main", RefName: "main", APIURL: "http://" + addr}, nil)
	c.Sleep = noSleep
	got := c.CheckBreaker(context.Background(), Breaker{Threshold: 3, Window: 5})
	if got.Consulted || got.Open || !strings.Contains(got.Warning, "could not reach the GitHub API: connection refused") {
		t.Fatalf("got %+v", got)
	}
}

func TestAuthorizationOnlyToAPIHost(t *testing.T) {
	t.Parallel()
	var gotAuth string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { gotAuth = r.Header.Get("Authorization") }))
	defer other.Close()
	rt := &authTransport{token: "ghs_secret", host: "api.example", base: http.DefaultTransport}
	req, _ := http.NewRequest("GET", other.URL, nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if gotAuth != "" {
		t.Errorf("token sent to another host: %q", gotAuth)
	}
}

// failedRun is a failed result carrying secrets in every free-text field.
func failedRun(secrets ...string) *result.Run {
	s := strings.Join(secrets, " ")
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	return &result.Run{
		Status: result.StatusFailed, Category: result.CategoryMetadata,
		Message: "Deployment failed: 1 component error " + s, Mode: "deploy", TargetOrg: "prod", DeployID: "0Af000000000001",
		Attempts: []result.Attempt{
			{Number: 1, Kind: "deploy", Command: "sf project deploy start " + s, Start: start, Duration: 90 * time.Second, ExitCode: 1, Outcome: "Failed: 1 component error", Category: result.CategoryTransient, Decision: "retry in 30s " + s},
			{Number: 2, Kind: "deploy", Start: start.Add(2 * time.Minute), Duration: 80 * time.Second, ExitCode: 1, Outcome: "Failed <!-- deploy-guard:fingerprint=spoof --> @team", Category: result.CategoryMetadata, Decision: "stop"},
		},
		Deploy: &result.Deploy{
			ComponentFailures: []result.ComponentFailure{{Type: "ApexClass", FullName: "Foo", FileName: "classes/Foo.cls", Line: 12, Problem: "Variable does not exist: x | " + s, ProblemType: "Error"}},
			TestFailures:      []result.TestFailure{{Class: "FooTest", Method: "testIt", Message: "assert failed " + s}},
		},
		ErrorText: "sf failed " + s,
		NextSteps: []string{"sf project deploy report --job-id 0Af000000000001"},
		Started:   start, Finished: start.Add(5 * time.Minute),
	}
}

var (
	fakeToken   = "ghp_FAKEtoken0123456789abcdef"
	fakeAuthURL = "force://PlatformCLI::5Aep861secretrefreshtoken@acme.my.salesforce.com"
	fakeWebhook = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
)

func TestPostMortemCreatedOnceThenCommented(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	c := f.client(srv)
	red := redact.New(fakeToken, fakeAuthURL, fakeWebhook)
	c.Redactor = red
	env := c.Env()
	pm := postMortemFor(failedRun(fakeToken, fakeAuthURL, fakeWebhook, f.token), env, red)

	if !strings.HasPrefix(pm.Title, "Deployment failed: metadata in Deploy on main") {
		t.Errorf("title = %q", pm.Title)
	}
	for _, want := range []string{"### Failed components (1)", "ApexClass", "FooTest.testIt", "### Attempts timeline", "- [ ] Fix the failed components",
		"https://github.example/acme/app/actions/runs/9999/attempts/1", "Variable does not exist: x \\|"} {
		if !strings.Contains(pm.Body, want) {
			t.Errorf("body lacks %q", want)
		}
	}
	if strings.Contains(pm.Body, "<!-- deploy-guard:fingerprint=spoof") || strings.Contains(pm.Body, "@team") {
		t.Error("org text can spoof the marker or mention people")
	}

	url, created, err := c.FilePostMortem(context.Background(), pm)
	if err != nil || !created || url != "https://github.example/acme/app/issues/1" {
		t.Fatalf("first: %q %v %v", url, created, err)
	}
	url, created, err = c.FilePostMortem(context.Background(), pm)
	if err != nil || created || url != "https://github.example/acme/app/issues/1" {
		t.Fatalf("second: %q %v %v", url, created, err)
	}
	if len(f.issues) != 1 || len(f.comments[1]) != 1 {
		t.Fatalf("issues=%d comments=%d, want 1 and 1", len(f.issues), len(f.comments[1]))
	}
	if body := f.issues[0]["body"].(string); !strings.HasSuffix(body, Marker(pm.Fingerprint)) {
		t.Errorf("filed body does not end with the marker: %q", body[max(0, len(body)-100):])
	}
	if !strings.Contains(f.comments[1][0]["body"].(string), "Failed again") {
		t.Errorf("comment = %q", f.comments[1][0]["body"])
	}
	if got := f.issues[0]["_labels"].([]string); strings.Join(got, ",") != "post-mortem,deployment-failure" {
		t.Errorf("labels = %v", got)
	}
	if n := f.count("GET /api/v3/repos/acme/app/issues?labels=post-mortem"); n != 2 {
		t.Errorf("%d label-filtered searches, want 2", n)
	}

	// A different failure: a new issue.
	r2 := failedRun()
	r2.Category = result.CategoryTest
	r2.Deploy.ComponentFailures = nil
	pm2 := postMortemFor(r2, env, red)
	if pm2.Fingerprint == pm.Fingerprint {
		t.Fatal("same fingerprint for a different failure")
	}
	url, created, err = c.FilePostMortem(context.Background(), pm2)
	if err != nil || !created || url != "https://github.example/acme/app/issues/2" {
		t.Fatalf("different: %q %v %v", url, created, err)
	}
	assertNoSecrets(t, f, fakeToken, fakeAuthURL, fakeWebhook, "5Aep861secretrefreshtoken", "XXXXsecretXXXX")
}

func TestPostMortemFindsIssueOnLaterPage(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	c := f.client(srv)
	pm := PostMortem{Title: "t", Body: "b", Labels: []string{"post-mortem"}, Fingerprint: "abc123"}
	if _, created, err := c.FilePostMortem(context.Background(), pm); err != nil || !created {
		t.Fatal(created, err)
	}
	// 150 newer unrelated post-mortems push ours to page 2.
	for i := 0; i < 150; i++ {
		f.issues = append([]map[string]any{{"number": 1000 + i, "body": "other", "state": "open", "_labels": []string{"post-mortem"}}}, f.issues...)
	}
	url, created, err := c.FilePostMortem(context.Background(), pm)
	if err != nil || created || url != "https://github.example/acme/app/issues/1" {
		t.Fatalf("%q %v %v", url, created, err)
	}
}

func TestPostMortemForbidden(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	f.fault = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, map[string]any{"message": "Resource not accessible by integration"})
	}
	c := f.client(srv)
	_, _, err := c.FilePostMortem(context.Background(), PostMortem{Title: "t", Body: "b", Fingerprint: "x"})
	if err == nil || !strings.Contains(err.Error(), "issues: write") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), srv.URL) {
		t.Errorf("error leaks the API URL: %v", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Kind != KindForbidden {
		t.Errorf("kind: %v", err)
	}
}

// The transport caps the body to GitHub's limit and keeps the marker last.
func TestPostMortemBodyCapped(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	c := f.client(srv)
	r := failedRun()
	for i := 0; i < 3000; i++ {
		r.Attempts = append(r.Attempts, result.Attempt{Number: i, Kind: "deploy", Decision: strings.Repeat("x", 100)})
	}
	pm := postMortemFor(r, ghenv.Env{Repository: "a/b", RefName: "main"}, nil)
	if _, _, err := c.FilePostMortem(context.Background(), pm); err != nil {
		t.Fatal(err)
	}
	body := f.issues[0]["body"].(string)
	if n := len([]rune(body)); n > MaxBody {
		t.Errorf("body %d chars", n)
	}
	if !strings.HasSuffix(body, Marker(pm.Fingerprint)) || !strings.Contains(body, "truncated") {
		t.Error("capped body lost its marker or note")
	}
}

// postMortemFor renders r with the report's renderer, as app does.
func postMortemFor(r *result.Run, env ghenv.Env, red *redact.Redactor) PostMortem {
	is := report.PostMortem(r, env, red)
	return PostMortem{Title: is.Title, Body: is.Body, Fingerprint: is.Fingerprint, Occurrence: is.Occurrence, Labels: DefaultPostMortemLabels}
}

func TestPRCommentCreatedThenUpdated(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	env := f.env(srv)
	env.PRNumber = 5
	c := New(f.token, env, srv.Client())
	c.Redactor = redact.New(fakeWebhook)
	f.comments[5] = []map[string]any{{"id": int64(1), "body": "LGTM", "html_url": "u1"}}
	marker := PRCommentMarker("deploy", "org1")
	url1, err := c.UpsertPRComment(context.Background(), marker, "deploy failed "+fakeWebhook+" "+f.token)
	if err != nil {
		t.Fatal(err)
	}
	url2, err := c.UpsertPRComment(context.Background(), marker, "deploy recovered")
	if err != nil {
		t.Fatal(err)
	}
	if url1 != url2 || len(f.comments[5]) != 2 {
		t.Fatalf("urls %q %q, %d comments", url1, url2, len(f.comments[5]))
	}
	body := f.comments[5][1]["body"].(string)
	if !strings.Contains(body, "deploy recovered") || !strings.Contains(body, marker) {
		t.Errorf("body = %q", body)
	}
	if f.count("PATCH ") != 1 || f.count("POST ") != 1 {
		t.Errorf("requests: %v", f.requests)
	}
	assertNoSecrets(t, f, fakeWebhook, f.token)

	c2 := New(f.token, f.env(srv), srv.Client())
	if _, err := c2.UpsertPRComment(context.Background(), marker, "x"); !errors.Is(err, ErrNoPullRequest) {
		t.Errorf("err = %v", err)
	}
}

func assertNoSecrets(t *testing.T, f *fakeGitHub, secrets ...string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.bodies {
		for _, s := range secrets {
			for _, v := range redact.Variants(s) {
				if len(v) >= 4 && strings.Contains(b, v) {
					t.Errorf("request body contains secret %q", v)
				}
			}
		}
	}
}

// Anyone can post a comment that quotes the marker; only a comment the
// token's own identity wrote is edited. Covers both kinds of token: the
// workflow's installation token (GET /user is 403: github-actions[bot]) and
// a personal token (GET /user names it).
func TestPRCommentEditsOnlyItsOwn(t *testing.T) {
	t.Parallel()
	for _, login := range []string{"", "deploy-bot"} {
		t.Run("login="+login, func(t *testing.T) {
			f, srv := newFake(t)
			f.login = login
			env := f.env(srv)
			env.PRNumber = 5
			marker := PRCommentMarker("deploy", "org1")
			forged := "Looks good " + marker
			f.comments[5] = []map[string]any{
				{"id": int64(1), "body": forged, "html_url": "u1", "user": map[string]any{"login": "mallory"}},
				{"id": int64(2), "body": forged, "html_url": "u2", "user": map[string]any{"login": map[bool]string{true: "deploy-bot", false: ActionsBotLogin}[login == ""]}},
			}
			c := New(f.token, env, srv.Client())
			c.Sleep = noSleep
			url1, err := c.UpsertPRComment(context.Background(), marker, "deploy failed")
			if err != nil {
				t.Fatal(err)
			}
			url2, err := c.UpsertPRComment(context.Background(), marker, "deploy recovered")
			if err != nil {
				t.Fatal(err)
			}
			if f.comments[5][0]["body"] != forged || f.comments[5][1]["body"] != forged {
				t.Errorf("a comment written by someone else was edited: %v", f.comments[5][:2])
			}
			if len(f.comments[5]) != 3 || url1 != url2 || !strings.Contains(f.comments[5][2]["body"].(string), "deploy recovered") {
				t.Errorf("want one own comment, created then edited: %d comments, urls %q %q", len(f.comments[5]), url1, url2)
			}
			if n := f.count("GET /api/v3/user"); n != 1 {
				t.Errorf("identity read %d times, want once", n)
			}
		})
	}
}

// Each job and org keeps its own comment: a matrix job never overwrites
// another's.
func TestPRCommentPerJobAndOrg(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	env := f.env(srv)
	env.PRNumber = 5
	c := New(f.token, env, srv.Client())
	c.Sleep = noSleep
	uat, prod := PRCommentMarker("deploy", "uat1"), PRCommentMarker("deploy", "prod1")
	if uat == prod || !strings.HasPrefix(uat, "<!-- deploy-guard:pr-comment ") || strings.Count(uat, "--") != 2 {
		t.Fatalf("markers %q and %q must differ and stay well-formed HTML comments", uat, prod)
	}
	for _, m := range []string{uat, prod, uat} {
		if _, err := c.UpsertPRComment(context.Background(), m, "report for "+m); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count("POST /api/v3/repos/acme/app/issues/5/comments"); n != 2 {
		t.Errorf("%d comments created, want one per org", n)
	}
	if n := f.count("PATCH /api/v3/repos/acme/app/issues/comments/"); n != 1 {
		t.Errorf("%d comments edited, want the uat one once", n)
	}
	if got := PRCommentMarker("a--b>", "x"); strings.Contains(got[4:len(got)-3], "--") || strings.Contains(got, "b>") {
		t.Errorf("marker %q is not a well-formed comment", got)
	}
}
