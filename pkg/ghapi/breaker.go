package ghapi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/safetext"
)

// Breaker is the circuit-breaker configuration.
//
// It counts the deployment outcomes of this job (GITHUB_JOB) to this org
// only, as recorded by deploy-guard itself: every run prints one
// OutcomeLine in its job's log, and the breaker reads the logs of the
// recent runs' jobs (the jobs and logs endpoints need `actions: read`).
// Blocked, cancelled, skipped and check-only runs, and runs that sent
// nothing to the org, record no deployment outcome and never count, so the
// breaker cannot keep itself open. A line counts only when deploy-guard
// itself printed it for this job (see want.admits): in a run of a
// deploying event, in the log of the job the API names like this one, and
// carrying the MAC of Key, or without a key inside the step that ran
// deploy-guard.
type Breaker struct {
	// Threshold is how many consecutive failed deployments (the newest
	// first, within the last Window deployments) open the breaker. Either
	// at 0 disables it.
	Threshold, Window int
	// Override lets a person deploy although the breaker is open.
	Override bool
	// Cooldown is how long after the newest failed deployment one
	// deployment is let through (half-open): its success closes the
	// breaker, its failure starts another cool-down. 0 keeps it open.
	Cooldown time.Duration
	// Job (GITHUB_JOB) and Org (config.Auth.OrgKey) say whose outcomes count.
	Job, Org string
	// Key is the outcome-key input: the secret the outcome lines' MAC is
	// keyed with. Empty: lines are checked against the steps list only.
	Key string
	// Runner is RUNNER_NAME, which tells this job apart in its run's jobs.
	Runner string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// BreakerResult is what the breaker found.
type BreakerResult struct {
	// Consulted is false when the breaker is disabled or the history could
	// not be read (fail open).
	Consulted bool
	// Open means the deployment must stop (status=blocked).
	Open bool
	// HalfOpen means the breaker was open but its cool-down has passed:
	// this deployment is let through as the trial.
	HalfOpen bool
	// Disabled is true when Threshold or Window is 0.
	Disabled bool
	// Overridden is true when Override or a re-run attempt let the run pass.
	Overridden bool
	// Threshold and the number of deployments asked for, for reports.
	Threshold, Size int
	// Outcomes are the counted deployments (newest first); Failures the
	// runs of the consecutive failed ones.
	Outcomes []Outcome
	Failures []Run
	// Reason says why the breaker is open or closed, or why it was not
	// consulted.
	Reason string
	// Warning is set when the breaker failed open; it is given once per
	// Client. Print it as a warning annotation.
	Warning string
}

// runsPerOutcome bounds how many runs the breaker reads per deployment it
// wants to count (runs of other jobs, orgs or modes record none).
const runsPerOutcome = 3

// CheckBreaker reads the recent deployment outcomes and decides whether to
// block. It never returns an error: any API fault fails open with a Warning
// that names the fix.
func (c *Client) CheckBreaker(ctx context.Context, b Breaker) BreakerResult {
	if b.Threshold <= 0 || b.Window <= 0 {
		return Decide(b, nil, c.env.RunAttempt, time.Time{})
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	failOpen := func(fix string) BreakerResult {
		res := BreakerResult{Threshold: b.Threshold, Size: b.Window}
		res.Reason = "circuit breaker not consulted: " + fix
		res.Warning = c.warnOnce("circuit breaker not consulted: " + fix + " — proceeding")
		return res
	}
	runs, err := c.RecentRuns(ctx, min(b.Window*runsPerOutcome, 100))
	if err != nil {
		return failOpen(Fix(err, "actions: read"))
	}
	mine, err := c.jobsOf(ctx, c.env.RunID)
	if err != nil {
		return failOpen(Fix(err, "actions: read"))
	}
	self, err := findSelf(mine, b.Runner, b.Job)
	if err != nil {
		return failOpen(err.Error() + "; give the job a unique name")
	}
	if b.Key == "" && self.StepName == "" {
		return failOpen("the step running deploy-guard is not in this job's steps list; set outcome-key")
	}
	w := want{Job: b.Job, Org: b.Org, Self: self, Key: b.Key}
	var outcomes []Outcome
	for _, r := range runs {
		if len(outcomes) >= b.Window {
			break
		}
		if !DeployingEvent(r.Event) {
			continue
		}
		o, ok, err := c.outcomeOf(ctx, r, w)
		if err != nil {
			return failOpen(Fix(err, "actions: read"))
		}
		if ok && o.Deployed() {
			outcomes = append(outcomes, o)
		}
	}
	return Decide(b, outcomes, c.env.RunAttempt, now())
}

// Decide is the breaker's decision over the counted deployments (newest
// first), for run attempt attempt at time now. It reads nothing.
func Decide(b Breaker, outcomes []Outcome, attempt int, now time.Time) BreakerResult {
	res := BreakerResult{Threshold: b.Threshold, Size: b.Window}
	if b.Threshold <= 0 || b.Window <= 0 {
		res.Disabled = true
		res.Reason = "circuit breaker disabled (circuit-breaker-threshold or circuit-breaker-window is 0)"
		return res
	}
	res.Consulted = true
	res.Outcomes = outcomes
	for _, o := range res.Outcomes {
		if !o.Failed() {
			break
		}
		res.Failures = append(res.Failures, o.Run)
	}
	streak := len(res.Failures)
	count := fmt.Sprintf("%d consecutive failed deployments of this job to this org", streak)
	if len(res.Outcomes) == 0 {
		count = "no recorded deployments of this job to this org yet"
	}
	open := streak >= b.Threshold
	switch {
	case open && b.Override:
		res.Overridden = true
		res.Reason = "override: circuit-breaker-override is true (" + count + ")"
	case open && attempt > 1:
		res.Overridden = true
		res.Reason = fmt.Sprintf("override: re-run attempt %d (%s)", attempt, count)
	case open && b.Cooldown > 0 && now.Sub(res.Outcomes[0].Finished) >= b.Cooldown:
		res.HalfOpen = true
		res.Reason = fmt.Sprintf("half-open: %s, but the cool-down of %s has passed since the last one, so this deployment is let through; a success closes the breaker, a failure re-opens it", count, shortDuration(b.Cooldown))
	case open:
		res.Open = true
		res.Reason = fmt.Sprintf("%s (threshold %d)", count, b.Threshold)
		if b.Cooldown > 0 {
			res.Reason += fmt.Sprintf("; one deployment is let through from %s UTC, %s after the last failure", res.Outcomes[0].Finished.Add(b.Cooldown).UTC().Format(time.DateTime), shortDuration(b.Cooldown))
		}
	default:
		res.Reason = fmt.Sprintf("%s (threshold %d)", count, b.Threshold)
	}
	return res
}

// shortDuration writes 1h rather than 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Annotation is the one-line message for the error annotation of an open
// breaker.
func (r BreakerResult) Annotation() string {
	return "Circuit breaker open: " + r.Reason + ". Deployment blocked; wait for the cool-down, re-run the job, or set circuit-breaker-override: true to deploy deliberately."
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
	case r.HalfOpen:
		fmt.Fprintf(&b, "🟡 **Half-open**: %s.\n", safetext.Inline(strings.TrimPrefix(r.Reason, "half-open: ")))
	default:
		fmt.Fprintf(&b, "✅ **Closed**: %s.\n", safetext.Inline(r.Reason))
	}
	if len(r.Failures) > 0 {
		b.WriteString("\nFailed deployments:\n\n")
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
