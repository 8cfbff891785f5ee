package app

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/events"
	"github.com/org/deploy-guard/pkg/ghapi"
	"github.com/org/deploy-guard/pkg/result"
)

// finish writes the outcome on every exit path: outputs, annotations, the
// step summary and the artifacts; then removes private files. It returns the
// final exit code (a failure to write outputs turns success into failure,
// since later steps would read wrong values). The side channels (issue,
// Slack, pull-request comment, metrics) are skipped when the workflow was
// cancelled: the runner kills the action seconds after the signal, and the
// outputs and summary come first. A signal during them cuts them short.
func (a *action) finish(ctx context.Context) int {
	a.log.EndGroup()
	r := a.run
	r.Finished = a.deps.Now()
	if a.cfg != nil {
		r.Mode = string(a.cfg.Mode)
	}
	// Every sink below escapes and cuts the run's text; a secret in it must
	// be masked first (sf's outputs already are, see newRunner; this covers
	// the rest: config errors, preflight findings, API errors). The pass
	// over each rendered text is only the backstop.
	a.red.Walk(r)
	a.notes.Rewrite(a.red.String)
	if r.Status != result.StatusCanceled && ctx.Err() == nil {
		a.notify(ctx)
		a.pushTelemetry(ctx)
	} else {
		a.step("notify", "skipped", "the workflow was cancelled", r.Finished)
	}
	a.writeReports()
	a.writeEvents()
	a.setOutputs()
	code := a.exit
	if err := a.flushOutputs(); err != nil {
		a.notes.Add(rankSelf, actions.Annotation{Level: actions.LevelError, Title: "deploy-guard could not write its outputs", Message: err.Error() + ". Later steps cannot read status and failure-category; check that GITHUB_OUTPUT points at a writable file."})
		if code == ExitOK {
			code = ExitInternal
		}
	}
	if err := a.flushSummary(); err != nil {
		a.warn("deploy-guard could not write the step summary", err.Error()+". The same report is in the artifacts (report.md).")
	}
	a.flushAnnotations()
	a.log.Infof("deploy-guard: status=%s failure-category=%s attempts=%d %s", r.Status, r.Category, r.DeploymentAttempts(), r.Message)
	if a.cfg != nil {
		// Read back from this job's log by the circuit breaker of later runs.
		// A run that sent nothing to the org records attempts=0: no deployment.
		a.log.Record(ghapi.OutcomeLine(ghapi.OutcomeRecord{Job: a.deps.Getenv("GITHUB_JOB"), Org: a.cfg.Auth.OrgKey(), Mode: string(a.cfg.Mode),
			Status: string(r.Status), Attempts: r.DeploymentAttempts(), RunID: a.ghEnv.RunID, RunAttempt: a.ghEnv.RunAttempt}, a.cfg.OutcomeKey))
	}
	for i := len(a.cleanups) - 1; i >= 0; i-- {
		a.cleanups[i]()
	}
	return code
}

// setOutputs records every output from the run.
func (a *action) setOutputs() {
	r := a.run
	set := func(name, value string) {
		if err := a.outs.Set(name, value); err != nil {
			a.log.Infof("output %s: %v", name, err)
		}
	}
	set("status", string(r.Status))
	set("failure-category", string(r.Category))
	set("attempts", strconv.Itoa(r.DeploymentAttempts()))
	set("deploy-id", r.DeployID)
	first, _ := r.FirstComponentError()
	set("failed-component", first.Ref())
	set("failed-tests", strings.Join(r.FailedTestNames(), ","))
	set("flaky-tests", strings.Join(r.FlakyTests, ","))
	set("coverage", coverage(r))
	for _, name := range []string{"report-path", "result-path", "junit-path", "sarif-path", "coverage-path", "events-path"} {
		set(name, a.paths[name])
	}
	set("post-mortem-url", a.paths["post-mortem-url"])
	a.metricOutputs(set)
}

func coverage(r *result.Run) string {
	if r.Deploy == nil {
		return ""
	}
	if p, ok := r.Deploy.OrgCoverage(); ok {
		return strconv.FormatFloat(p, 'f', 1, 64)
	}
	return ""
}

// flushOutputs writes GITHUB_OUTPUT, or lists the outputs in the log when
// the action runs outside a runner (the local demo).
func (a *action) flushOutputs() error {
	path := a.deps.Getenv("GITHUB_OUTPUT")
	if path == "" && a.deps.Getenv("GITHUB_ACTIONS") != "true" {
		names := a.outs.Names()
		sort.Strings(names)
		a.log.Infof("Outputs:")
		for _, n := range names {
			a.log.Infof("  %-17s %s", n, a.outs.Get(n))
		}
		return nil
	}
	return a.outs.WriteFile(path)
}

func (a *action) flushSummary() error {
	path := a.deps.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" && a.deps.Getenv("GITHUB_ACTIONS") != "true" {
		return nil
	}
	return actions.WriteSummary(path, a.red.String(a.summary()))
}

// writeEvents writes the structured event log (events.jsonl).
func (a *action) writeEvents() {
	if a.artifacts == "" {
		return
	}
	data, err := events.Encode(events.Build(a.run, events.InfoFrom(a.ghEnv), a.steps), a.red)
	if err != nil {
		a.log.Infof("Could not encode the event log: %v", err)
		return
	}
	a.writeArtifact("events.jsonl", data, "events-path")
}

// step records a run step for the event log.
func (a *action) step(name, outcome, detail string, start time.Time) {
	a.steps = append(a.steps, events.Step{Time: a.deps.Now(), Name: name, Outcome: outcome, Detail: detail, Duration: a.deps.Now().Sub(start)})
}
