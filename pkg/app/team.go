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

// checkBreaker stops the run when this job's recent deployments to this
// org failed too often (see ghapi.Breaker). It fails open: trouble with the
// GitHub API warns once and proceeds. Check-only runs deploy nothing, so it
// leaves them alone unless circuit-breaker-threshold is set.
func (a *action) checkBreaker(ctx context.Context) (o outcome) {
	cfg := a.cfg
	if cfg.BreakerThreshold == 0 || cfg.BreakerWindow == 0 {
		return o
	}
	if cfg.Mode.CheckOnly() && !cfg.BreakerAsked {
		a.step("breaker", "skipped", "check-only mode", a.deps.Now())
		return o
	}
	start := a.deps.Now()
	gh := a.github()
	if gh == nil {
		o.section("Circuit breaker", "Not consulted: no `github-token` was given (it needs `actions: read`).")
		a.step("breaker", "skipped", "no github-token", start)
		return o
	}
	res := gh.CheckBreaker(ctx, ghapi.Breaker{Threshold: cfg.BreakerThreshold, Window: cfg.BreakerWindow, Override: cfg.BreakerOverride,
		Cooldown: cfg.BreakerCooldown, Job: a.deps.Getenv("GITHUB_JOB"), Org: cfg.Auth.OrgKey(), Key: cfg.OutcomeKey,
		Runner: a.deps.Getenv("RUNNER_NAME"), Now: a.deps.Now})
	o.section("Circuit breaker", ghapi.BreakerMarkdown(res))
	if res.Warning != "" {
		o.annotate(rankSelf, actions.Annotation{Level: actions.LevelWarning, Title: "deploy-guard circuit breaker not consulted", Message: res.Warning})
	}
	outcome := "closed"
	switch {
	case !res.Consulted:
		outcome = "not consulted"
	case res.Open:
		outcome = "open"
	case res.HalfOpen:
		outcome = "half-open"
	}
	a.step("breaker", outcome, res.Reason, start)
	if !res.Open {
		return o
	}
	o.annotate(0, actions.Annotation{Level: actions.LevelError, Title: "deploy-guard: circuit breaker open", Message: res.Annotation()})
	o.end = &ending{code: ExitFailed, status: result.StatusBlocked, category: result.CategoryNone, explained: true,
		message: fmt.Sprintf("Circuit breaker open: %s. Nothing was deployed; fix the cause, then re-run this job (a re-run attempt proceeds) or set circuit-breaker-override: true.", res.Reason),
		diagnosis: &result.Diagnosis{Category: result.CategoryNone,
			Explanation: "This job's recent deployments to this org failed too often; deploying again would likely fail the same way.",
			Fix:         "Look at the failed runs listed in the summary, fix the cause, then re-run the job or set circuit-breaker-override: true."}}
	return o
}

// history computes deployment metrics from the workflow's recent runs
// (sharing the breaker's read of them) for the summary and the outputs.
func (a *action) history(ctx context.Context) (o outcome) {
	gh := a.github()
	if gh == nil {
		return o
	}
	start := a.deps.Now()
	m, warning, ok := gh.HistoryMetrics(ctx, historyRuns)
	if !ok {
		a.step("metrics", "not available", warning, start)
		return o
	}
	a.metrics = &m
	a.step("metrics", "computed", fmt.Sprintf("%d runs", m.Runs), start)
	o.section("Deployment metrics", ghapi.MetricsMarkdown(m))
	return o
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
	e := a.ghEnv
	attrs := map[string]string{"repository": e.Repository, "workflow": e.Workflow, "branch": e.RefName}
	a.red.Walk(attrs)
	if err := telemetry.Push(ctx, a.cfg.OTLPEndpoint, f, attrs, a.deps.HTTP, 0); err != nil {
		a.step("notify.otlp", "failed", err.Error(), start)
		a.warn("deploy-guard could not push metrics", a.red.String(err.Error()))
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
	for _, id := range a.run.PatternIDs() {
		if want[strings.ToLower(id)] {
			return true
		}
	}
	return false
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
			is := report.PostMortem(r, a.ghEnv, a.red)
			pm := ghapi.PostMortem{Title: is.Title, Body: is.Body, Fingerprint: is.Fingerprint, Occurrence: is.Occurrence, Labels: cfg.PostMortemLabels}
			url, created, err := gh.FilePostMortem(ctx, pm)
			if err != nil {
				a.step("notify.post-mortem", "failed", err.Error(), start)
				a.warn("deploy-guard could not file the post-mortem", a.red.String(err.Error()))
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
			if url, err := gh.UpsertPRComment(ctx, ghapi.PRCommentMarker(a.deps.Getenv("GITHUB_JOB"), cfg.Auth.OrgKey()), a.red.String(body)); err != nil {
				a.step("notify.pr-comment", "failed", err.Error(), start)
				a.warn("deploy-guard could not comment on the pull request", a.red.String(err.Error()))
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
			a.warn("deploy-guard could not post to Slack", a.red.String(err.Error()))
		} else {
			a.step("notify.slack", "sent", "", start)
		}
	}
}
