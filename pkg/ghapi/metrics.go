package ghapi

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/safetext"
	"github.com/org/deploy-guard/pkg/telemetry"
)

// Metrics are DORA-style figures from the workflow's own history.
type Metrics struct {
	// Runs is the number of usable runs (deduplicated, cancelled and
	// skipped excluded); Deployments those that succeeded or failed,
	// Successes and Failures their split.
	Runs, Deployments, Successes, Failures int
	// ChangeFailureRate is Failures/Deployments, 0..1.
	ChangeFailureRate float64
	// MeanTimeToRestore is the mean, over failure streaks followed by a
	// success, of the time from the first failure to that success.
	MeanTimeToRestore time.Duration
	HasMTTR           bool
	Incidents         int
	// DeploymentsPerDay is Deployments over the span Since..Until (at least
	// one day).
	DeploymentsPerDay float64
	// Trend compares the change failure rate of the newer half of the runs
	// with the older half: "improving", "worsening", "steady", or "" when
	// there are fewer than 4 deployments.
	Trend string
	// TopCategories are the most frequent failure categories, when runs
	// carry them (Run.Category), most frequent first, at most 3.
	TopCategories []CategoryCount
	Since, Until  time.Time
}

// CategoryCount is a failure category and how often it occurred.
type CategoryCount struct {
	Category string
	Count    int
}

// latestAttempts keeps one Run per run id, its highest attempt, in the
// order the ids were first seen. A re-run workflow run is listed once per
// attempt; only its latest outcome counts.
func latestAttempts(runs []Run) []Run {
	byID := map[int64]int{}
	var out []Run
	for _, r := range runs {
		if i, ok := byID[r.ID]; ok {
			if r.Attempt > out[i].Attempt {
				out[i] = r
			}
			continue
		}
		byID[r.ID] = len(out)
		out = append(out, r)
	}
	return out
}

// ComputeMetrics computes the metrics of runs (newest first; any order is
// accepted). A run id seen several times counts once, at its highest
// attempt; cancelled and skipped runs are excluded.
func ComputeMetrics(runs []Run) Metrics {
	rs := latestAttempts(runs)
	// Exclude after deduplication: a cancelled latest attempt hides the
	// earlier attempts of the same run.
	kept := rs[:0]
	for _, r := range rs {
		if !r.ignored() {
			kept = append(kept, r)
		}
	}
	rs = kept
	// Oldest first for the streak walk.
	sort.SliceStable(rs, func(i, j int) bool { return when(rs[i]).Before(when(rs[j])) })

	var m Metrics
	m.Runs = len(rs)
	var deploys []Run
	cats := map[string]int{}
	for _, r := range rs {
		switch {
		case r.Failed():
			m.Failures++
			if r.Category != "" && r.Category != "none" {
				cats[r.Category]++
			}
		case r.Succeeded():
			m.Successes++
		default:
			continue
		}
		deploys = append(deploys, r)
	}
	m.Deployments = len(deploys)
	if m.Deployments == 0 {
		return m
	}
	m.Since, m.Until = when(deploys[0]), when(deploys[len(deploys)-1])
	m.ChangeFailureRate = float64(m.Failures) / float64(m.Deployments)
	span := m.Until.Sub(m.Since)
	if span < 24*time.Hour {
		span = 24 * time.Hour
	}
	m.DeploymentsPerDay = float64(m.Deployments) / span.Hours() * 24

	var total time.Duration
	var streak time.Time
	inStreak := false
	for _, r := range deploys {
		if r.Failed() {
			if !inStreak {
				inStreak, streak = true, when(r)
			}
			continue
		}
		if inStreak {
			total += when(r).Sub(streak)
			m.Incidents++
			inStreak = false
		}
	}
	if m.Incidents > 0 {
		m.HasMTTR = true
		m.MeanTimeToRestore = total / time.Duration(m.Incidents)
	}

	if len(deploys) >= 4 {
		half := len(deploys) / 2
		older, newer := rate(deploys[:half]), rate(deploys[len(deploys)-half:])
		switch {
		case newer < older-0.1:
			m.Trend = "improving"
		case newer > older+0.1:
			m.Trend = "worsening"
		default:
			m.Trend = "steady"
		}
	}

	for c, n := range cats {
		m.TopCategories = append(m.TopCategories, CategoryCount{c, n})
	}
	sort.Slice(m.TopCategories, func(i, j int) bool {
		a, b := m.TopCategories[i], m.TopCategories[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Category < b.Category
	})
	if len(m.TopCategories) > 3 {
		m.TopCategories = m.TopCategories[:3]
	}
	return m
}

func rate(rs []Run) float64 {
	f := 0
	for _, r := range rs {
		if r.Failed() {
			f++
		}
	}
	return float64(f) / float64(len(rs))
}

// when is the run's completion time.
func when(r Run) time.Time {
	if !r.Updated.IsZero() {
		return r.Updated
	}
	return r.Created
}

// Apply fills the history fields of telemetry figures; they stay nil when
// there were no deployments (or no incident, for the MTTR).
func (m Metrics) Apply(f *telemetry.Figures) {
	if m.Deployments == 0 {
		return
	}
	cfr, dpd := m.ChangeFailureRate, m.DeploymentsPerDay
	f.ChangeFailureRate, f.DeploymentsPerDay = &cfr, &dpd
	if m.HasMTTR {
		mttr := m.MeanTimeToRestore
		f.MeanTimeToRestore = &mttr
	}
}

// HistoryMetrics reads up to n recent runs (sharing RecentRuns' cache with
// the breaker) and computes their metrics. It fails open: ok is false when
// the history could not be read, and warning is set the first time this
// client fails open (empty when the breaker already warned).
func (c *Client) HistoryMetrics(ctx context.Context, n int) (m Metrics, warning string, ok bool) {
	runs, err := c.RecentRuns(ctx, n)
	if err != nil {
		return Metrics{}, c.warnOnce("deployment metrics not computed: " + Fix(err, "actions: read")), false
	}
	return ComputeMetrics(runs), "", true
}

// MetricsMarkdown renders the body of the metrics' step-summary section;
// the summary gives it its heading.
func MetricsMarkdown(m Metrics) string {
	var b strings.Builder
	if m.Deployments == 0 {
		if m.Runs == 0 {
			b.WriteString("No completed runs of this workflow on this branch yet.\n")
		} else {
			fmt.Fprintf(&b, "%d completed runs, none of them a deployment that succeeded or failed.\n", m.Runs)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "Over the last %d deployments (%s to %s UTC):\n\n", m.Deployments,
		m.Since.UTC().Format(time.DateOnly), m.Until.UTC().Format(time.DateOnly))
	b.WriteString("| Metric | Value |\n|---|---|\n")
	fmt.Fprintf(&b, "| Deployment frequency | %.2f per day |\n", m.DeploymentsPerDay)
	fmt.Fprintf(&b, "| Change failure rate | %.0f%% (%d of %d) |\n", 100*m.ChangeFailureRate, m.Failures, m.Deployments)
	if m.HasMTTR {
		fmt.Fprintf(&b, "| Mean time to restore | %s (%d incidents) |\n", humanDuration(m.MeanTimeToRestore), m.Incidents)
	} else if m.Failures > 0 {
		b.WriteString("| Mean time to restore | not restored yet |\n")
	} else {
		b.WriteString("| Mean time to restore | no incidents |\n")
	}
	if m.Trend != "" {
		fmt.Fprintf(&b, "| Trend | %s |\n", m.Trend)
	}
	if len(m.TopCategories) > 0 {
		var parts []string
		for _, c := range m.TopCategories {
			parts = append(parts, fmt.Sprintf("%s (%d)", safetext.Inline(c.Category), c.Count))
		}
		fmt.Fprintf(&b, "| Top failure categories | %s |\n", strings.Join(parts, ", "))
	}
	return b.String()
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	case d >= time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	case d >= time.Minute:
		return fmt.Sprintf("%d min", int(d.Minutes()+0.5))
	}
	return d.Round(time.Second).String()
}
