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
	"github.com/org/deploy-guard/pkg/result"
)

func noSleep(ctx context.Context, d time.Duration) error { return ctx.Err() }

func TestBreaker(t *testing.T) {
	type run struct {
		id         int64
		conclusion string
	}
	mk := func(cs ...string) []run {
		var rs []run
		for i, c := range cs {
			rs = append(rs, run{int64(100 - i), c})
		}
		return rs
	}
	tests := []struct {
		name         string
		runs         []run
		breaker      Breaker
		attempt      int
		consulted    bool
		open         bool
		overridden   bool
		failures     int
		window       int
		reasonPrefix string
	}{
		{"2 of 5 failed, threshold 3: closed", mk("failure", "success", "failure", "success", "success"), Breaker{3, 5, false}, 1, true, false, false, 2, 5, "2 of the last 5 runs failed"},
		{"3 of 5 failed, threshold 3: open", mk("failure", "success", "failure", "timed_out", "success"), Breaker{3, 5, false}, 1, true, true, false, 3, 5, "3 of the last 5 runs failed"},
		{"startup_failure counts", mk("startup_failure", "failure", "failure"), Breaker{3, 5, false}, 1, true, true, false, 3, 3, "3 of the last 3 runs failed"},
		{"window respected: old failures ignored", mk("success", "success", "failure", "failure", "failure", "failure"), Breaker{3, 3, false}, 1, true, false, false, 1, 3, "1 of the last 3 runs failed"},
		{"cancelled and skipped excluded", mk("cancelled", "failure", "skipped", "failure", "success", "failure"), Breaker{3, 3, false}, 1, true, false, false, 2, 3, "2 of the last 3 runs failed"},
		{"current run excluded", []run{{9999, "failure"}, {98, "failure"}, {97, "failure"}, {96, "success"}}, Breaker{3, 3, false}, 1, true, false, false, 2, 3, "2 of the last 3"},
		{"no history", nil, Breaker{3, 5, false}, 1, true, false, false, 0, 0, "no completed runs"},
		{"override input", mk("failure", "failure", "failure"), Breaker{3, 5, true}, 1, true, false, true, 3, 3, "override"},
		{"re-run attempt", mk("failure", "failure", "failure"), Breaker{3, 5, false}, 2, true, false, true, 3, 3, "override: re-run attempt 2"},
		{"threshold 0 disables", mk("failure", "failure", "failure"), Breaker{0, 5, false}, 1, false, false, false, 0, 0, "circuit breaker disabled"},
		{"window 0 disables", mk("failure", "failure", "failure"), Breaker{3, 0, false}, 1, false, false, false, 0, 0, "circuit breaker disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			for _, r := range tt.runs {
				f.addRun(r.id, 1, r.conclusion)
			}
			c := f.client(srv)
			c.env.RunAttempt = tt.attempt
			got := c.CheckBreaker(context.Background(), tt.breaker)
			if got.Consulted != tt.consulted || got.Open != tt.open || got.Overridden != tt.overridden {
				t.Fatalf("consulted/open/overridden = %v/%v/%v, want %v/%v/%v (%s)", got.Consulted, got.Open, got.Overridden, tt.consulted, tt.open, tt.overridden, got.Reason)
			}
			if len(got.Failures) != tt.failures || len(got.Window) != tt.window {
				t.Errorf("failures/window = %d/%d, want %d/%d", len(got.Failures), len(got.Window), tt.failures, tt.window)
			}
			if !strings.HasPrefix(got.Reason, tt.reasonPrefix) {
				t.Errorf("reason = %q, want prefix %q", got.Reason, tt.reasonPrefix)
			}
			if got.Warning != "" {
				t.Errorf("unexpected warning %q", got.Warning)
			}
			for _, w := range got.Window {
				if w.ID == 9999 {
					t.Error("current run in window")
				}
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
		})
	}
}

func TestBreakerPagination(t *testing.T) {
	f, srv := newFake(t)
	// Window 5 → per_page 10; the first 12 runs are cancelled, so the
	// breaker must follow the Link header to pages 2 and 3.
	for i := 0; i < 12; i++ {
		f.addRun(int64(200-i), 1, "cancelled")
	}
	for i := 0; i < 8; i++ {
		f.addRun(int64(100-i), 1, "failure")
	}
	c := f.client(srv)
	got := c.CheckBreaker(context.Background(), Breaker{Threshold: 5, Window: 5})
	if !got.Open || len(got.Window) != 5 {
		t.Fatalf("open=%v window=%d reason=%q", got.Open, len(got.Window), got.Reason)
	}
	if n := f.count("GET /api/v3/repos/acme/app/actions/workflows/deploy.yml/runs"); n != 2 {
		t.Errorf("%d pages read, want 2 (stop once enough runs)", n)
	}
	if !strings.Contains(f.requests[0], "per_page=10") || !strings.Contains(f.requests[0], "exclude_pull_requests=true") {
		t.Errorf("first request %q", f.requests[0])
	}
	// The history is cached: metrics over a smaller window make no call.
	if _, w, ok := c.HistoryMetrics(context.Background(), 5); !ok || w != "" {
		t.Errorf("metrics ok=%v warning=%q", ok, w)
	}
	if n := len(f.requests); n != 2 {
		t.Errorf("%d requests after metrics, want 2", n)
	}
}

func TestBreakerFailsOpen(t *testing.T) {
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
			f.addRun(1, 1, "failure")
			f.fault = tt.fault
			c := f.client(srv)
			c.Timeout = 100 * time.Millisecond
			got := c.CheckBreaker(context.Background(), Breaker{Threshold: 1, Window: 5})
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
	f, srv := newFake(t)
	f.addRun(1, 1, "failure")
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
	got := c.CheckBreaker(context.Background(), Breaker{Threshold: 1, Window: 5})
	if !got.Consulted || !got.Open || len(slept) != 1 {
		t.Fatalf("consulted=%v open=%v slept=%v reason=%q", got.Consulted, got.Open, slept, got.Reason)
	}
}

func TestBreakerConnectionRefused(t *testing.T) {
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
	f, srv := newFake(t)
	c := f.client(srv)
	red := redact.New(fakeToken, fakeAuthURL, fakeWebhook)
	c.Redactor = red
	env := c.Env()
	pm := PostMortemFor(failedRun(fakeToken, fakeAuthURL, fakeWebhook, f.token), env, red)

	if !strings.HasPrefix(pm.Title, "Deployment failed: metadata in Deploy on main") {
		t.Errorf("title = %q", pm.Title)
	}
	for _, want := range []string{"### Failed components (1)", "ApexClass", "FooTest.testIt", "### Attempts timeline", "- [ ] Fix the failed components",
		"https://github.example/acme/app/actions/runs/9999/attempts/1", Marker(pm.Fingerprint), "Variable does not exist: x \\|"} {
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
	pm2 := PostMortemFor(r2, env, red)
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

func TestPostMortemBodyCapped(t *testing.T) {
	r := failedRun()
	for i := 0; i < 3000; i++ {
		r.Attempts = append(r.Attempts, result.Attempt{Number: i, Kind: "deploy", Decision: strings.Repeat("x", 100)})
	}
	pm := PostMortemFor(r, ghenv.Env{Repository: "a/b", RefName: "main"}, nil)
	if n := len([]rune(pm.Body)); n > MaxBody {
		t.Errorf("body %d chars", n)
	}
	if !strings.HasSuffix(pm.Body, Marker(pm.Fingerprint)) || !strings.Contains(pm.Body, "truncated") {
		t.Error("capped body lost its marker or note")
	}
}

func TestFingerprintStable(t *testing.T) {
	a := Fingerprint("deploy.yml", result.CategoryMetadata, "ApexClass  Foo")
	if a != Fingerprint("deploy.yml", result.CategoryMetadata, "apexclass foo") || len(a) != 16 {
		t.Errorf("not stable: %q", a)
	}
	if a == Fingerprint("deploy.yml", result.CategoryTest, "ApexClass Foo") || a == Fingerprint("other.yml", result.CategoryMetadata, "ApexClass Foo") {
		t.Error("collision")
	}
}

func TestPRCommentCreatedThenUpdated(t *testing.T) {
	f, srv := newFake(t)
	env := f.env(srv)
	env.PRNumber = 5
	c := New(f.token, env, srv.Client())
	c.Redactor = redact.New(fakeWebhook)
	f.comments[5] = []map[string]any{{"id": int64(1), "body": "LGTM", "html_url": "u1"}}
	url1, err := c.UpsertPRComment(context.Background(), "deploy failed "+fakeWebhook+" "+f.token)
	if err != nil {
		t.Fatal(err)
	}
	url2, err := c.UpsertPRComment(context.Background(), "deploy recovered")
	if err != nil {
		t.Fatal(err)
	}
	if url1 != url2 || len(f.comments[5]) != 2 {
		t.Fatalf("urls %q %q, %d comments", url1, url2, len(f.comments[5]))
	}
	body := f.comments[5][1]["body"].(string)
	if !strings.Contains(body, "deploy recovered") || !strings.Contains(body, PRCommentMarker) {
		t.Errorf("body = %q", body)
	}
	if f.count("PATCH ") != 1 || f.count("POST ") != 1 {
		t.Errorf("requests: %v", f.requests)
	}
	assertNoSecrets(t, f, fakeWebhook, f.token)

	c2 := New(f.token, f.env(srv), srv.Client())
	if _, err := c2.UpsertPRComment(context.Background(), "x"); !errors.Is(err, ErrNoPullRequest) {
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
	for _, login := range []string{"", "deploy-bot"} {
		t.Run("login="+login, func(t *testing.T) {
			f, srv := newFake(t)
			f.login = login
			env := f.env(srv)
			env.PRNumber = 5
			forged := "Looks good " + PRCommentMarker
			f.comments[5] = []map[string]any{
				{"id": int64(1), "body": forged, "html_url": "u1", "user": map[string]any{"login": "mallory"}},
				{"id": int64(2), "body": forged, "html_url": "u2", "user": map[string]any{"login": map[bool]string{true: "deploy-bot", false: ActionsBotLogin}[login == ""]}},
			}
			c := New(f.token, env, srv.Client())
			c.Sleep = noSleep
			url1, err := c.UpsertPRComment(context.Background(), "deploy failed")
			if err != nil {
				t.Fatal(err)
			}
			url2, err := c.UpsertPRComment(context.Background(), "deploy recovered")
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
