package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/clock"
	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/deploy"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/safetext"
	"github.com/org/deploy-guard/pkg/sfcli"
	"github.com/org/deploy-guard/pkg/sfproject"
)

// deploy runs the deployment with retries; its outcome always ends the run.
func (a *action) deploy(ctx context.Context, runner sfcli.Runner, org string) outcome {
	cfg := a.cfg
	d := &deploy.Deployer{
		Runner:   runner,
		Classify: a.classifier(),
		Log:      a.log,
		Policy: deploy.Policy{
			MaxAttempts: cfg.MaxAttempts,
			Delay:       cfg.RetryDelay,
			MaxDelay:    cfg.MaxRetryDelay,
			RetryOn:     cfg.RetryOn,
			Wait:        cfg.Wait,
		},
		TargetOrg: org,
		Username:  a.username,
		Now:       a.deps.Now,
		Sleep:     a.sleep,
		Record:    a.recordAttempt,
	}
	req := deploy.Request{
		Mode:          cfg.Mode,
		Spec:          a.deploySpec(org),
		JobID:         cfg.JobID,
		QuickFallback: cfg.QuickFallback,
		Deadline:      a.run.Started.Add(cfg.TimeBudget),
	}
	rc := &deploy.Recovery{
		Deployer:         d,
		RerunFailedTests: cfg.RerunFailedTests,
		Fallback:         cfg.Fallback,
		Phases:           a.phases,
		HealthCheckTests: cfg.HealthCheckTests,
	}
	rc.RollbackDir, rc.RollbackTarget = a.rollbackDir, a.rollbackTarget()
	rep := rc.Run(ctx, req)
	o := rep.Outcome
	a.absorb(o)
	a.run.FlakyTests = rep.FlakyTests
	switch {
	case o.Canceled:
		return canceled("during the deployment; deploy-guard stopped scheduling attempts")
	case o.Err != nil:
		if u := (*sfcli.UsageError)(nil); errors.As(o.Err, &u) {
			return a.refused(u)
		}
		return configError("running sf", o.Err)
	case o.Succeeded:
		if e := a.coverageGate(); e != nil {
			return outcome{end: e}
		}
		status := successStatus(cfg.Mode, rep.Recovered)
		return outcome{end: &ending{code: ExitOK, status: status, category: result.CategoryNone, message: successMessage(a.run, status)}}
	case o.OutOfTime && a.run.DeploymentAttempts() == 0:
		// No verdict: nothing was submitted. The outcome line records
		// attempts=0, which the breaker does not count as a deployment.
		return outcome{end: &ending{code: ExitFailed, status: result.StatusFailed, category: result.CategoryTimeout,
			message: fmt.Sprintf("The time budget (%s) ran out before the first submission: nothing was sent to the org.", cfg.TimeBudget),
			diagnosis: &result.Diagnosis{Category: result.CategoryTimeout,
				Explanation: "The steps before the first submission (login, preflight, the delta) used up the whole time-budget.",
				Fix:         "Raise time-budget (or leave it empty to derive it from wait, max-attempts and max-retry-delay)."}}}
	}
	v := a.withoutFlaky(o.Verdict)
	e := &ending{code: ExitFailed, status: result.StatusFailed, category: v.Category, message: failureMessage(a.run, v)}
	if a.run.Deploy == nil || v.Category == result.CategoryTimeout {
		dg := v.Diagnosis
		dg.Category = v.Category
		e.diagnosis, e.errorText = &dg, errorText(o, v)
	}
	return outcome{end: e}
}

// refused ends a run whose command sf refused as usage (sfcli.Refusal):
// deploy-guard built a command the CLI does not accept, so the failure is
// the action's own, never the deployment's (exit 3, category unknown), with
// the command and the CLI's words in the summary. When the workflow's
// target-org named an org sf does not know, the input caused it: config.
func (a *action) refused(u *sfcli.UsageError) outcome {
	if u.OrgFlag() {
		if a.cfg.Auth.Method == config.AuthTargetOrg {
			return configError("running sf", &config.InputError{Input: config.InputTargetOrg,
				Problem: fmt.Sprintf("sf knows no org %q in this job (%s); log in earlier in the job with that alias, or set auth-url, jwt-key or access-token instead", a.cfg.Auth.TargetOrg, u.Words)})
		}
		// deploy-guard logged in itself, and sf no longer knows the org:
		// the login did not hold (an auth store sf could not keep).
		return outcome{end: &ending{code: ExitFailed, status: result.StatusFailed, category: result.CategoryAuth,
			message:   "Authentication failed: sf no longer knows the org deploy-guard logged in to.",
			errorText: u.Words,
			diagnosis: &result.Diagnosis{Category: result.CategoryAuth,
				Explanation: fmt.Sprintf("sf refused `%s`: %s", u.Command, oneLineWords(u.Words)),
				Fix:         "Check that the credential is still valid (a fresh auth URL or JWT key), then run the workflow again."}}}
	}
	if in := flagInput(u.ValueFlag()); in != "" {
		return configError("running sf", &config.InputError{Input: in,
			Problem: fmt.Sprintf("sf refused its value as %s: %s", "--"+u.ValueFlag(), oneLineWords(u.Words))})
	}
	return outcome{end: &ending{code: ExitInternal, status: result.StatusFailed, category: result.CategoryUnknown,
		message:   fmt.Sprintf("deploy-guard itself failed: sf refused the command %s as usage (exit %d), so nothing more was tried.", u.Command, u.ExitCode),
		errorText: u.Words,
		diagnosis: &result.Diagnosis{Category: result.CategoryUnknown,
			Explanation: fmt.Sprintf("deploy-guard built `%s`, which the Salesforce CLI refuses (%s). This is a bug in deploy-guard, not a problem of the deployment; it was not retried.", u.Command, oneLineWords(u.Words)),
			Fix:         "Report it to deploy-guard's maintainers with this summary; setting source-dir or manifest explicitly may avoid the command meanwhile."}}}
}

// inputOfFlag names the input whose value deploy-guard passes in each sf
// flag: when sf refuses that value, the input caused it (config), not
// deploy-guard.
var inputOfFlag = map[string]string{
	"test-level": config.InputTestLevel, "tests": config.InputTests, "wait": config.InputWait,
	"api-version": config.InputAPIVersion, "source-dir": config.InputSourceDir, "manifest": config.InputManifest,
	"metadata": config.InputMetadata, "metadata-dir": config.InputMetadataDir,
	"pre-destructive-changes": config.InputPreDestructive, "post-destructive-changes": config.InputPostDestructive,
	"coverage-formatters": config.InputCoverageFormatters, "job-id": config.InputJobID,
	"purge-on-delete": config.InputPurgeOnDelete,
}

// flagInput is the input behind an sf flag, or "". sf sometimes names the
// flag with the value glued on ("--test-level-NoTestRun"), so a flag that
// starts with a known one and a dash is that one.
func flagInput(flag string) string {
	if in, ok := inputOfFlag[flag]; ok {
		return in
	}
	best := ""
	for f := range inputOfFlag {
		if strings.HasPrefix(flag, f+"-") && len(f) > len(best) {
			best = f
		}
	}
	return inputOfFlag[best]
}

// oneLineWords is the CLI's words on one line, capped for a summary.
func oneLineWords(s string) string {
	return safetext.Truncate(safetext.Collapse(s), 300)
}

// withoutFlaky judges a failed deployment again on the failures that remain
// once the flaky tests are set apart: the verdict was reached before the
// flaky check, and a flaky test must not be named as the reason.
func (a *action) withoutFlaky(v deploy.Verdict) deploy.Verdict {
	d := a.run.Deploy
	if d == nil || len(a.run.FlakyTests) == 0 {
		return v
	}
	hard := *d
	hard.TestFailures = a.run.HardTestFailures()
	if w := verdict(a.cat().Deploy(&hard)); w.Category != result.CategoryNone && w.Category != result.CategoryUnknown {
		return w
	}
	return v
}

// deploySpec is the deployment the inputs ask for, in sf's terms: what to
// deploy, the deletions, the flags and the tests.
func (a *action) deploySpec(org string) sfcli.DeploySpec {
	cfg := a.cfg
	return sfcli.DeploySpec{
		Target: a.target(),
		Options: sfcli.Options{
			PreDestructive: cfg.PreDestructive, PostDestructive: cfg.PostDestructive, PurgeOnDelete: cfg.PurgeOnDelete,
			IgnoreWarnings: cfg.IgnoreWarnings, IgnoreConflicts: cfg.IgnoreConflicts, SinglePackage: cfg.SinglePackage,
			APIVersion: cfg.APIVersion, DryRun: cfg.Mode == config.ModeDryRun,
			IgnoreErrors: cfg.IgnoreErrors,
		},
		TestLevel: cfg.TestLevel,
		Tests:     cfg.Tests,
		TargetOrg: org,
	}
}

// target decides, once for the whole run, what it deploys: the source-dir,
// manifest (delta-from has become one), metadata or metadata-dir the inputs
// name, or else the package directories of sfdx-project.json as explicit
// --source-dir flags. Every command that deploys or validates (start,
// validate, dry-run, the flaky rerun, fallback validate, the deploy after a
// rerun, the full phase) takes it from deploySpec, so all deploy the same
// content, and none is a bare `sf project deploy validate`, which the CLI
// refuses as usage. Empty only in quick mode without a project.
func (a *action) target() sfcli.Target {
	t := a.namedTarget()
	if t.Empty() && a.sfproject != nil {
		t.SourceDirs = a.sfproject.SourceDirs()
	}
	return t
}

// namedTarget is what the inputs name to deploy; empty when they name no
// source, and the project's package directories are deployed.
func (a *action) namedTarget() sfcli.Target {
	cfg := a.cfg
	return sfcli.Target{SourceDirs: cfg.SourceDirs, Manifest: cfg.Manifest, Metadata: cfg.Metadata, MetadataDir: cfg.MetadataDir}
}

// rollbackTarget is what the rollback deploys from rollback-source-dir (sf
// runs there): the package directories of its own sfdx-project.json, or,
// for a plain source folder of this project, the folder itself.
func (a *action) rollbackTarget() sfcli.Target {
	if a.rollbackDir == "" {
		return sfcli.Target{}
	}
	if p, err := sfproject.Load(a.rollbackDir); err == nil {
		return sfcli.Target{SourceDirs: p.SourceDirs()}
	}
	return sfcli.Target{SourceDirs: []string{"."}}
}

// errorText is the whole error message sf printed for the outcome (a
// validation error gives its reason on the lines after "Due To:"), or the
// verdict's reason when sf printed no error document.
func errorText(o *deploy.Outcome, v deploy.Verdict) string {
	if o.Output != nil && o.Output.Envelope != nil && o.Output.Envelope.IsError() {
		env := o.Output.Envelope
		text := strings.TrimSpace(strings.ReplaceAll(env.Message, "\r\n", "\n"))
		if env.Name != "" && text != "" {
			text = env.Name + ": " + text
		}
		if text != "" {
			return text
		}
	}
	return v.Reason
}

// phases splits the deployment for the phased and partial fallbacks: the
// foundation types (or Apex classes) first, without tests where the org
// allows it, then the full deployment as requested.
func (a *action) phases(f config.Fallback) ([]deploy.Phase, error) {
	cfg := a.cfg
	full := a.deploySpec(a.run.TargetOrg)
	// The first phase deploys part of the source and deletes nothing.
	first := sfcli.DeploySpec{TargetOrg: a.run.TargetOrg, Options: sfcli.Options{IgnoreWarnings: cfg.IgnoreWarnings, APIVersion: cfg.APIVersion}}
	switch f {
	case config.FallbackPhased:
		// Objects and fields need no Apex tests, even in production.
		first.Metadata, first.TestLevel = cfg.FoundationTypes, "NoTestRun"
		return []deploy.Phase{{Name: "foundation", Spec: first}, {Name: "full", Spec: full}}, nil
	case config.FallbackPartial:
		first.Metadata, first.TestLevel, first.Tests = []string{"ApexClass"}, cfg.TestLevel, cfg.Tests
		return []deploy.Phase{{Name: "apex", Spec: first}, {Name: "full", Spec: full}}, nil
	}
	return nil, fmt.Errorf("no phases for fallback %s", f)
}

// absorb copies a deploy outcome into the run.
func (a *action) absorb(o *deploy.Outcome) {
	a.run.Attempts = append(a.run.Attempts, o.Attempts...)
	if o.Deploy != nil {
		a.run.Deploy = o.Deploy
	}
	if o.DeployID != "" {
		a.run.DeployID = o.DeployID
	}
	a.run.Notes = append(a.run.Notes, o.Notes...)
	a.run.NextSteps = append(a.run.NextSteps, o.NextSteps...)
	// The raw output that decided the outcome is already an artifact: point
	// at it rather than write a second copy of a result that may be 50 MB.
	if o.Output != nil && o.Output.Envelope != nil {
		if p, ok := a.rawPaths[o.Output]; ok {
			a.paths["result-path"] = p
		}
	}
}

func successStatus(mode config.Mode, retried bool) result.Status {
	switch {
	case mode.CheckOnly():
		return result.StatusValidated
	case retried:
		return result.StatusRecovered
	}
	return result.StatusSucceeded
}

func successMessage(r *result.Run, status result.Status) string {
	n := r.DeploymentAttempts()
	what := "Deployed"
	if status == result.StatusValidated {
		what = "Validated"
	}
	if n > 1 {
		return fmt.Sprintf("%s %s after %d attempts.", what, r.DeployID, n)
	}
	return fmt.Sprintf("%s %s.", what, r.DeployID)
}

func failureMessage(r *result.Run, v deploy.Verdict) string {
	msg := fmt.Sprintf("Deployment failed (%s)", v.Category)
	if v.Reason != "" {
		msg += ": " + v.Reason
	}
	if n := r.DeploymentAttempts(); n > 1 {
		msg += fmt.Sprintf(" after %d attempts", n)
	}
	return msg + "."
}

// recordAttempt saves the raw JSON of every sf call, once, and remembers
// where (see absorb).
func (a *action) recordAttempt(at result.Attempt, out *sfcli.Output) {
	if len(out.Stdout) == 0 {
		return
	}
	a.seq++
	name := fmt.Sprintf("sf-%02d-attempt%d-%s.json", a.seq, at.Number, at.Kind)
	// The runner is sfcli.Redacting: stdout is already masked, with the same
	// secrets, so it is written as is rather than masked a second time.
	if p := a.writeArtifact(name, out.Stdout, ""); p != "" {
		a.rawPaths[out] = p
	}
}

// writeArtifact writes data, which the caller has redacted, to a fresh file
// under the artifacts directory and, when output is set, records its path
// for that output. It returns the workspace-relative path, or "" when
// nothing was written.
func (a *action) writeArtifact(name string, data []byte, output string) string {
	if a.artDir == nil {
		return ""
	}
	path, err := a.artDir.WriteFile(name, data)
	if err != nil {
		a.log.Infof("Could not write %s: %v", name, err)
		return ""
	}
	rel := a.rel(path)
	if output != "" {
		a.paths[output] = rel
	}
	return rel
}

// rel returns path relative to the workspace when it is inside it.
func (a *action) rel(path string) string {
	if r, err := filepath.Rel(a.workspace, path); err == nil && r != ".." && !strings.HasPrefix(r, "../") {
		return filepath.ToSlash(r)
	}
	return path
}

func (a *action) sleep(ctx context.Context, d time.Duration) error {
	if a.deps.Sleep != nil {
		return a.deps.Sleep(ctx, d)
	}
	return clock.Sleep(ctx, d)
}
