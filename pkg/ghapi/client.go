package ghapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/org/deploy-guard/pkg/clock"
	"github.com/org/deploy-guard/pkg/ghenv"
	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/sidechannel"
)

// DefaultTimeout bounds one API call.
const DefaultTimeout = 10 * time.Second

// Client calls the GitHub REST API for one workflow run.
type Client struct {
	// Timeout bounds each API call (each page); DefaultTimeout when zero.
	Timeout time.Duration
	// Retries is how many times an idempotent read is retried after a 5xx or
	// a network error (not after a timeout); 1 by default from New, 0 for none.
	Retries int
	// Sleep waits between retries; injectable for tests.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand draws the random part of each backoff (see sidechannel.Backoff);
	// nil is math/rand.
	Rand func(n time.Duration) time.Duration
	// Redactor cleans every text sent to GitHub (issue titles, bodies,
	// comments). The token itself is always redacted, even when nil.
	Redactor *redact.Redactor

	env      ghenv.Env
	gh       *github.Client
	tokenRed *redact.Redactor

	mu      sync.Mutex
	runs    []Run  // cached history, newest first
	runsN   int    // how many usable runs were asked for when runs was read
	runsAll bool   // the history has no more runs than runs
	runsErr error  // the first fault reading the history
	warned  bool   // a fail-open warning was already handed out
	login   string // the token's identity, once read (see identity)
}

// New returns a client for env's repository. The token is sent as a bearer
// Authorization header, only to the API host. hc may be nil; it is not
// modified.
func New(token string, env ghenv.Env, hc *http.Client) *Client {
	var base http.Client
	if hc != nil {
		base = *hc
	}
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	apiURL := strings.TrimRight(env.APIURL, "/")
	if apiURL == "" {
		apiURL = "https://api.github.com"
	}
	u, err := url.Parse(apiURL + "/")
	if err != nil {
		u, _ = url.Parse("https://api.github.com/")
	}
	base.Transport = &authTransport{token: token, host: u.Host, base: rt}
	gh := github.NewClient(&base)
	gh.BaseURL = u
	gh.UserAgent = "deploy-guard"
	return &Client{
		Retries:  1,
		Sleep:    clock.Sleep,
		env:      env,
		gh:       gh,
		tokenRed: redact.New(token),
	}
}

// Env returns the run identity the client was built with.
func (c *Client) Env() ghenv.Env { return c.env }

type authTransport struct {
	token, host string
	base        http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.token == "" || req.URL.Host != t.host {
		return t.base.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.base.RoundTrip(r)
}

func (c *Client) redact(s string) string {
	return c.tokenRed.String(c.Redactor.String(s))
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// call runs fn with a per-call timeout; read calls are retried after 5xx and
// network errors with exponential backoff and jitter.
func (c *Client) call(ctx context.Context, read bool, fn func(ctx context.Context) (*github.Response, error)) error {
	attempts := 1
	if read && c.Retries > 0 {
		attempts += c.Retries
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			d := sidechannel.Backoff{Base: 500 * time.Millisecond, Rand: c.Rand}.Delay(i - 1)
			sleep := c.Sleep
			if sleep == nil {
				sleep = clock.Sleep
			}
			if serr := sleep(ctx, d); serr != nil {
				return err
			}
		}
		cctx, cancel := context.WithTimeout(ctx, c.timeout())
		var resp *github.Response
		resp, err = fn(cctx)
		timedOut := cctx.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil {
			return nil
		}
		if timedOut {
			return &APIError{Kind: KindTimeout, Timeout: c.timeout(), Err: err}
		}
		err = classify(resp, err)
		var ae *APIError
		if !errors.As(err, &ae) || !(ae.Kind == KindServer || ae.Kind == KindNetwork) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// Kind classifies an API fault.
type Kind string

// The API fault kinds.
const (
	KindUnauthorized Kind = "unauthorized" // 401
	KindForbidden    Kind = "forbidden"    // 403 without a rate limit
	KindNotFound     Kind = "not-found"    // 404
	KindGone         Kind = "gone"         // 410 (issues disabled)
	KindRateLimited  Kind = "rate-limited" // primary or secondary limit
	KindServer       Kind = "server"       // 5xx
	KindTimeout      Kind = "timeout"
	KindNetwork      Kind = "network"
	KindInvalid      Kind = "invalid" // 422 and other 4xx
)

// APIError is a classified GitHub API fault. Its message never contains the
// token.
type APIError struct {
	Kind    Kind
	Status  int
	Message string
	// Reset is when a primary rate limit resets; RetryAfter the wait a
	// secondary limit asks for. Zero when unknown.
	Reset      time.Time
	RetryAfter time.Duration
	Timeout    time.Duration
	Err        error
}

func (e *APIError) Error() string {
	switch e.Kind {
	case KindTimeout:
		return fmt.Sprintf("GitHub API did not answer within %s", e.Timeout)
	case KindNetwork:
		return "could not reach the GitHub API: " + e.Message
	case KindRateLimited:
		s := fmt.Sprintf("GitHub API rate limit exceeded (HTTP %d)", e.Status)
		if !e.Reset.IsZero() {
			s += " until " + e.Reset.UTC().Format(time.RFC3339)
		} else if e.RetryAfter > 0 {
			s += fmt.Sprintf(", retry after %s", e.RetryAfter)
		}
		return s
	}
	s := fmt.Sprintf("GitHub API returned %d", e.Status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func (e *APIError) Unwrap() error { return e.Err }

func classify(resp *github.Response, err error) error {
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		st := http.StatusForbidden
		if rl.Response != nil {
			st = rl.Response.StatusCode
		}
		return &APIError{Kind: KindRateLimited, Status: st, Message: rl.Message, Reset: rl.Rate.Reset.Time, Err: err}
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) {
		st := http.StatusForbidden
		if ab.Response != nil {
			st = ab.Response.StatusCode
		}
		e := &APIError{Kind: KindRateLimited, Status: st, Message: ab.Message, Err: err}
		if ab.RetryAfter != nil {
			e.RetryAfter = *ab.RetryAfter
		}
		return e
	}
	status := 0
	if resp != nil && resp.Response != nil {
		status = resp.StatusCode
	}
	msg := ""
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		msg = er.Message
		if er.Response != nil {
			status = er.Response.StatusCode
		}
	}
	if status == 0 {
		return &APIError{Kind: KindNetwork, Message: sidechannel.Describe(err, 0), Err: err}
	}
	e := &APIError{Status: status, Message: msg, Err: err}
	switch {
	case status == http.StatusUnauthorized:
		e.Kind = KindUnauthorized
	case status == http.StatusTooManyRequests:
		e.Kind = KindRateLimited
		if resp != nil {
			e.RetryAfter, _ = sidechannel.RetryAfter(resp.Header, time.Now())
		}
	case status == http.StatusForbidden:
		e.Kind = KindForbidden
	case status == http.StatusNotFound:
		e.Kind = KindNotFound
	case status == http.StatusGone:
		e.Kind = KindGone
	case status >= 500:
		e.Kind = KindServer
	default:
		e.Kind = KindInvalid
	}
	return e
}

// Fix says, for an API fault, what a person can do about it. need is the
// permission the call needs ("actions: read", "issues: write",
// "pull-requests: write").
func Fix(err error, need string) string {
	var ae *APIError
	if !errors.As(err, &ae) {
		return "unexpected error: " + err.Error()
	}
	switch ae.Kind {
	case KindUnauthorized:
		return "GitHub API returned 401 (the token is invalid or expired: check the github-token input)"
	case KindForbidden:
		return fmt.Sprintf("GitHub API returned 403 (the token needs %s: add `permissions: %s` to the job)", need, need)
	case KindNotFound:
		return fmt.Sprintf("GitHub API returned 404 (repository or workflow not found, or the token lacks %s)", need)
	case KindGone:
		return "GitHub API returned 410 (issues are disabled in this repository: enable them or turn the feature off)"
	case KindRateLimited:
		return ae.Error() + " (the token's API budget is spent: wait for the reset or run less often)"
	case KindServer:
		return fmt.Sprintf("GitHub API returned %d (a GitHub outage: nothing to fix on your side)", ae.Status)
	case KindTimeout:
		return ae.Error() + " (GitHub is slow or unreachable from the runner)"
	case KindNetwork:
		return ae.Error() + " (check the runner's network and GITHUB_API_URL)"
	}
	return ae.Error()
}

// Run is one workflow run of this workflow on this branch.
type Run struct {
	ID         int64
	Attempt    int
	Conclusion string
	Status     string
	Event      string
	URL        string
	HeadSHA    string
	Created    time.Time
	Updated    time.Time
	Title      string
	// Category is the failure category of the run when the caller knows it
	// (the API does not carry it); used by ComputeMetrics.
	Category string
}

// Failed reports whether the run's conclusion counts as a failure.
func (r Run) Failed() bool {
	switch r.Conclusion {
	case "failure", "timed_out", "startup_failure":
		return true
	}
	return false
}

// Succeeded reports whether the run concluded with success.
func (r Run) Succeeded() bool { return r.Conclusion == "success" }

// ignored reports whether the run says nothing about deployments.
func (r Run) ignored() bool {
	switch r.Conclusion {
	case "cancelled", "canceled", "skipped", "stale", "":
		return true
	}
	return false
}

// maxPages bounds pagination: list endpoints return at most 1,000 results.
const maxPages = 10

// RecentRuns returns up to n completed runs of this workflow on this branch,
// newest first: the current run excluded, cancelled and skipped runs
// dropped, one entry per run id (its latest attempt). The history is read
// once per client and the first fault is remembered, so the breaker and the
// metrics share one set of calls.
func (c *Client) RecentRuns(ctx context.Context, n int) ([]Run, error) {
	if n <= 0 {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runsErr != nil {
		return nil, c.runsErr
	}
	if c.runs != nil && (c.runsN >= n || c.runsAll) {
		return clip(c.runs, n), nil
	}
	file := c.env.WorkflowFile()
	if c.env.Repository == "" || file == "" {
		return nil, errors.New("GITHUB_REPOSITORY or GITHUB_WORKFLOW_REF is not set")
	}
	perPage := min(n*2, 100)
	opts := &github.ListWorkflowRunsOptions{
		Branch:              c.env.Branch(),
		Status:              "completed",
		ExcludePullRequests: true,
		ListOptions:         github.ListOptions{PerPage: perPage, Page: 1},
	}
	var seen, out []Run
	all := false
	for page := 0; page < maxPages; page++ {
		var list *github.WorkflowRuns
		var resp *github.Response
		err := c.call(ctx, true, func(ctx context.Context) (*github.Response, error) {
			var err error
			list, resp, err = c.gh.Actions.ListWorkflowRunsByFileName(ctx, c.env.Owner(), c.env.Name(), file, opts)
			return resp, err
		})
		if err != nil {
			c.runsErr = err
			return nil, err
		}
		for _, w := range list.WorkflowRuns {
			if r := fromAPI(w); r.ID != c.env.RunID && !r.ignored() {
				seen = append(seen, r)
			}
		}
		out = latestAttempts(seen)
		if len(out) >= n {
			break
		}
		if resp == nil || resp.NextPage == 0 {
			all = true
			break
		}
		opts.Page = resp.NextPage
	}
	sortNewestFirst(out)
	if out == nil {
		out = []Run{}
	}
	c.runs, c.runsN, c.runsAll = out, n, all
	return clip(out, n), nil
}

func clip(rs []Run, n int) []Run {
	if len(rs) > n {
		rs = rs[:n]
	}
	return append([]Run(nil), rs...)
}

func sortNewestFirst(rs []Run) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Created.After(rs[j].Created) })
}

func fromAPI(w *github.WorkflowRun) Run {
	r := Run{
		ID:         w.GetID(),
		Attempt:    w.GetRunAttempt(),
		Conclusion: w.GetConclusion(),
		Status:     w.GetStatus(),
		Event:      w.GetEvent(),
		URL:        w.GetHTMLURL(),
		HeadSHA:    w.GetHeadSHA(),
		Created:    w.GetCreatedAt().Time,
		Updated:    w.GetUpdatedAt().Time,
		Title:      w.GetDisplayTitle(),
	}
	if r.Attempt < 1 {
		r.Attempt = 1
	}
	if r.Title == "" {
		r.Title = w.GetName()
	}
	return r
}

// warnOnce returns text the first time the client fails open, and "" after.
func (c *Client) warnOnce(text string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.warned {
		return ""
	}
	c.warned = true
	return text
}
