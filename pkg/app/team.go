package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/ghapi"
	"github.com/org/deploy-guard/pkg/notify"
	"github.com/org/deploy-guard/pkg/report"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/telemetry"
)

// prCommentBytes keeps the pull request comment short: the banner, the
// timeline and the first failures; the full report is in the job summary.
const prCommentBytes = 20000

// historyRuns is how many completed runs the metrics look at.
const historyRuns = 30

// notifyTimeout bounds all notifications together: they are a side channel
// and must never hold a finished deployment hostage.
const notifyTimeout = 45 * time.Second

// github returns the GitHub API client, or nil without a token.
func (a *action) github() *ghapi.Client {
	if a.gh == nil && a.cfg != nil && a.cfg.GitHubToken != "" {
		a.gh = ghapi.New(a.cfg.GitHubToken, a.ghEnv, a.deps.HTTP)
		a.gh.Redactor = a.red
		a.gh.Sleep = a.deps.Sleep
	}
	return a.gh
}

// checkBreaker stops the run when this workflow failed too often recently.
// It fails open: trouble with the GitHub API warns once and proceeds.
func (a *action) checkBreaker(ctx context.Context) int {
	cfg := a.cfg
	if cfg.BreakerThreshold == 0 || cfg.BreakerWindow == 0 {
		return ExitOK
	}
	start := a.deps.Now()
	gh := a.github()
	if gh == nil {
		a.sections = append(a.sections, report.Section{Title: "Circuit breaker", Body: "Not consulted: no `github-token` was given (it needs `actions: read`)."})
		a.step("breaker", "skipped", "no github-token", start)
		return ExitOK
	}
	res := gh.CheckBreaker(ctx, ghapi.Breaker{Threshold: cfg.BreakerThreshold, Window: cfg.BreakerWindow, Override: cfg.BreakerOverride})
	a.sections = append(a.sections, report.Section{Title: "Circuit breaker", Body: ghapi.BreakerMarkdown(res)})
	if res.Warning != "" {
		a.log.Annotate(actions.Annotation{Level: actions.LevelWarning, Title: "deploy-guard circuit breaker not consulted", Message: res.Warning})
	}
	if res.Open {
		a.extraAnnotations = append(a.extraAnnotations, actions.Annotation{Level: actions.LevelError, Title: "deploy-guard: circuit breaker open", Message: res.Annotation()})
	}
	outcome := "closed"
	switch {
	case !res.Consulted:
		outcome = "not consulted"
	case res.Open:
		outcome = "open"
	}
	a.step("breaker", outcome, res.Reason, start)
	if !res.Open {
		return ExitOK
	}
	a.stoppedEarly = true
	a.run.Status, a.run.Category = result.StatusBlocked, result.CategoryNone
	a.run.Message = fmt.Sprintf("Circuit breaker open: %s. Nothing was deployed; fix the cause, then re-run this job (a re-run attempt proceeds) or set circuit-breaker-override: true.", res.Reason)
	a.run.Error = &result.Diagnosis{Category: result.CategoryNone,
		Explanation: "Recent runs of this workflow on this branch failed too often; deploying again would likely fail the same way.",
		Fix:         "Look at the failed runs listed in the summary, fix the cause, then re-run the job or set circuit-breaker-override: true."}
	return ExitFailed
}

// history computes deployment metrics from the workflow's recent runs
// (sharing the breaker's read of them) for the summary and the outputs.
func (a *action) history(ctx context.Context) {
	gh := a.github()
	if gh == nil {
		return
	}
	start := a.deps.Now()
	m, warning, ok := gh.HistoryMetrics(ctx, historyRuns)
	if !ok {
		a.step("metrics", "not available", warning, start)
		return
	}
	a.metrics = &m
	a.step("metrics", "computed", fmt.Sprintf("%d runs", m.Runs), start)
	a.sections = append(a.sections, report.Section{Title: "Deployment metrics", Body: ghapi.MetricsMarkdown(m)})
}

// metricOutputs sets change-failure-rate and mean-time-to-restore.
func (a *action) metricOutputs(set func(name, value string)) {
	cfr, mttr := "", ""
	if m := a.metrics; m != nil && m.Runs > 0 {
		cfr = strconv.FormatFloat(m.ChangeFailureRate, 'f', 3, 64)
		if m.HasMTTR {
			mttr = strconv.FormatInt(int64(m.MeanTimeToRestore.Round(time.Second)/time.Second), 10)
		}
	}
	set("change-failure-rate", cfr)
	set("mean-time-to-restore", mttr)
}

// pushTelemetry sends this run's figures to the OTLP collector.
func (a *action) pushTelemetry(ctx context.Context) {
	if a.cfg == nil || a.cfg.OTLPEndpoint == "" {
		return
	}
	start := a.deps.Now()
	r := a.run
	f := telemetry.Figures{Status: string(r.Status), Category: string(r.Category), Attempts: r.DeploymentAttempts(), Duration: r.Finished.Sub(r.Started)}
	if m := a.metrics; m != nil {
		m.Apply(&f)
	}
	g := a.deps.Getenv
	attrs := map[string]string{"repository": g("GITHUB_REPOSITORY"), "workflow": g("GITHUB_WORKFLOW"), "branch": g("GITHUB_REF_NAME")}
	a.red.Walk(attrs)
	if err := telemetry.Push(ctx, a.cfg.OTLPEndpoint, f, attrs, a.deps.HTTP, 0); err != nil {
		a.step("notify.otlp", "failed", err.Error(), start)
		a.log.Annotate(actions.Annotation{Level: actions.LevelWarning, Title: "deploy-guard could not push metrics", Message: a.red.String(err.Error())})
		return
	}
	a.step("notify.otlp", "sent", a.cfg.OTLPEndpoint, start)
}

// alerted reports whether alert-on names this failure's category or one of
// its catalog patterns.
func (a *action) alerted() bool {
	if a.cfg == nil || len(a.cfg.AlertOn) == 0 || a.run.Status.OK() {
		return false
	}
	want := map[string]bool{}
	for _, s := range a.cfg.AlertOn {
		want[strings.ToLower(s)] = true
	}
	if want[string(a.run.Category)] {
		return true
	}
	for _, id := range patternIDs(a.run) {
		if want[strings.ToLower(id)] {
			return true
		}
	}
	return false
}

func patternIDs(r *result.Run) []string {
	var ids []string
	if r.Error != nil && r.Error.PatternID != "" {
		ids = append(ids, r.Error.PatternID)
	}
	if d := r.Deploy; d != nil {
		for _, f := range d.ComponentFailures {
			ids = append(ids, f.PatternID)
		}
		for _, t := range d.TestFailures {
			ids = append(ids, t.PatternID)
		}
		for _, w := range d.CoverageWarnings {
			ids = append(ids, w.PatternID)
		}
	}
	return ids
}

// notify sends the post-mortem issue, the Slack message and the pull
// request comment. None of them can fail the deployment.
func (a *action) notify(ctx context.Context) {
	cfg, r := a.cfg, a.run
	if cfg == nil || r.Status == result.StatusCanceled {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	failed := r.Status == result.StatusFailed || r.Status == result.StatusBlocked
	alert := a.alerted()
	if gh := a.github(); gh != nil {
		if failed && (cfg.PostMortem || alert) {
			start := a.deps.Now()
			pm := ghapi.PostMortemFor(r, a.ghEnv, a.red)
			pm.Labels = cfg.PostMortemLabels
			url, created, err := gh.FilePostMortem(ctx, pm)
			if err != nil {
				a.step("notify.post-mortem", "failed", err.Error(), start)
				a.log.Annotate(actions.Annotation{Level: actions.LevelWarning, Title: "deploy-guard could not file the post-mortem", Message: a.red.String(err.Error())})
			} else {
				a.paths["post-mortem-url"] = url
				a.step("notify.post-mortem", map[bool]string{true: "created", false: "commented"}[created], url, start)
			}
		}
		if cfg.PRComment && a.ghEnv.PRNumber > 0 {
			start := a.deps.Now()
			o := a.reportOptions()
			o.MaxBytes = prCommentBytes
			body := report.Summary(r, o)
			if url, err := gh.UpsertPRComment(ctx, a.red.String(body)); err != nil {
				a.step("notify.pr-comment", "failed", err.Error(), start)
				a.log.Annotate(actions.Annotation{Level: actions.LevelWarning, Title: "deploy-guard could not comment on the pull request", Message: a.red.String(err.Error())})
			} else {
				a.step("notify.pr-comment", "sent", url, start)
			}
		}
	} else if cfg.PostMortem || cfg.PRComment {
		a.log.Infof("post-mortem and pr-comment need github-token; skipped.")
	}
	if cfg.SlackWebhookURL != "" && (notify.ShouldNotify(r.Status, cfg.SlackOnRecovery) || alert) {
		start := a.deps.Now()
		msg := notify.MessageFor(r, a.ghEnv, a.paths["post-mortem-url"])
		payload, err := notify.BlockKit(msg, a.red)
		if err == nil {
			s := &notify.Slack{WebhookURL: cfg.SlackWebhookURL, HTTP: a.deps.HTTP, Sleep: a.deps.Sleep}
			err = s.Send(ctx, payload)
		}
		if err != nil {
			a.step("notify.slack", "failed", err.Error(), start)
			a.log.Annotate(actions.Annotation{Level: actions.LevelWarning, Title: "deploy-guard could not post to Slack", Message: a.red.String(err.Error())})
		} else {
			a.step("notify.slack", "sent", "", start)
		}
	}
}
