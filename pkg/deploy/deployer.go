// Package deploy runs a Salesforce deployment through sf until it succeeds,
// fails for good, or runs out of time: it submits the job, waits for it
// (resuming the same job after a wait timeout, never submitting a second
// one), classifies every failure and retries only what is worth retrying,
// with exponential backoff and full jitter.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/avast/retry-go/v4"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// Logger is the part of the action log the deployer writes to.
type Logger interface {
	Infof(format string, args ...any)
	Debugf(format string, args ...any)
	// DebugExcerpt prints the start of untrusted text, redacted before cut.
	DebugExcerpt(label string, text []byte, n int)
	Group(title string)
	EndGroup()
	Untrusted(label string, text []byte)
}

// Classifier classifies one sf call; d is its parsed deploy result, if any,
// whose items it may annotate with their Diagnosis.
type Classifier func(out *sfcli.Output, d *result.Deploy) Verdict

// Deployer runs deployments. All fields but Record are required.
type Deployer struct {
	Runner   sfcli.Runner
	Classify Classifier
	Log      Logger
	Policy   Policy
	// TargetOrg is the org alias or username for report and cancel.
	TargetOrg string
	Now       func() time.Time
	// Sleep waits d or until ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
	// Record, if set, receives every sf call (for the artifacts).
	Record func(a result.Attempt, out *sfcli.Output)
}

// Request is one deployment to carry out.
type Request struct {
	Mode config.Mode
	Spec sfcli.DeploySpec
	// JobID is the validated job for ModeQuick.
	JobID string
	// QuickFallback turns a quick deploy whose validation is unusable into a
	// full deployment.
	QuickFallback bool
	// Deadline bounds the whole run; zero means none.
	Deadline time.Time
	// Kind overrides the attempt kind in the timeline ("phase-foundation").
	Kind string
	// FirstAttempt numbers the first attempt (later phases continue the count).
	FirstAttempt int
	// Dir runs sf in another project directory (a rollback checkout).
	Dir string
	// MaxAttempts overrides Policy.MaxAttempts when positive.
	MaxAttempts int
}

// Outcome is what a deployment came to.
type Outcome struct {
	Attempts []result.Attempt
	// Deploy is the last parsed deploy result; nil if none was obtained.
	Deploy   *result.Deploy
	Verdict  Verdict
	DeployID string
	// Succeeded is true when the deployment (or validation) succeeded.
	Succeeded bool
	// Canceled is true when ctx was cancelled (the workflow was cancelled).
	Canceled bool
	// Err is set when sf could not be run at all.
	Err error
	// Output is the sf output that decided the outcome.
	Output    *sfcli.Output
	Notes     []string
	NextSteps []string
}

// DeploymentAttempts returns the number of the last deployment attempt.
func (o *Outcome) DeploymentAttempts() int {
	n := 0
	for _, a := range o.Attempts {
		n = max(n, a.Number)
	}
	return n
}

// attemptFailed carries a failed attempt's verdict through retry-go.
type attemptFailed struct{ v Verdict }

func (e *attemptFailed) Error() string { return fmt.Sprintf("%s: %s", e.v.Category, e.v.Reason) }

// errSkipQuick signals that a quick deploy should become a full deploy.
var errSkipQuick = errors.New("validation not usable for quick deploy")

// Run carries out req.
func (d *Deployer) Run(ctx context.Context, req Request) *Outcome {
	o := &Outcome{}
	run := &attemptRun{d: d, req: req, o: o, n: req.FirstAttempt}
	var next time.Duration
	err := retry.Do(
		func() error { return run.once(ctx) },
		retry.Context(ctx),
		retry.Attempts(uint(run.maxAttempts())),
		retry.LastErrorOnly(true),
		retry.RetryIf(func(err error) bool {
			ok, delay := run.shouldRetry(err)
			next = delay
			return ok
		}),
		retry.DelayType(func(uint, error, *retry.Config) time.Duration { return next }),
		retry.WithTimer(sleepTimer{ctx: ctx, sleep: d.Sleep}),
	)
	if err == nil {
		o.Succeeded = true
	}
	if ctx.Err() != nil {
		o.Canceled = true
		run.cancelInFlight()
	}
	return o
}

// attemptRun is the state of one Run.
type attemptRun struct {
	d   *Deployer
	req Request
	o   *Outcome
	// n is the current deployment attempt number.
	n int
	// inFlight is the id of a submitted job not known to have finished.
	inFlight string
}

func (r *attemptRun) once(ctx context.Context) error {
	r.n++
	dep, v, err := r.deployOnce(ctx)
	if dep != nil {
		r.o.Deploy = dep
	}
	r.o.Verdict = v
	if err != nil {
		r.o.Err = err
		return retry.Unrecoverable(err)
	}
	if ctx.Err() != nil {
		return retry.Unrecoverable(ctx.Err())
	}
	if v.Category == result.CategoryNone {
		r.lastAttempt().Decision = "done"
		return nil
	}
	return &attemptFailed{v: v}
}

func (r *attemptRun) shouldRetry(err error) (bool, time.Duration) {
	var af *attemptFailed
	if !retry.IsRecoverable(err) || !errors.As(err, &af) {
		return false, 0
	}
	last := r.lastAttempt()
	ok, why := r.d.Policy.Retryable(af.v)
	if !ok {
		last.Decision = "stop: " + why
		return false, 0
	}
	if r.n-r.req.FirstAttempt >= r.maxAttempts() {
		last.Decision = fmt.Sprintf("stop: all %d attempts used (max-attempts)", r.maxAttempts())
		return false, 0
	}
	delay := r.d.Policy.Backoff(r.n - r.req.FirstAttempt)
	if !r.req.Deadline.IsZero() && r.d.Now().Add(delay).After(r.req.Deadline) {
		last.Decision = "stop: the time budget would run out before the next attempt"
		return false, 0
	}
	last.Decision = fmt.Sprintf("retry in %s: %s", roundDelay(delay), why)
	last.Delay = delay
	return true, delay
}

func (r *attemptRun) maxAttempts() int {
	if r.req.MaxAttempts > 0 {
		return r.req.MaxAttempts
	}
	return max(1, r.d.Policy.MaxAttempts)
}

func (r *attemptRun) lastAttempt() *result.Attempt {
	if len(r.o.Attempts) == 0 {
		r.o.Attempts = append(r.o.Attempts, result.Attempt{Number: r.n})
	}
	return &r.o.Attempts[len(r.o.Attempts)-1]
}

// deployOnce submits one deployment and waits for its end.
func (r *attemptRun) deployOnce(ctx context.Context) (*result.Deploy, Verdict, error) {
	mode := r.req.Mode
	out, v, err := r.submit(ctx, mode)
	if errors.Is(err, errSkipQuick) {
		r.o.Notes = append(r.o.Notes, fmt.Sprintf("Validation %s cannot be quick-deployed; quick-fallback is on, so the action ran a full deployment instead.", r.req.JobID))
		mode = config.ModeDeploy
		out, v, err = r.submit(ctx, mode)
	}
	if err != nil || out == nil {
		return nil, v, err
	}
	id := out.Envelope.DeployID()
	r.o.DeployID, r.inFlight = id, id
	return r.waitFor(ctx, id)
}

// submit starts the job and returns the submission's output when it gave a
// job id; otherwise the verdict of the failed submission.
func (r *attemptRun) submit(ctx context.Context, mode config.Mode) (*sfcli.Output, Verdict, error) {
	var args []string
	switch mode {
	case config.ModeValidate:
		args = sfcli.DeployValidate(r.req.Spec)
	case config.ModeQuick:
		args = sfcli.DeployQuick(r.req.JobID, r.req.Spec)
	default:
		args = sfcli.DeployStart(r.req.Spec)
	}
	kind := r.req.Kind
	if kind == "" {
		kind = string(mode)
	}
	out, err := r.call(ctx, kind, args)
	if err != nil {
		return nil, Verdict{Category: result.CategoryConfig, Reason: err.Error()}, err
	}
	if out.Envelope != nil && !out.Envelope.IsError() && out.Envelope.DeployID() != "" {
		r.lastAttempt().Outcome = "submitted " + out.Envelope.DeployID()
		return out, Verdict{}, nil
	}
	if mode == config.ModeQuick && out.Envelope != nil && out.Envelope.Name == "CannotQuickDeployError" {
		r.lastAttempt().Category = result.CategoryConfig
		if r.req.QuickFallback {
			r.lastAttempt().Decision = "fall back to a full deployment (quick-fallback)"
			return nil, Verdict{}, errSkipQuick
		}
		r.o.NextSteps = append(r.o.NextSteps, "Validate again (mode: validate) and quick-deploy the new deploy-id within 10 days, or set quick-fallback: true to deploy in full when the validation cannot be used.")
	}
	v := r.classify(out, nil)
	r.o.Output = out
	return nil, v, nil
}

// waitFor follows job id until it finishes, the deadline passes or ctx ends.
// A wait timeout resumes the same job: it never submits a second deployment.
func (r *attemptRun) waitFor(ctx context.Context, id string) (*result.Deploy, Verdict, error) {
	var last *result.Deploy
	lostContact, resumes := 0, 0
	for {
		// Without a deadline, bound the resumes so a misbehaving CLI that
		// returns at once cannot keep the loop spinning.
		if resumes++; r.req.Deadline.IsZero() && resumes > max(1, r.d.Policy.MaxAttempts) {
			return last, r.timedOut(id, last), nil
		}
		wait := r.d.Policy.Wait
		if !r.req.Deadline.IsZero() {
			wait = min(wait, r.req.Deadline.Sub(r.d.Now()))
		}
		if wait < time.Second {
			return last, r.timedOut(id, last), nil
		}
		out, err := r.call(ctx, "resume", sfcli.DeployResume(id, wait))
		if err != nil {
			return last, Verdict{Category: result.CategoryConfig, Reason: err.Error()}, err
		}
		if ctx.Err() != nil {
			return last, Verdict{Category: result.CategoryUnknown, Reason: "canceled"}, nil
		}
		dep, v := r.read(out)
		if dep != nil {
			last = dep
			if dep.Finished() {
				r.inFlight = ""
				r.o.Output = out
				return dep, v, nil
			}
		}
		if dep == nil && v.Category != result.CategoryTimeout {
			// The wait itself failed (network, session, a validation error
			// without details). Ask the org where the job stands before
			// deciding anything: it may well have finished.
			rep, err := r.call(ctx, "report", sfcli.DeployReport(id, r.d.TargetOrg))
			if err != nil {
				return last, Verdict{Category: result.CategoryConfig, Reason: err.Error()}, err
			}
			if rdep, rv := r.read(rep); rdep != nil {
				last = rdep
				if rdep.Finished() {
					r.inFlight = ""
					r.o.Output = rep
					return rdep, rv, nil
				}
			} else if lostContact++; lostContact >= 3 || !v.Transient {
				r.o.Output = out
				return last, v, nil
			}
		}
		r.lastAttempt().Decision = fmt.Sprintf("job %s still running: resume waiting (same job, no new deployment)", id)
	}
}

// read parses an output's deploy result and classifies it.
func (r *attemptRun) read(out *sfcli.Output) (*result.Deploy, Verdict) {
	if out.Envelope == nil || out.Envelope.Result == nil {
		return nil, r.classify(out, nil)
	}
	dep, err := result.ParseDeployValue(out.Envelope.ResultValue)
	if err != nil {
		return nil, r.classify(out, nil)
	}
	if !dep.Finished() {
		return dep, Verdict{Category: result.CategoryTimeout, Reason: "deployment still " + strings.ToLower(dep.Status)}
	}
	return dep, r.classify(out, dep)
}

func (r *attemptRun) classify(out *sfcli.Output, dep *result.Deploy) Verdict {
	v := r.d.Classify(out, dep)
	a := r.lastAttempt()
	a.Category = v.Category
	if v.Category != result.CategoryNone {
		a.Outcome = v.Reason
	}
	return v
}

func (r *attemptRun) timedOut(id string, last *result.Deploy) Verdict {
	state := "still running"
	if last != nil && last.Status != "" {
		state = "still " + strings.ToLower(last.Status)
	}
	r.o.NextSteps = append(r.o.NextSteps,
		fmt.Sprintf("The deployment %s is %s in the org. Check on it with: sf project deploy report --job-id %s%s", id, state, id, orgFlag(r.d.TargetOrg)),
		fmt.Sprintf("Wait for it to finish with: sf project deploy report --job-id %s%s --wait 30, or stop it with: sf project deploy cancel --job-id %s%s", id, orgFlag(r.d.TargetOrg), id, orgFlag(r.d.TargetOrg)))
	r.lastAttempt().Decision = "stop: the time budget ran out while the job was " + state
	return Verdict{Category: result.CategoryTimeout, Reason: fmt.Sprintf("deployment %s %s when the time budget ran out", id, state)}
}

// orgFlag is " --target-org <alias>" for a suggested command, or "" when
// the default org is meant. (A job the action started is not in the local
// CLI's cache, so suggestions use report, never resume.)
func orgFlag(alias string) string {
	if alias == "" {
		return ""
	}
	return " --target-org " + alias
}

// cancelInFlight asks the org to cancel a job the action submitted and is
// abandoning because the workflow was cancelled. It runs on its own short
// context: the run's context is already done.
func (r *attemptRun) cancelInFlight() {
	if r.inFlight == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), CancelTimeout)
	defer cancel()
	out, err := r.call(ctx, "cancel", sfcli.DeployCancel(r.inFlight, r.d.TargetOrg))
	switch {
	case err != nil:
		r.o.Notes = append(r.o.Notes, fmt.Sprintf("Could not cancel deployment %s: %v", r.inFlight, err))
	case out.ExitCode == 0:
		r.o.Notes = append(r.o.Notes, fmt.Sprintf("Deployment %s was canceled in the org.", r.inFlight))
	default:
		r.o.Notes = append(r.o.Notes, fmt.Sprintf("Canceling deployment %s failed (%s); check it with: sf project deploy report --job-id %s%s", r.inFlight, out.Describe(), r.inFlight, orgFlag(r.d.TargetOrg)))
	}
}

// CancelTimeout bounds the cancel call after a workflow cancellation, which
// the runner follows with SIGKILL 7.5 s after SIGINT.
const CancelTimeout = 4 * time.Second

// call runs one sf command and records it in the timeline.
func (r *attemptRun) call(ctx context.Context, kind string, args []string) (*sfcli.Output, error) {
	return r.d.call(ctx, r.o, r.n, kind, sfcli.Invocation{Args: args, Dir: r.req.Dir})
}

// call runs one sf command as part of attempt n and records it in o.
func (d *Deployer) call(ctx context.Context, o *Outcome, n int, kind string, inv sfcli.Invocation) (*sfcli.Output, error) {
	cmd := sfcli.CommandLine(inv.Args)
	d.Log.Group(fmt.Sprintf("Attempt %d · %s: %s", n, kind, cmd))
	defer d.Log.EndGroup()
	start := d.Now()
	out, err := d.Runner.Run(ctx, inv)
	a := result.Attempt{Number: n, Kind: kind, Command: cmd, Start: start, Duration: d.Now().Sub(start), ExitCode: -1}
	if err != nil {
		a.Outcome = err.Error()
		a.Category = result.CategoryConfig
		o.Attempts = append(o.Attempts, a)
		d.Log.Infof("sf could not be run: %v", err)
		return nil, err
	}
	a.ExitCode = out.ExitCode
	a.Duration = max(a.Duration, out.Duration)
	if out.Envelope != nil {
		a.DeployID = out.Envelope.DeployID()
		if st := out.Envelope.ResultStatus(); st != "" {
			a.Outcome = st
		}
	}
	o.Attempts = append(o.Attempts, a)
	if d.Record != nil {
		d.Record(a, out)
	}
	d.Log.Infof("%s in %s", out.Describe(), a.Duration.Round(time.Millisecond))
	d.Log.DebugExcerpt("sf stdout", out.Stdout, 4000)
	if out.Envelope != nil && out.Envelope.IsError() {
		d.Log.Untrusted("sf reported:", []byte(out.Envelope.Name+": "+out.Envelope.Message))
	}
	d.Log.Untrusted("sf stderr:", out.Stderr)
	return out, nil
}

// sleepTimer adapts an injected sleep to retry-go's Timer.
type sleepTimer struct {
	ctx   context.Context
	sleep func(context.Context, time.Duration) error
}

func (t sleepTimer) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	go func() {
		if t.sleep(t.ctx, d) == nil {
			ch <- time.Now()
		}
	}()
	return ch
}

// roundDelay shows a backoff delay the way people read it: whole seconds,
// or milliseconds under a second (full jitter can draw a short one).
func roundDelay(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}
