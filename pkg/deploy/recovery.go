package deploy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// Phase is one step of a phased or partial fallback.
type Phase struct {
	// Name appears in the timeline ("foundation", "apex", "rest").
	Name string
	Spec sfcli.DeploySpec
}

// Recovery wraps a Deployer with the strategies that make a failed
// deployment succeed without a blind retry, or fail with the full story:
// flaky-test reruns, fallbacks, and the post-deployment health check with
// rollback. Each strategy is off unless configured, and none starts once the
// time budget is spent: the verdict then stays the original failure's.
type Recovery struct {
	*Deployer
	// RerunFailedTests re-runs failed Apex tests, against the code being
	// deployed, when a deployment failed only on tests; RerunAttempts bounds
	// the tries to get that run going (default 2).
	RerunFailedTests bool
	RerunAttempts    int
	// TestWait bounds one `sf apex run test` call.
	TestWait time.Duration
	// Fallback is the strategy after a deployment that still failed.
	Fallback config.Fallback
	// Phases returns the phases of a phased or partial fallback.
	Phases func(config.Fallback) ([]Phase, error)
	// HealthCheckTests run after a successful deployment.
	HealthCheckTests []string
	// RollbackDir is a checkout of the last good release, deployed back when
	// the health check fails.
	RollbackDir string
	// RollbackTarget is what the rollback deploys, sf running in RollbackDir.
	RollbackTarget sfcli.Target
}

// Report is the outcome of a deployment with recovery.
type Report struct {
	*Outcome
	// FlakyTests failed in the deployment but passed when re-run.
	FlakyTests []string
	// Recovered is true when the deployment succeeded only thanks to a
	// retry, a rerun or a fallback.
	Recovered bool
	// HealthCheckFailed and RolledBack describe the post-deployment check.
	HealthCheckFailed bool
	RolledBack        bool
}

// Run deploys req and applies the configured recovery strategies.
func (rc *Recovery) Run(ctx context.Context, req Request) *Report {
	rep := &Report{Outcome: rc.Deployer.Run(ctx, req)}
	if rep.Succeeded {
		rep.Recovered = rep.DeploymentAttempts() > 1
	}
	if rc.RerunFailedTests && rep.Err == nil && rc.onlyTestsFailed(rep.Outcome) && ctx.Err() == nil && rc.inTime(req, rep, "re-run the failed tests") {
		rc.rerunFlaky(ctx, req, rep)
	}
	if !rep.Succeeded && !rep.Canceled && rep.Err == nil && ctx.Err() == nil && rc.fallbackApplies(rep.Verdict.Category) && rc.inTime(req, rep, fmt.Sprintf("try fallback %s", rc.Fallback)) {
		rc.fallback(ctx, req, rep)
	}
	if rep.Succeeded && rep.Err == nil && !req.Mode.CheckOnly() && len(rc.HealthCheckTests) > 0 && ctx.Err() == nil && rc.inTime(req, rep, "run the health check") {
		rc.healthCheck(ctx, req, rep)
	}
	return rep
}

// inTime reports whether the budget leaves time to start a strategy; when
// it does not, the report says the budget stopped the recovery.
func (rc *Recovery) inTime(req Request, rep *Report, what string) bool {
	if !rc.OutOfTime(req) {
		return true
	}
	rep.stoppedByBudget(what)
	return false
}

// stoppedByBudget records that the time budget stopped a recovery step: the
// verdict stays that of the failure being recovered from.
func (rep *Report) stoppedByBudget(what string) {
	rep.OutOfTime = true
	rep.Notes = append(rep.Notes, fmt.Sprintf("The time budget ran out before deploy-guard could %s; the verdict is that of the failure it was recovering from.", what))
	if len(rep.Attempts) > 0 {
		last := &rep.Attempts[len(rep.Attempts)-1]
		if last.Decision == "" || last.Decision == "done" {
			last.Decision = "stop: the time budget ran out before deploy-guard could " + what
		}
	}
}

// onlyTestsFailed reports whether a deployment failed on Apex test failures
// alone: no component failed (a component warning is not a failure), so the
// same content would deploy if the tests passed.
func (rc *Recovery) onlyTestsFailed(o *Outcome) bool {
	if o.Succeeded || o.Canceled || o.Deploy == nil {
		return false
	}
	d := o.Deploy
	return len(d.TestFailures) > 0 && !d.HasComponentErrors() && d.ErrorMessage == ""
}

// rerunFlaky re-runs the failed tests in a check-only deployment of the same
// content, so they run against the code being deployed (a deployment that
// failed on tests was rolled back: `apex run test` would run the org's old
// code, where a regression passes). Tests are judged by their outcomes
// alone; coverage does not count there. When every failed test passes, they
// are flaky and the deployment is attempted once more.
func (rc *Recovery) rerunFlaky(ctx context.Context, req Request, rep *Report) {
	failed := map[string]bool{}
	classes := map[string]bool{}
	for _, t := range rep.Deploy.TestFailures {
		failed[t.FullName()] = true
		classes[t.Class] = true
	}
	n := rep.DeploymentAttempts()
	pending := make([]string, 0, len(failed))
	for name := range failed {
		pending = append(pending, name)
	}
	sort.Strings(pending)
	check := req
	check.Mode, check.Kind, check.FirstAttempt, check.MaxAttempts = config.ModeValidate, "rerun-tests", n-1, 1
	check.Spec.TestLevel, check.Spec.Tests = "RunSpecifiedTests", sortedKeys(classes)
	// Each failed test is judged on one run alone; RerunAttempts bounds the
	// tries to get that run going (a check-only deployment that fails to
	// start or to finish is tried again after a backoff, never judged).
	attempts := rc.RerunAttempts
	if attempts <= 0 {
		attempts = 2
	}
	var run *result.Deploy
	var why string
	for i := 1; i <= attempts && ctx.Err() == nil; i++ {
		if i > 1 {
			if serr := rc.Sleep(ctx, min(rc.Policy.Backoff(i-1), 30*time.Second)); serr != nil {
				break
			}
			if !rc.inTime(req, rep, "re-run the failed tests") {
				return
			}
		}
		out := rc.Deployer.Run(ctx, check)
		if rep.refused(out) {
			return
		}
		rep.Attempts = append(rep.Attempts, out.Attempts...)
		if out.Deploy != nil && out.Deploy.Finished() && out.Deploy.Status != "Canceled" && !out.Deploy.HasComponentErrors() {
			run = out.Deploy
			break
		}
		why = out.Verdict.Reason
		if out.OutOfTime || out.Verdict.Category == result.CategoryTimeout {
			rep.stoppedByBudget("finish re-running the failed tests")
			return
		}
		if len(rep.Attempts) > 0 {
			rep.Attempts[len(rep.Attempts)-1].Decision = "the check-only run did not complete: " + why
		}
	}
	if run == nil {
		if why == "" && ctx.Err() != nil {
			why = ctx.Err().Error()
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("Re-running the failed tests did not work, so flaky tests could not be told from broken ones: %s", why))
		return
	}
	passed := map[string]bool{}
	for _, p := range run.TestSuccesses {
		if name := p.FullName(); failed[name] {
			passed[name] = true
		}
	}
	last := &rep.Attempts[len(rep.Attempts)-1]
	last.Outcome = fmt.Sprintf("%d of %d failed tests passed when re-run against the new code (check-only %s)", len(passed), len(pending), run.ID)
	last.Category = result.CategoryNone
	for name := range passed {
		rep.FlakyTests = append(rep.FlakyTests, name)
	}
	sort.Strings(rep.FlakyTests)
	if len(passed) < len(failed) {
		last.Decision = "stop: some tests fail again against the new code; they are real failures"
		if len(passed) > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%d test(s) passed when re-run against the new code (flaky), but %d failed again: the deployment stays failed.", len(passed), len(failed)-len(passed)))
		} else {
			rep.Notes = append(rep.Notes, "The failed tests were re-run against the new code in a check-only deployment and failed again: they are real failures, so the deployment was not attempted again.")
		}
		return
	}
	if !rc.inTime(req, rep, "deploy again after the flaky tests passed") {
		return
	}
	last.Decision = "every failed test passed against the new code: flaky; deploy once more"
	rep.Notes = append(rep.Notes, fmt.Sprintf("%d flaky test(s) passed when re-run against the new code (a check-only deployment); the deployment was attempted once more.", len(passed)))
	again := req
	again.FirstAttempt, again.MaxAttempts = n, 1
	second := rc.Deployer.Run(ctx, again)
	if rep.mergeRecovery(second, "deploy again after the flaky tests passed") {
		return
	}
	if second.Succeeded {
		rep.Recovered = true
		return
	}
	// Tests that fail the deployment again are real failures after all.
	if second.Deploy != nil {
		again := map[string]bool{}
		for _, t := range second.Deploy.TestFailures {
			again[t.FullName()] = true
		}
		kept := rep.FlakyTests[:0]
		for _, name := range rep.FlakyTests {
			if !again[name] {
				kept = append(kept, name)
			}
		}
		rep.FlakyTests = kept
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// runTests runs Apex tests with `sf apex run test` and parses the result.
// The call ends at the budget's deadline at the latest.
func (rc *Recovery) runTests(ctx context.Context, deadline time.Time, o *Outcome, n int, kind string, tests []string) (*result.TestRun, error) {
	wait := rc.TestWait
	if wait <= 0 {
		wait = rc.Policy.Wait
	}
	if !deadline.IsZero() {
		wait = min(wait, deadline.Sub(rc.Now()))
	}
	ctx, cancel := rc.budgetContext(ctx, deadline)
	defer cancel()
	out, err := rc.call(ctx, o, n, kind, sfcli.Invocation{Args: sfcli.ApexRunTest(tests, rc.TargetOrg, wait)})
	if err != nil {
		return nil, err
	}
	if out.Envelope == nil || out.Envelope.IsError() || out.Envelope.Result == nil {
		return nil, fmt.Errorf("sf apex run test: %s", out.Describe())
	}
	run, err := result.ParseTestRun(out.Envelope.Result)
	if err != nil {
		return nil, fmt.Errorf("reading the test results: %w", err)
	}
	if run.Outcome == "" && run.TestRunID != "" {
		return nil, fmt.Errorf("the test run %s did not finish within %s", run.TestRunID, wait.Round(time.Minute))
	}
	return run, nil
}

// fallbackApplies says whether the configured fallback can help with a
// failure of category c. Phasing only helps when components failed
// (dependencies between them); a validation helps with anything but
// problems that stop the CLI before it deploys.
func (rc *Recovery) fallbackApplies(c result.Category) bool {
	switch rc.Fallback {
	case config.FallbackValidate:
		return c != result.CategoryConfig && c != result.CategoryAuth && c != result.CategoryTimeout
	case config.FallbackPhased, config.FallbackPartial:
		return c == result.CategoryDependency || c == result.CategoryMetadata
	}
	return false
}

func (rc *Recovery) fallback(ctx context.Context, req Request, rep *Report) {
	n := rep.DeploymentAttempts()
	if rc.Fallback == config.FallbackValidate {
		v := req
		v.Mode, v.Kind, v.FirstAttempt, v.MaxAttempts = config.ModeValidate, "fallback-validate", n, 1
		out := rc.Deployer.Run(ctx, v)
		failed := rep.Verdict
		if rep.refused(out) {
			return
		}
		if rep.mergeRecovery(out, "finish the fallback validation") {
			return
		}
		// The validation is there for its report: the step still fails.
		rep.Succeeded, rep.Verdict = false, failed
		if out.Deploy != nil {
			rep.Deploy = out.Deploy
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("fallback validate: a check-only validation of the same content ended %s; its full error report is shown below.", outcomeWord(out)))
		return
	}
	if rc.Phases == nil {
		return
	}
	phases, err := rc.Phases(rc.Fallback)
	if err != nil || len(phases) == 0 {
		reason := "nothing to deploy in the first phase"
		if err != nil {
			reason = err.Error()
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("fallback %s was not attempted: %s.", rc.Fallback, reason))
		return
	}
	for i, ph := range phases {
		what := fmt.Sprintf("deploy phase %d/%d (%s) of fallback %s", i+1, len(phases), ph.Name, rc.Fallback)
		if !rc.inTime(req, rep, what) {
			return
		}
		p := req
		p.Spec, p.Kind, p.FirstAttempt = ph.Spec, "phase-"+ph.Name, n+i
		out := rc.Deployer.Run(ctx, p)
		if rep.refused(out) || rep.mergeRecovery(out, what) {
			return
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("fallback %s, phase %d/%d (%s): %s.", rc.Fallback, i+1, len(phases), ph.Name, outcomeWord(out)))
		if !out.Succeeded {
			return
		}
	}
	rep.Recovered = true
}

func outcomeWord(o *Outcome) string {
	switch {
	case o.Succeeded:
		return "succeeded"
	case o.Canceled:
		return "canceled"
	}
	return fmt.Sprintf("failed (%s)", o.Verdict.Category)
}

// healthCheck runs the health-check tests after a successful deployment and
// deploys the rollback checkout when they fail.
func (rc *Recovery) healthCheck(ctx context.Context, req Request, rep *Report) {
	n := rep.DeploymentAttempts()
	run, err := rc.runTests(ctx, req.Deadline, rep.Outcome, n, "health-check", rc.HealthCheckTests)
	if sfcli.IsRefused(err) {
		rep.Succeeded, rep.Recovered, rep.Err = false, false, err
		return
	}
	if err == nil && len(run.Failures) == 0 {
		rep.Attempts[len(rep.Attempts)-1].Decision = "done: health check passed"
		return
	}
	rep.HealthCheckFailed, rep.Succeeded, rep.Recovered = true, false, false
	if err != nil {
		rep.Verdict = Verdict{Category: result.CategoryTest, Reason: "the health check could not run: " + err.Error()}
	} else {
		names := make([]string, 0, len(run.Failures))
		for _, f := range run.Failures {
			names = append(names, f.FullName())
		}
		rep.Verdict = Verdict{Category: result.CategoryTest, Reason: "health check failed after the deployment: " + strings.Join(names, ", ")}
		if rep.Deploy != nil {
			rep.Deploy.TestFailures = append(rep.Deploy.TestFailures, run.Failures...)
		}
	}
	if rc.RollbackDir == "" {
		rep.Attempts[len(rep.Attempts)-1].Decision = "stop: health check failed; no rollback-source-dir to deploy back"
		rep.NextSteps = append(rep.NextSteps, "The deployment is live but the health check failed. Set rollback-source-dir to a checkout of the last good release to have deploy-guard deploy it back automatically.")
		return
	}
	if !rc.inTime(req, rep, "deploy the rollback checkout") {
		rep.NextSteps = append(rep.NextSteps, fmt.Sprintf("The deployment is live but the health check failed, and the time budget left no time to deploy %s back: deploy it by hand.", rc.RollbackDir))
		return
	}
	rep.Attempts[len(rep.Attempts)-1].Decision = "health check failed: deploy the rollback checkout"
	rb := req
	rb.Mode, rb.Kind, rb.FirstAttempt, rb.MaxAttempts, rb.Dir = config.ModeDeploy, "rollback", n, 0, rc.RollbackDir
	rb.Spec = sfcli.DeploySpec{Target: rc.RollbackTarget, TestLevel: req.Spec.TestLevel, Tests: req.Spec.Tests, TargetOrg: req.Spec.TargetOrg}
	out := rc.Deployer.Run(ctx, rb)
	if rep.refused(out) {
		return
	}
	rep.Attempts = append(rep.Attempts, out.Attempts...)
	rep.NextSteps = append(rep.NextSteps, out.NextSteps...)
	rep.RolledBack = out.Succeeded
	if out.Succeeded {
		rep.Notes = append(rep.Notes, fmt.Sprintf("The health check failed, so the last good release (%s) was deployed back: rollback deployment %s succeeded.", rc.RollbackDir, out.DeployID))
	} else {
		rep.Notes = append(rep.Notes, fmt.Sprintf("The health check failed and the rollback deployment of %s failed too (%s): the org runs the new release. Act now.", rc.RollbackDir, out.Verdict.Reason))
	}
}

// refused merges a recovery deployment that sf refused as usage: the run
// stops there, failed by deploy-guard's own command (Err), and nothing more
// is tried.
func (rep *Report) refused(o *Outcome) bool {
	if !sfcli.IsRefused(o.Err) {
		return false
	}
	rep.merge(o)
	rep.Succeeded, rep.Recovered = false, false
	return true
}

// mergeRecovery merges the outcome of a recovery deployment. When the time
// budget stopped it (it never started, or was still running when the budget
// ran out) the report keeps the verdict of the failure being recovered from,
// says so, and mergeRecovery returns true.
func (rep *Report) mergeRecovery(o *Outcome, what string) bool {
	if !o.OutOfTime && o.Verdict.Category != result.CategoryTimeout || o.Succeeded || o.Canceled {
		rep.merge(o)
		return false
	}
	v, dep, out, id := rep.Verdict, rep.Deploy, rep.Output, rep.DeployID
	rep.merge(o)
	rep.Succeeded, rep.Verdict, rep.Deploy, rep.Output, rep.DeployID = false, v, dep, out, id
	rep.stoppedByBudget(what)
	return true
}

// merge appends a later outcome (a redeploy, a phase) to the report: its
// attempts join the timeline and its result becomes the current one.
func (rep *Report) merge(o *Outcome) {
	rep.Attempts = append(rep.Attempts, o.Attempts...)
	rep.Notes = append(rep.Notes, o.Notes...)
	rep.NextSteps = append(rep.NextSteps, o.NextSteps...)
	rep.Succeeded, rep.Canceled, rep.Verdict, rep.Err = o.Succeeded, o.Canceled, o.Verdict, o.Err
	if o.Deploy != nil {
		rep.Deploy = o.Deploy
	}
	if o.DeployID != "" {
		rep.DeployID = o.DeployID
	}
	if o.Output != nil {
		rep.Output = o.Output
	}
}
