package ghapi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/safetext"
)

// Breaker is the circuit-breaker configuration.
type Breaker struct {
	// Threshold is how many failed runs in the window open the breaker;
	// Window how many recent runs are looked at. Either at 0 disables it.
	Threshold, Window int
	// Override lets a person deploy although the breaker is open.
	Override bool
}

// BreakerResult is what the breaker found.
type BreakerResult struct {
	// Consulted is false when the breaker is disabled or the history could
	// not be read (fail open).
	Consulted bool
	// Open means the deployment must stop (status=blocked).
	Open bool
	// Disabled is true when Threshold or Window is 0.
	Disabled bool
	// Overridden is true when Override or a re-run attempt let the run pass.
	Overridden bool
	// Threshold and the number of runs asked for, for reports.
	Threshold, Size int
	// Failures are the failed runs in Window, newest first.
	Failures []Run
	// Window is the runs looked at, newest first.
	Window []Run
	// Reason says why the breaker is open or closed, or why it was not
	// consulted.
	Reason string
	// Warning is set when the breaker failed open; it is given once per
	// Client. Print it as a warning annotation.
	Warning string
}

// CheckBreaker reads the recent history and decides whether to block. It
// never returns an error: any API fault fails open with a Warning that names
// the fix.
func (c *Client) CheckBreaker(ctx context.Context, b Breaker) BreakerResult {
	res := BreakerResult{Threshold: b.Threshold, Size: b.Window}
	if b.Threshold <= 0 || b.Window <= 0 {
		res.Disabled = true
		res.Reason = "circuit breaker disabled (circuit-breaker-threshold or circuit-breaker-window is 0)"
		return res
	}
	runs, err := c.RecentRuns(ctx, b.Window)
	if err != nil {
		fix := Fix(err, "actions: read")
		res.Reason = "circuit breaker not consulted: " + fix
		res.Warning = c.warnOnce("circuit breaker not consulted: " + fix + " — proceeding")
		return res
	}
	res.Consulted = true
	res.Window = runs
	for _, r := range runs {
		if r.Failed() {
			res.Failures = append(res.Failures, r)
		}
	}
	count := fmt.Sprintf("%d of the last %d runs failed", len(res.Failures), len(runs))
	if len(runs) == 0 {
		count = "no completed runs of this workflow on this branch yet"
	}
	open := len(res.Failures) >= b.Threshold
	switch {
	case open && b.Override:
		res.Overridden = true
		res.Reason = "override: circuit-breaker-override is true (" + count + ")"
	case open && c.env.RunAttempt > 1:
		res.Overridden = true
		res.Reason = fmt.Sprintf("override: re-run attempt %d (%s)", c.env.RunAttempt, count)
	case open:
		res.Open = true
		res.Reason = fmt.Sprintf("%s (threshold %d)", count, b.Threshold)
	default:
		res.Reason = fmt.Sprintf("%s (threshold %d)", count, b.Threshold)
	}
	return res
}

// Annotation is the one-line message for the error annotation of an open
// breaker.
func (r BreakerResult) Annotation() string {
	return "Circuit breaker open: " + r.Reason + ". Deployment blocked; re-run the job or set circuit-breaker-override: true to deploy deliberately."
}

// BreakerMarkdown renders the body of the breaker's step-summary section;
// the summary gives it its heading.
func BreakerMarkdown(r BreakerResult) string {
	var b strings.Builder
	switch {
	case r.Disabled:
		b.WriteString("Disabled.\n")
		return b.String()
	case !r.Consulted:
		fmt.Fprintf(&b, "⚠️ **Not consulted**: %s. The deployment proceeded without it (fail open).\n", safetext.Inline(strings.TrimPrefix(r.Reason, "circuit breaker not consulted: ")))
		return b.String()
	case r.Open:
		fmt.Fprintf(&b, "🛑 **Open**: %s. The deployment was blocked.\n\n", safetext.Inline(r.Reason))
		b.WriteString("To deploy deliberately, re-run the job (a re-run attempt is allowed through) or set `circuit-breaker-override: true`.\n")
	case r.Overridden:
		fmt.Fprintf(&b, "⚠️ **Overridden**: %s.\n", safetext.Inline(r.Reason))
	default:
		fmt.Fprintf(&b, "✅ **Closed**: %s.\n", safetext.Inline(r.Reason))
	}
	if len(r.Failures) > 0 {
		b.WriteString("\nFailed runs:\n\n")
		for _, f := range r.Failures {
			b.WriteString("- " + runLink(f) + "\n")
		}
	}
	return b.String()
}

func runLink(r Run) string {
	title := safetext.Inline(r.Title)
	if title == "" {
		title = fmt.Sprintf("run %d", r.ID)
	}
	label := fmt.Sprintf("#%d", r.ID)
	if r.URL != "" {
		label = "[" + label + "](" + r.URL + ")"
	}
	when := ""
	if !r.Updated.IsZero() {
		when = ", " + r.Updated.UTC().Format(time.DateTime) + " UTC"
	}
	att := ""
	if r.Attempt > 1 {
		att = fmt.Sprintf(" (attempt %d)", r.Attempt)
	}
	return fmt.Sprintf("%s %s: %s%s%s", label, title, r.Conclusion, att, when)
}
