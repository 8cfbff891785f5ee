package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/deploy-guard/internal/testkit"
	"github.com/org/deploy-guard/pkg/ghenv"
	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/result"
)

const (
	fakeToken   = "ghp_FAKEtoken0123456789abcdef"
	fakeAuthURL = "force://PlatformCLI::5Aep861secretrefreshtoken@acme.my.salesforce.com"
)

// fakeSlack answers with the scripted statuses in turn (200 "ok" after the
// script ends) and records every request body.
type fakeSlack struct {
	mu      sync.Mutex
	script  []func(w http.ResponseWriter)
	bodies  [][]byte
	ctypes  []string
	handler func(w http.ResponseWriter, r *http.Request)
}

func (f *fakeSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, b)
	f.ctypes = append(f.ctypes, r.Header.Get("Content-Type"))
	var step func(w http.ResponseWriter)
	if len(f.script) > 0 {
		step, f.script = f.script[0], f.script[1:]
	}
	h := f.handler
	f.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	if step != nil {
		step(w)
		return
	}
	_, _ = w.Write([]byte("ok"))
}

func status(code int, body string, hdr ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// newSlack returns a Slack pointed at a fake server under a secret-looking
// path, with a recording Sleep.
func newSlack(t *testing.T, f *fakeSlack) (*Slack, *[]time.Duration) {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	var slept []time.Duration
	s := &Slack{
		WebhookURL: srv.URL + "/services/T000/B000/XXXXsecretXXXX",
		HTTP:       srv.Client(),
		Sleep: func(ctx context.Context, d time.Duration) error {
			slept = append(slept, d)
			return ctx.Err()
		},
	}
	return s, &slept
}

func assertNoURL(t *testing.T, s *Slack, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error")
	}
	for _, bad := range []string{s.WebhookURL, "XXXXsecretXXXX", "/services/"} {
		if strings.Contains(err.Error(), bad) {
			t.Errorf("error leaks the webhook: %v", err)
		}
	}
	if !strings.HasPrefix(err.Error(), "slack webhook: ") {
		t.Errorf("error = %q", err)
	}
}

func TestSendSuccess(t *testing.T) {
	t.Parallel()
	f := &fakeSlack{}
	s, slept := newSlack(t, f)
	if err := s.Send(context.Background(), []byte(`{"text":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	if len(f.bodies) != 1 || f.ctypes[0] != "application/json" || len(*slept) != 0 {
		t.Errorf("bodies=%d ctype=%q slept=%v", len(f.bodies), f.ctypes[0], *slept)
	}
}

func TestSendHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	f := &fakeSlack{script: []func(http.ResponseWriter){status(429, "rate_limited", "Retry-After", "2")}}
	s, slept := newSlack(t, f)
	if err := s.Send(context.Background(), []byte(`{"text":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	if len(*slept) != 1 || (*slept)[0] != 2*time.Second || len(f.bodies) != 2 {
		t.Errorf("slept=%v requests=%d, want [2s] and 2", *slept, len(f.bodies))
	}
}

func TestSendRetryAfterBeyondMaxWait(t *testing.T) {
	t.Parallel()
	f := &fakeSlack{script: []func(http.ResponseWriter){status(429, "rate_limited", "Retry-After", "120")}}
	s, slept := newSlack(t, f)
	s.MaxWait = 30 * time.Second
	err := s.Send(context.Background(), []byte(`{"text":"hi"}`))
	assertNoURL(t, s, err)
	if !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "exceeds the 30s budget") {
		t.Errorf("err = %v", err)
	}
	for _, d := range *slept {
		if d > s.MaxWait {
			t.Errorf("slept %s > MaxWait", d)
		}
	}
	if len(f.bodies) != 1 {
		t.Errorf("%d requests: must not send again before Retry-After", len(f.bodies))
	}
}

func TestSendGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	f := &fakeSlack{handler: func(w http.ResponseWriter, r *http.Request) { status(500, "internal_error")(w) }}
	s, slept := newSlack(t, f)
	s.MaxAttempts = 3
	err := s.Send(context.Background(), []byte(`{"text":"hi"}`))
	assertNoURL(t, s, err)
	if len(f.bodies) != 3 || len(*slept) != 2 {
		t.Fatalf("requests=%d sleeps=%v", len(f.bodies), *slept)
	}
	if !strings.Contains(err.Error(), "HTTP 500: internal_error") || !strings.Contains(err.Error(), "gave up after 3 attempts") {
		t.Errorf("err = %v", err)
	}
	// Exponential with jitter: 1s step → [0.5s,1s], 2s step → [1s,2s].
	if d := (*slept)[0]; d < 500*time.Millisecond || d > time.Second {
		t.Errorf("first backoff %s", d)
	}
	if d := (*slept)[1]; d < time.Second || d > 2*time.Second {
		t.Errorf("second backoff %s", d)
	}
}

func TestSendDefaultAttempts(t *testing.T) {
	t.Parallel()
	f := &fakeSlack{handler: func(w http.ResponseWriter, r *http.Request) { status(503, "")(w) }}
	s, _ := newSlack(t, f)
	_ = s.Send(context.Background(), []byte(`{}`))
	if len(f.bodies) != DefaultMaxAttempts {
		t.Errorf("%d requests, want %d", len(f.bodies), DefaultMaxAttempts)
	}
}

func TestSendNoRetryOn4xx(t *testing.T) {
	t.Parallel()
	for _, code := range []int{400, 403, 404, 410} {
		f := &fakeSlack{handler: func(w http.ResponseWriter, r *http.Request) { status(code, "invalid_payload")(w) }}
		s, slept := newSlack(t, f)
		err := s.Send(context.Background(), []byte(`{}`))
		assertNoURL(t, s, err)
		if len(f.bodies) != 1 || len(*slept) != 0 || !strings.Contains(err.Error(), "not retried") {
			t.Errorf("%d: requests=%d err=%v", code, len(f.bodies), err)
		}
	}
}

// An error quotes what Slack answered only when it is an error code.
func TestSendQuotesOnlySlackErrorCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body  string
		quote bool
	}{
		{"invalid_payload", true},
		{" channel_is_archived\n", true},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
		{"ok", false},
		{"Invalid-Token secret", false},
		{"<html>", false},
	} {
		f := &fakeSlack{handler: func(w http.ResponseWriter, r *http.Request) { status(400, tc.body)(w) }}
		s, _ := newSlack(t, f)
		err := s.Send(context.Background(), []byte(`{}`))
		if err == nil {
			t.Fatalf("%q: want an error", tc.body)
		}
		if quoted := strings.Contains(err.Error(), ": "+strings.TrimSpace(tc.body)); quoted != tc.quote {
			t.Errorf("body %q: error %q, want quoted %v", tc.body, err, tc.quote)
		}
	}
}

func TestSendTimeout(t *testing.T) {
	t.Parallel()
	f := &fakeSlack{handler: func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}}
	s, _ := newSlack(t, f)
	s.Timeout = 50 * time.Millisecond
	s.MaxAttempts = 2
	err := s.Send(context.Background(), []byte(`{}`))
	assertNoURL(t, s, err)
	if !strings.Contains(err.Error(), "timed out after 50ms") {
		t.Errorf("err = %v", err)
	}
}

func TestSendConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &Slack{WebhookURL: "http://" + addr + "/services/T000/B000/XXXXsecretXXXX", MaxAttempts: 2,
		Sleep: func(ctx context.Context, d time.Duration) error { return nil }}
	err = s.Send(context.Background(), []byte(`{}`))
	assertNoURL(t, s, err)
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v", err)
	}
}

func TestSendCanceled(t *testing.T) {
	t.Parallel()
	f := &fakeSlack{handler: func(w http.ResponseWriter, r *http.Request) { status(502, "")(w) }}
	s, _ := newSlack(t, f)
	s.Sleep = func(ctx context.Context, d time.Duration) error { return context.Canceled }
	err := s.Send(context.Background(), []byte(`{}`))
	assertNoURL(t, s, err)
	if len(f.bodies) != 1 {
		t.Errorf("%d requests", len(f.bodies))
	}
}

func sampleRun(secrets ...string) *result.Run {
	s := strings.Join(secrets, " ")
	return &result.Run{
		Status: result.StatusFailed, Category: result.CategoryMetadata,
		Message:  "Deployment failed: 2 component errors <!channel> & " + s,
		Attempts: []result.Attempt{{Number: 1}, {Number: 2}},
		Deploy: &result.Deploy{
			ComponentFailures: []result.ComponentFailure{
				{Type: "ApexClass", FullName: "Foo", Line: 12, Problem: "Variable does not exist: x <@U123> " + s, ProblemType: "Error"},
				{Type: "ApexClass", FullName: "Bar", Problem: "also broken", ProblemType: "Error"},
				{Type: "CustomField", FullName: "Account.X__c", Problem: "just a warning", ProblemType: "Warning"},
			},
			TestFailures: []result.TestFailure{
				{Class: "T1", Method: "a"}, {Class: "T2", Method: "b"}, {Class: "T3", Method: "c"}, {Class: "T4", Method: "d"},
				{Class: "T5", Method: "e"}, {Class: "T6", Method: "f"}, {Class: "T7", Method: "g"}, {Class: "T8", Method: "h"},
				{Class: "T9", Method: "i"}, {Class: "T10", Method: "j"}, {Class: "T11", Method: "k"}, {Class: "T12", Method: "l"},
			},
		},
	}
}

func sampleEnv() ghenv.Env {
	return ghenv.Env{Repository: "acme/app", RefName: "main", ServerURL: "https://github.com", RunID: 42, RunAttempt: 1, Actor: "octocat"}
}

func TestBlockKitGolden(t *testing.T) {
	t.Parallel()
	m := MessageFor(sampleRun(), sampleEnv(), "https://github.com/acme/app/issues/7")
	got, err := BlockKit(m, redact.New())
	if err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, filepath.Join("testdata", "failure.json"), got)
}

func TestBlockKitStructureAndLimits(t *testing.T) {
	t.Parallel()
	m := MessageFor(sampleRun(), sampleEnv(), "")
	m.Repository = strings.Repeat("r", 300)
	m.FailedComponent = strings.Repeat("&", 5000)
	m.Headline = strings.Repeat("<", 5000)
	b, err := BlockKit(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Text   string
		Blocks []struct {
			Type     string
			Text     *struct{ Type, Text string }
			Fields   []struct{ Type, Text string }
			Elements []struct {
				Text struct{ Text string }
				URL  string
			}
		}
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if p.Text == "" || p.Blocks[0].Type != "header" {
		t.Fatal("no fallback text or header")
	}
	runes := func(s string) int { return len([]rune(s)) }
	if n := runes(p.Blocks[0].Text.Text); n > maxHeader {
		t.Errorf("header %d chars", n)
	}
	var buttons []string
	for _, bl := range p.Blocks {
		if bl.Text != nil && bl.Type == "section" && runes(bl.Text.Text) > maxSectionText {
			t.Errorf("section %d chars", runes(bl.Text.Text))
		}
		if len(bl.Fields) > 10 {
			t.Errorf("%d fields", len(bl.Fields))
		}
		for _, f := range bl.Fields {
			if runes(f.Text) > maxField {
				t.Errorf("field %d chars", runes(f.Text))
			}
			if strings.HasSuffix(strings.TrimSuffix(f.Text, "…"), "&am") {
				t.Error("cut inside an entity")
			}
		}
		for _, e := range bl.Elements {
			buttons = append(buttons, e.Text.Text)
		}
	}
	if strings.Join(buttons, ",") != "View run" {
		t.Errorf("buttons = %v (no post-mortem URL → no button)", buttons)
	}
}

func TestEscape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a & b":                "a &amp; b",
		"<!channel> hi":        "&lt;!channel&gt; hi",
		"<https://evil|click>": "&lt;https://evil|click&gt;",
		"plain *bold*":         "plain *bold*",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	m := MessageFor(sampleRun(), sampleEnv(), "")
	b, _ := BlockKit(m, nil)
	if bytes.Contains(b, []byte("<!channel>")) || bytes.Contains(b, []byte("<@U123>")) {
		t.Error("mentions survived")
	}
}

func TestNoSecretInSlackBody(t *testing.T) {
	t.Parallel()
	f := &fakeSlack{}
	s, _ := newSlack(t, f)
	red := redact.New(fakeToken, fakeAuthURL, s.WebhookURL)
	env := sampleEnv()
	r := sampleRun(fakeToken, fakeAuthURL, s.WebhookURL)
	r.Deploy.TestFailures[0].Method = "m" + fakeToken
	env.Actor = "actor " + fakeToken
	m := MessageFor(r, env, "https://github.com/acme/app/issues/7?x="+fakeToken)
	payload, err := BlockKit(m, red)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	for _, body := range f.bodies {
		for _, sec := range []string{fakeToken, fakeAuthURL, s.WebhookURL, "5Aep861secretrefreshtoken", "XXXXsecretXXXX"} {
			for _, v := range redact.Variants(sec) {
				if len(v) >= 4 && bytes.Contains(body, []byte(v)) {
					t.Errorf("body contains secret %q", v)
				}
			}
		}
	}
}

func TestShouldNotify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s          result.Status
		onRecovery bool
		want       bool
	}{
		{result.StatusFailed, false, true},
		{result.StatusBlocked, false, true},
		{result.StatusRecovered, false, false},
		{result.StatusRecovered, true, true},
		{result.StatusSucceeded, true, false},
		{result.StatusValidated, true, false},
		{result.StatusCanceled, true, false},
	}
	for _, tt := range tests {
		if got := ShouldNotify(tt.s, tt.onRecovery); got != tt.want {
			t.Errorf("ShouldNotify(%s, %v) = %v", tt.s, tt.onRecovery, got)
		}
	}
}

func TestMessageFor(t *testing.T) {
	t.Parallel()
	m := MessageFor(sampleRun(), sampleEnv(), "")
	if m.FailedComponent != "ApexClass Foo (line 12): Variable does not exist: x <@U123>  (+1 more)" {
		t.Errorf("FailedComponent = %q", m.FailedComponent)
	}
	if m.Attempts != 2 || len(m.FailedTests) != 12 || m.RunURL != "https://github.com/acme/app/actions/runs/42/attempts/1" {
		t.Errorf("message = %+v", m)
	}
}

// The backoff's randomness is injected, so the waits are exact: with the
// random part at its top, 5xx waits double from baseBackoff; a Retry-After
// given as an HTTP date is honoured as well as one in seconds.
func TestSendBackoffIsInjected(t *testing.T) {
	t.Parallel()
	when := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	f := &fakeSlack{script: []func(http.ResponseWriter){status(503, ""), status(500, ""), status(429, "", "Retry-After", when)}}
	s, slept := newSlack(t, f)
	s.Rand = func(n time.Duration) time.Duration { return n }
	if err := s.Send(context.Background(), []byte(`{"text":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	if len(*slept) != 3 || (*slept)[0] != baseBackoff || (*slept)[1] != 2*baseBackoff || (*slept)[2] <= 0 || (*slept)[2] > 3*time.Second {
		t.Errorf("slept %v, want [1s 2s ~3s]", *slept)
	}
}
