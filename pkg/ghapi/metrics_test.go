package ghapi

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/telemetry"
)

// hist builds runs newest first from conclusions given oldest first, one
// hour apart, each finishing 10 minutes after it starts.
func hist(conclusions ...string) []Run {
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var rs []Run
	for i, c := range conclusions {
		created := t0.Add(time.Duration(i) * time.Hour)
		rs = append([]Run{{ID: int64(i + 1), Attempt: 1, Conclusion: c, Status: "completed", Created: created, Updated: created.Add(10 * time.Minute)}}, rs...)
	}
	return rs
}

func TestComputeMetrics(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	rerun := []Run{
		// Run 2 has two attempts: the first failed, the re-run succeeded.
		{ID: 2, Attempt: 2, Conclusion: "success", Created: t0.Add(time.Hour), Updated: t0.Add(3 * time.Hour)},
		{ID: 2, Attempt: 1, Conclusion: "failure", Created: t0.Add(time.Hour), Updated: t0.Add(90 * time.Minute)},
		{ID: 1, Attempt: 1, Conclusion: "success", Created: t0, Updated: t0.Add(10 * time.Minute)},
	}
	withCats := hist("failure", "success", "failure", "failure", "success")
	withCats[0].Category = "" // success
	withCats[1].Category = "test"
	withCats[2].Category = "test"
	withCats[4].Category = "metadata"

	tests := []struct {
		name                     string
		runs                     []Run
		runsN, deploys, failures int
		cfr                      float64
		hasMTTR                  bool
		mttr                     time.Duration
		trend                    string
		topCat                   string
	}{
		{name: "no history", runs: nil},
		{name: "all failures", runs: hist("failure", "failure", "timed_out", "failure"), runsN: 4, deploys: 4, failures: 4, cfr: 1, trend: "steady"},
		{name: "rerun of the same run counts once, latest attempt", runs: rerun, runsN: 2, deploys: 2, failures: 0, cfr: 0},
		{name: "cancelled and skipped excluded", runs: hist("success", "cancelled", "failure", "skipped", "success"), runsN: 3, deploys: 3, failures: 1, cfr: 1.0 / 3, hasMTTR: true, mttr: 2 * time.Hour},
		// Failure streak starts at run 2 (01:10), restored by run 4 (03:10).
		{name: "one incident exact MTTR", runs: hist("success", "failure", "failure", "success"), runsN: 4, deploys: 4, failures: 2, cfr: 0.5, hasMTTR: true, mttr: 2 * time.Hour, trend: "steady"},
		{name: "improving", runs: hist("failure", "failure", "failure", "success", "success", "success"), runsN: 6, deploys: 6, failures: 3, cfr: 0.5, hasMTTR: true, mttr: 3 * time.Hour, trend: "improving"},
		{name: "worsening", runs: hist("success", "success", "success", "failure", "failure", "failure"), runsN: 6, deploys: 6, failures: 3, cfr: 0.5, trend: "worsening"},
		{name: "categories", runs: withCats, runsN: 5, deploys: 5, failures: 3, cfr: 0.6, hasMTTR: true, mttr: 90 * time.Minute, trend: "steady", topCat: "test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := ComputeMetrics(tt.runs)
			if m.Runs != tt.runsN || m.Deployments != tt.deploys || m.Failures != tt.failures {
				t.Fatalf("runs/deploys/failures = %d/%d/%d, want %d/%d/%d", m.Runs, m.Deployments, m.Failures, tt.runsN, tt.deploys, tt.failures)
			}
			if math.Abs(m.ChangeFailureRate-tt.cfr) > 1e-9 {
				t.Errorf("CFR = %v, want %v", m.ChangeFailureRate, tt.cfr)
			}
			if m.HasMTTR != tt.hasMTTR || m.MeanTimeToRestore != tt.mttr {
				t.Errorf("MTTR = %v/%v, want %v/%v", m.HasMTTR, m.MeanTimeToRestore, tt.hasMTTR, tt.mttr)
			}
			if m.Trend != tt.trend {
				t.Errorf("trend = %q, want %q", m.Trend, tt.trend)
			}
			if tt.topCat != "" && (len(m.TopCategories) == 0 || m.TopCategories[0].Category != tt.topCat || m.TopCategories[0].Count != 2) {
				t.Errorf("top categories = %v", m.TopCategories)
			}
			md := MetricsMarkdown(m)
			if md == "" || strings.HasPrefix(md, "#") {
				t.Errorf("markdown = %q: want a body without its own heading (the summary adds it)", md)
			}
			var f telemetry.Figures
			m.Apply(&f)
			if (f.ChangeFailureRate != nil) != (tt.deploys > 0) || (f.MeanTimeToRestore != nil) != tt.hasMTTR {
				t.Errorf("figures = %+v", f)
			}
		})
	}
}

func TestMetricsFrequency(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var rs []Run
	for i := 0; i < 10; i++ { // 10 deployments over 4.5 days
		at := t0.Add(time.Duration(i) * 12 * time.Hour)
		rs = append([]Run{{ID: int64(i + 1), Conclusion: "success", Created: at, Updated: at}}, rs...)
	}
	m := ComputeMetrics(rs)
	if want := 10 / 4.5; math.Abs(m.DeploymentsPerDay-want) > 1e-9 {
		t.Errorf("per day = %v, want %v", m.DeploymentsPerDay, want)
	}
	if md := MetricsMarkdown(m); !strings.Contains(md, "2.22 per day") || !strings.Contains(md, "no incidents") {
		t.Errorf("markdown:\n%s", md)
	}
	if md := MetricsMarkdown(ComputeMetrics(nil)); !strings.Contains(md, "No completed runs") {
		t.Errorf("empty markdown: %s", md)
	}
}
