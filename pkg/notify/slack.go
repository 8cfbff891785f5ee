// Package notify sends deploy-guard's chat notifications: a Block Kit
// message to a Slack incoming webhook.
//
// A notification is a side channel: Send retries within a small budget and
// returns an error for the caller to warn about; it never fails a
// deployment, and no error it returns contains the webhook URL.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/org/deploy-guard/pkg/clock"
	"github.com/org/deploy-guard/pkg/ghenv"
	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/safetext"
	"github.com/org/deploy-guard/pkg/sidechannel"
)

// Defaults of Slack's retry budget.
const (
	DefaultMaxAttempts = 4
	DefaultMaxWait     = 30 * time.Second
	DefaultTimeout     = 10 * time.Second
	// baseBackoff is the first backoff after a 5xx or network error.
	baseBackoff = time.Second
)

// Slack posts to an incoming webhook.
type Slack struct {
	// WebhookURL is the credential; it never appears in errors.
	WebhookURL string
	// HTTP is the client used; http.DefaultClient's settings when nil.
	HTTP *http.Client
	// Sleep waits between attempts; injectable for tests.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand draws the random part of each backoff (see sidechannel.Backoff);
	// nil is math/rand.
	Rand func(n time.Duration) time.Duration
	// MaxAttempts bounds the requests of one Send (DefaultMaxAttempts).
	MaxAttempts int
	// MaxWait is the longest Retry-After honoured (DefaultMaxWait); a longer
	// one ends Send with an error rather than send again too early.
	MaxWait time.Duration
	// Timeout bounds each request (DefaultTimeout).
	Timeout time.Duration
}

// Message is what a notification says.
type Message struct {
	Status, Category, Headline, FailedComponent, Branch, Actor, Repository, RunURL, PostMortemURL string
	FailedTests                                                                                   []string
	Attempts                                                                                      int
}

// MessageFor builds the message of a run. env identifies the run;
// postMortemURL is the post-mortem issue, if one was filed.
func MessageFor(r *result.Run, env ghenv.Env, postMortemURL string) Message {
	m := Message{
		Status:        string(r.Status),
		Category:      string(r.Category),
		Headline:      r.Message,
		Branch:        env.Branch(),
		Actor:         env.Actor,
		Repository:    env.Repository,
		RunURL:        env.RunURL(),
		PostMortemURL: postMortemURL,
		Attempts:      r.DeploymentAttempts(),
	}
	if errs := r.ComponentErrors(); len(errs) > 0 {
		f := errs[0]
		name := strings.TrimSpace(f.Type + " " + f.FullName)
		if f.Line > 0 {
			name += fmt.Sprintf(" (line %d)", f.Line)
		}
		if f.Problem != "" {
			name += ": " + f.Problem
		}
		if len(errs) > 1 {
			name += fmt.Sprintf(" (+%d more)", len(errs)-1)
		}
		m.FailedComponent = name
	}
	m.FailedTests = r.FailedTestNames()
	if m.Category == string(result.CategoryNone) {
		m.Category = ""
	}
	return m
}

// ShouldNotify reports whether a run with status is announced: failures and
// blocked runs always, recovered runs (deployed after a retry or fallback)
// when onRecovery is set.
func ShouldNotify(status result.Status, onRecovery bool) bool {
	switch status {
	case result.StatusFailed, result.StatusBlocked:
		return true
	case result.StatusRecovered:
		return onRecovery
	}
	return false
}

// Slack's Block Kit limits.
const (
	maxHeader      = 150
	maxSectionText = 3000
	maxField       = 2000
	maxButtonText  = 75
	maxURL         = 3000
	maxTests       = 10
	maxFallback    = 3000
)

type text struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

type block struct {
	Type     string    `json:"type"`
	Text     *text     `json:"text,omitempty"`
	Fields   []text    `json:"fields,omitempty"`
	Elements []element `json:"elements,omitempty"`
}

type element struct {
	Type     string `json:"type"`
	Text     text   `json:"text"`
	URL      string `json:"url"`
	ActionID string `json:"action_id"`
	Style    string `json:"style,omitempty"`
}

type payload struct {
	Text   string  `json:"text"`
	Blocks []block `json:"blocks"`
}

// BlockKit renders m as an incoming-webhook payload: a fallback text, a
// header, the headline, a section of fields, the failed tests (at most 10)
// and buttons to the run and the post-mortem. Every string passes through
// red; org-controlled text is mrkdwn-escaped and cut to Slack's limits.
func BlockKit(m Message, red *redact.Redactor) ([]byte, error) {
	clean := func(s string) string { return strings.TrimSpace(red.String(s)) }
	title := headerFor(m.Status)
	if repo := clean(m.Repository); repo != "" {
		title += ": " + repo
	}
	headline := clean(m.Headline)

	fallback := title
	if headline != "" {
		fallback += ": " + headline
	}
	p := payload{Text: cut(Escape(strings.Join(strings.Fields(fallback), " ")), maxFallback)}
	p.Blocks = append(p.Blocks, block{Type: "header", Text: &text{Type: "plain_text", Text: safetext.TruncateRunes(title, maxHeader), Emoji: true}})
	if headline != "" {
		p.Blocks = append(p.Blocks, block{Type: "section", Text: &text{Type: "mrkdwn", Text: cut(Escape(headline), maxSectionText)}})
	}
	var fields []text
	field := func(label, v string) {
		v = clean(v)
		if v == "" {
			return
		}
		fields = append(fields, text{Type: "mrkdwn", Text: cut("*"+label+"*\n"+Escape(v), maxField)})
	}
	field("Status", m.Status)
	field("Category", m.Category)
	field("Branch", m.Branch)
	field("Actor", m.Actor)
	if m.Attempts > 0 {
		field("Attempts", strconv.Itoa(m.Attempts))
	}
	field("Failed component", m.FailedComponent)
	if len(fields) > 0 {
		p.Blocks = append(p.Blocks, block{Type: "section", Fields: fields})
	}
	if len(m.FailedTests) > 0 {
		var b strings.Builder
		b.WriteString("*Failed tests*")
		for i, t := range m.FailedTests {
			if i == maxTests {
				fmt.Fprintf(&b, "\n…and %d more", len(m.FailedTests)-maxTests)
				break
			}
			b.WriteString("\n• `" + strings.ReplaceAll(Escape(clean(t)), "`", "'") + "`")
		}
		p.Blocks = append(p.Blocks, block{Type: "section", Text: &text{Type: "mrkdwn", Text: cut(b.String(), maxSectionText)}})
	}
	var buttons []element
	if u := clean(m.RunURL); webURL(u) {
		buttons = append(buttons, element{Type: "button", Text: text{Type: "plain_text", Text: "View run"}, URL: u, ActionID: "view_run", Style: "primary"})
	}
	if u := clean(m.PostMortemURL); webURL(u) {
		buttons = append(buttons, element{Type: "button", Text: text{Type: "plain_text", Text: "Post-mortem"}, URL: u, ActionID: "post_mortem"})
	}
	if len(buttons) > 0 {
		p.Blocks = append(p.Blocks, block{Type: "actions", Elements: buttons})
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	// Defence in depth: a secret that reached the payload some other way.
	out := red.Bytes(buf.Bytes())
	if !json.Valid(out) {
		return nil, errors.New("slack payload: redaction broke the JSON")
	}
	return out, nil
}

func headerFor(status string) string {
	switch result.Status(status) {
	case result.StatusFailed:
		return "❌ Deployment failed"
	case result.StatusBlocked:
		return "🛑 Deployment blocked"
	case result.StatusRecovered:
		return "✅ Deployment recovered"
	case result.StatusSucceeded, result.StatusValidated:
		return "✅ Deployment " + status
	case result.StatusCanceled:
		return "⚪ Deployment canceled"
	case result.StatusSkipped:
		return "⏭️ Deployment skipped: nothing changed"
	}
	return "Deployment " + status
}

func webURL(u string) bool {
	return len(u) <= maxURL && (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://"))
}

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape escapes Slack mrkdwn's control characters (&, <, >), so untrusted
// text cannot form links or mentions such as <!channel>.
func Escape(s string) string { return mrkdwnEscaper.Replace(s) }

// cut shortens escaped mrkdwn to n characters without splitting an entity.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	out := string(r)
	if i := strings.LastIndexByte(out, '&'); i >= 0 && !strings.Contains(out[i:], ";") {
		out = out[:i]
	}
	return out + "…"
}

// Send posts payload, retrying 429 (after Retry-After, up to MaxWait) and
// 5xx or network errors (exponential backoff with jitter) up to MaxAttempts
// requests. Other 4xx end at once. Errors read "slack webhook: …" and never
// contain the URL.
func (s *Slack) Send(ctx context.Context, payload []byte) error {
	if s.WebhookURL == "" {
		return errors.New("slack webhook: no URL configured")
	}
	attempts := s.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	maxWait := s.MaxWait
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	sleep := s.Sleep
	if sleep == nil {
		sleep = clock.Sleep
	}
	var last error
	for i := 0; i < attempts; i++ {
		status, retryAfter, body, err := s.post(ctx, payload)
		var wait time.Duration
		switch {
		case err != nil:
			last = err
			if ctx.Err() != nil {
				return last
			}
			wait = s.backoff(maxWait).Delay(i)
		case status >= 200 && status < 300:
			return nil
		case status == http.StatusTooManyRequests:
			last = fmt.Errorf("slack webhook: rate limited (HTTP 429)")
			if retryAfter > maxWait {
				return fmt.Errorf("slack webhook: rate limited (HTTP 429), Retry-After %s exceeds the %s budget; not retrying", retryAfter, maxWait)
			}
			wait = retryAfter
			if wait <= 0 {
				wait = s.backoff(maxWait).Delay(i)
			}
		case status >= 500:
			last = fmt.Errorf("slack webhook: HTTP %d%s", status, body)
			wait = s.backoff(maxWait).Delay(i)
		default:
			return fmt.Errorf("slack webhook: HTTP %d%s (not retried)", status, body)
		}
		if i == attempts-1 {
			break
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("%w; gave up: %s", last, sidechannel.Describe(err, 0))
		}
	}
	return fmt.Errorf("%w; gave up after %d attempts", last, attempts)
}

// backoff is the wait between attempts, each step capped by max.
func (s *Slack) backoff(max time.Duration) sidechannel.Backoff {
	return sidechannel.Backoff{Base: baseBackoff, Max: max, Rand: s.Rand}
}

// slackCode reports whether a response body is a Slack error code
// (invalid_payload), the only part of a body an error may quote.
func slackCode(s string) bool {
	return len(s) <= 64 && slackCodeRE.MatchString(s)
}

// slackCodeRE with no bounded repeat: {1,64} costs every start a quarter of
// a millisecond to compile.
var slackCodeRE = regexp.MustCompile(`^[a-z_]+$`)

// post makes one request. body is ": <slack error code>" when Slack sent
// one.
func (s *Slack) post(ctx context.Context, payload []byte) (status int, retryAfter time.Duration, body string, err error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.WebhookURL, bytes.NewReader(payload))
	if err != nil {
		return 0, 0, "", errors.New("slack webhook: invalid webhook URL")
	}
	req.Header.Set("Content-Type", "application/json")
	hc := s.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	// Never follow a redirect: the payload goes to the webhook only.
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, "", errors.New("slack webhook: " + sidechannel.Describe(err, timeout))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if code := strings.TrimSpace(string(b)); slackCode(code) && code != "ok" {
		body = ": " + code
	}
	retryAfter, _ = sidechannel.RetryAfter(resp.Header, time.Now())
	return resp.StatusCode, retryAfter, body, nil
}
