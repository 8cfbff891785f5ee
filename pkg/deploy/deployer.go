// Package deploy runs a Salesforce deployment through sf until it succeeds,
// fails for good, or runs out of time: it submits the job, waits for it
// (following the same job after a wait timeout, never submitting a second
// one), classifies every failure and retries only what is worth retrying,
// with exponential backoff and full jitter. A submission whose answer was
// lost is looked up in the org before anything is resubmitted, and the time
// budget is a deadline for every sf call.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/avast/retry-go/v4"
	"github.com/tidwall/gjson"

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
	// Username is the user sf deploys as, when known: a submission whose
	// answer was lost is looked up among this user's deployments.
	Username string
	Now      func() time.Time
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
	// OutOfTime is set when the time budget ran out before a submission
	// could start: Verdict is then that of the last submission, if any.
	OutOfTime bool
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

// errOutOfTime stops the attempt loop when no submission may start.
var errOutOfTime = errors.New("the time budget ran out")

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

// OutOfTime reports whether the budget of req leaves no time to start a
// submission: recovery strategies ask before each one.
func (d *Deployer) OutOfTime(req Request) bool {
	return !req.Deadline.IsZero() && !d.Now().Before(req.Deadline)
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
	// seen are the jobs this run submitted, never adopted as another's.
	seen map[string]bool
	// noResubmit is set when the org could not say whether a submission
	// whose answer was lost started: submitting again might deploy twice.
	noResubmit bool
}

func (r *attemptRun) once(ctx context.Context) error {
	if r.d.OutOfTime(r.req) {
		r.o.OutOfTime = true
		if len(r.o.Attempts) > 0 {
			r.lastAttempt().Decision = "stop: the time budget ran out; no new submission"
		}
		return retry.Unrecoverable(errOutOfTime)
	}
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
	if r.noResubmit {
		last.Decision = "stop: the org could not say whether the lost submission started; submitting again could deploy twice"
		return false, 0
	}
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
	if !r.req.Deadline.IsZero() && !r.d.Now().Add(delay).Before(r.req.Deadline) {
		last.Decision = "stop: the time budget would run out before the next attempt"
		r.o.OutOfTime = true
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
	id, v, err := r.submit(ctx, mode)
	if errors.Is(err, errSkipQuick) {
		r.o.Notes = append(r.o.Notes, fmt.Sprintf("Validation %s cannot be quick-deployed; quick-fallback is on, so the action ran a full deployment instead.", r.req.JobID))
		mode = config.ModeDeploy
		id, v, err = r.submit(ctx, mode)
	}
	if err != nil || id == "" {
		return nil, v, err
	}
	return r.waitFor(ctx, id)
}

// submit starts the job and returns the submission's output when it gave a
// job id; otherwise the verdict of the failed submission. A submission whose
// answer was lost (a network error, sf cut off) may still have started a
// job: the job sf names is adopted, else the org is asked, and the verdict
// says "not submitted" only when the org says no such job exists.
func (r *attemptRun) submit(ctx context.Context, mode config.Mode) (string, Verdict, error) {
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
	// The org's clock and ours may differ by a little: look back a minute
	// (jobs this run submitted itself are never adopted).
	since := r.d.Now().Add(-time.Minute)
	out, err := r.call(ctx, kind, args)
	if err != nil {
		return "", errVerdict(err), err
	}
	if id := deployID(out); id != "" {
		if out.Envelope.IsError() {
			r.o.Notes = append(r.o.Notes, fmt.Sprintf("sf reported %s while submitting, but named the job %s: the action followed that job instead of submitting again.", out.Envelope.Name, id))
		}
		return r.adopt(id, "submitted "+id), Verdict{}, nil
	}
	if mode == config.ModeQuick && out.Envelope != nil && out.Envelope.Name == "CannotQuickDeployError" {
		r.lastAttempt().Category = result.CategoryConfig
		if r.req.QuickFallback {
			r.lastAttempt().Decision = "fall back to a full deployment (quick-fallback)"
			return "", Verdict{}, errSkipQuick
		}
		r.o.NextSteps = append(r.o.NextSteps, "Validate again (mode: validate) and quick-deploy the new deploy-id within 10 days, or set quick-fallback: true to deploy in full when the validation cannot be used.")
	}
	v := r.classify(out, nil)
	r.o.Output = out
	if ctx.Err() != nil || !lostAnswer(out, v) {
		return "", v, nil
	}
	cut := r.d.OutOfTime(r.req)
	if cut {
		// The budget's deadline stopped sf mid-submission.
		v = Verdict{Category: result.CategoryTimeout, Reason: "the time budget ran out while the deployment was being submitted"}
		r.lastAttempt().Category, r.lastAttempt().Outcome = v.Category, v.Reason
	}
	id, err := r.findSubmitted(ctx, since, mode)
	if sfcli.IsRefused(err) {
		return "", errVerdict(err), err
	}
	if cut {
		r.noResubmit = true
		if id != "" {
			r.adopt(id, "cut off by the time budget; the org has it as "+id)
			return "", r.timedOut(id, nil), nil
		}
		r.o.NextSteps = append(r.o.NextSteps, "Check Setup > Deployment Status for a deployment this run may have started, before running it again.")
		return "", v, nil
	}
	switch {
	case err != nil:
		r.noResubmit = true
		r.o.Notes = append(r.o.Notes, fmt.Sprintf("The submission's answer was lost (%s) and the org could not be asked whether the deployment started (%v); the action did not submit again, to never deploy twice.", v.Reason, err))
		r.o.NextSteps = append(r.o.NextSteps, "Check Setup > Deployment Status (or: sf data query --use-tooling-api --query \"SELECT Id, Status, CreatedDate FROM DeployRequest ORDER BY CreatedDate DESC LIMIT 5\") for a deployment this run started, before running it again.")
		return "", v, nil
	case id != "":
		r.o.Notes = append(r.o.Notes, fmt.Sprintf("The submission's answer was lost (%s), but the org had accepted it as job %s: the action followed that job instead of submitting again.", v.Reason, id))
		return r.adopt(id, "submission answer lost; the org has it as "+id), Verdict{}, nil
	}
	r.lastAttempt().Outcome = v.Reason + "; the org confirms no deployment started"
	return "", v, nil
}

// errVerdict is the verdict of a call that did not run (config: sf could
// not be started) or that sf refused as usage (unknown: deploy-guard's bug).
func errVerdict(err error) Verdict {
	if sfcli.IsRefused(err) {
		return Verdict{Category: result.CategoryUnknown, Reason: err.Error()}
	}
	return Verdict{Category: result.CategoryConfig, Reason: err.Error()}
}

// deployID is the job an output names, if any.
func deployID(out *sfcli.Output) string {
	if out.Envelope == nil {
		return ""
	}
	if id := out.Envelope.DeployID(); sfcli.IsJobID(id) {
		return id
	}
	return ""
}

// adopt records id as the job of this attempt.
func (r *attemptRun) adopt(id, outcome string) string {
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[id] = true
	a := r.lastAttempt()
	a.Outcome, a.DeployID, a.Category = outcome, id, result.CategoryNone
	r.o.DeployID, r.inFlight = id, id
	r.o.Output = nil
	return id
}

// Ids of the built-in catalog entries (pkg/classify/catalog.yaml) for a
// connection that broke while a request was in flight. A test checks that
// the catalog holds each one: renaming an entry must not silently turn off
// the never-deploy-twice guard.
const (
	patternConnectionReset    = "connection-reset"
	patternConnectionTimedOut = "connection-timed-out"
	patternTLSDisconnected    = "tls-disconnected"
	patternRetryLimitNetwork  = "retry-limit-network"
)

// lostAnswerPatterns are catalog entries for a connection that broke while
// a request was in flight: the org may have acted on it.
var lostAnswerPatterns = map[string]bool{
	patternConnectionReset: true, patternConnectionTimedOut: true, patternTLSDisconnected: true, patternRetryLimitNetwork: true,
}

// lostAnswer reports whether a failed submission may nonetheless have
// started a job: the connection broke mid-request, or sf was cut off before
// it printed an answer.
func lostAnswer(out *sfcli.Output, v Verdict) bool {
	if out.Envelope == nil {
		return true
	}
	return out.Envelope.IsError() && lostAnswerPatterns[v.Diagnosis.PatternID]
}

// findSubmitted asks the org (Tooling API DeployRequest) for a deployment of
// this user, of this kind, created since since and not already known to the
// run. It returns "" when the org says there is none.
func (r *attemptRun) findSubmitted(ctx context.Context, since time.Time, mode config.Mode) (string, error) {
	soql := "SELECT Id, Status, CheckOnly, CreatedDate FROM DeployRequest WHERE CreatedDate >= " + since.UTC().Format("2006-01-02T15:04:05Z")
	if r.d.Username != "" {
		soql += " AND CreatedBy.Username = '" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(r.d.Username) + "'"
	}
	soql += " ORDER BY CreatedDate DESC LIMIT 20"
	ctx, cancel := r.graceContext(ctx)
	defer cancel()
	out, err := r.d.call(ctx, r.o, r.n, "find-submitted", sfcli.Invocation{Args: sfcli.DataQueryTooling(soql, r.d.TargetOrg), Dir: r.req.Dir})
	if err != nil {
		return "", err
	}
	if out.ExitCode != 0 || out.Envelope == nil || out.Envelope.IsError() || out.Envelope.Result == nil {
		return "", errors.New(out.Describe())
	}
	checkOnly := mode.CheckOnly()
	for _, rec := range gjson.GetBytes(out.Envelope.Result, "records").Array() {
		id := rec.Get("Id").String()
		if !sfcli.IsJobID(id) || r.seen[id] || rec.Get("CheckOnly").Bool() != checkOnly {
			continue
		}
		r.lastAttempt().Outcome = "the org has job " + id + " from the lost submission"
		return id, nil
	}
	r.lastAttempt().Outcome = "the org has no deployment from the lost submission"
	return "", nil
}

// waitFor follows job id until it finishes, the deadline passes or ctx ends.
// It polls with `project deploy report --wait`, which needs no local job
// cache (a quick deploy or an adopted job is not in it). A wait timeout
// follows the same job: it never submits a second deployment.
func (r *attemptRun) waitFor(ctx context.Context, id string) (*result.Deploy, Verdict, error) {
	var last *result.Deploy
	lostContact, polls := 0, 0
	for {
		// Without a deadline, bound the polls so a misbehaving CLI that
		// returns at once cannot keep the loop spinning.
		if polls++; r.req.Deadline.IsZero() && polls > max(1, r.d.Policy.MaxAttempts) {
			return last, r.timedOut(id, last), nil
		}
		wait := r.d.Policy.Wait
		if !r.req.Deadline.IsZero() {
			wait = min(wait, r.req.Deadline.Sub(r.d.Now()))
		}
		if wait < time.Second {
			return last, r.timedOut(id, last), nil
		}
		start := r.d.Now()
		out, err := r.call(ctx, "wait", sfcli.DeployReportWait(id, r.d.TargetOrg, wait))
		if err != nil {
			return last, errVerdict(err), err
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
			lostContact = 0
		} else if r.d.OutOfTime(r.req) {
			return last, r.timedOut(id, last), nil
		} else if lostContact++; lostContact >= 3 || !v.Transient {
			// The wait itself failed (network, session) three times in a
			// row, or for a reason waiting again cannot fix.
			r.o.Output = out
			return last, v, nil
		}
		r.lastAttempt().Decision = fmt.Sprintf("job %s still running: keep waiting (same job, no new deployment)", id)
		if took := r.d.Now().Sub(start); took < minPoll {
			// sf came back at once (an error, a wait shorter than asked):
			// pause so the loop cannot spin.
			if err := r.d.Sleep(ctx, minPoll-took); err != nil {
				return last, Verdict{Category: result.CategoryUnknown, Reason: "canceled"}, nil
			}
		}
	}
}

// minPoll is the shortest time between two waits on the same job.
const minPoll = 10 * time.Second

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
	out, err := r.d.call(ctx, r.o, r.n, "cancel", sfcli.Invocation{Args: sfcli.DeployCancel(r.inFlight, r.d.TargetOrg), Dir: r.req.Dir})
	switch {
	case err != nil:
		r.o.Notes = append(r.o.Notes, fmt.Sprintf("Could not cancel deployment %s: %v", r.inFlight, err))
	case out.ExitCode == 0:
		r.o.Notes = append(r.o.Notes, fmt.Sprintf("Deployment %s was canceled in the org.", r.inFlight))
	default:
		r.o.Notes = append(r.o.Notes, fmt.Sprintf("Canceling deployment %s failed (%s); check it with: sf project deploy report --job-id %s%s", r.inFlight, out.Describe(), r.inFlight, orgFlag(r.d.TargetOrg)))
	}
}

// CancelTimeout bounds the cancel call after a workflow cancellation. The
// runner sends SIGTERM 7.5 s after SIGINT and SIGKILL 2.5 s after that; sf
// needs a few seconds to start, and the outputs are written after the call.
const CancelTimeout = 6 * time.Second

// call runs one sf command and records it in the timeline. The call ends at
// the time budget's deadline at the latest.
func (r *attemptRun) call(ctx context.Context, kind string, args []string) (*sfcli.Output, error) {
	ctx, cancel := r.d.budgetContext(ctx, r.req.Deadline)
	defer cancel()
	return r.d.call(ctx, r.o, r.n, kind, sfcli.Invocation{Args: args, Dir: r.req.Dir})
}

// Grace is how long past the time budget the action may still talk to the
// org to find out about a job it may have started (a submission that the
// deadline cut off), so that it can name the job instead of losing it.
const Grace = 10 * time.Second

// graceContext bounds a call that must still run when the budget is (nearly)
// spent: until the deadline plus Grace.
func (r *attemptRun) graceContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.req.Deadline.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, max(r.req.Deadline.Add(Grace).Sub(r.d.Now()), Grace))
}

// budgetContext bounds one sf call by the deadline (zero: none). The
// deadline is on the injected clock; the context counts real time, so the
// remaining budget is what carries over.
func (d *Deployer) budgetContext(ctx context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	if deadline.IsZero() {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, deadline.Sub(d.Now()))
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
	// A command sf refuses as usage can never succeed: it is never retried
	// and ends the run as deploy-guard's own failure (see sfcli.Refusal).
	refused := sfcli.Refusal(inv.Args, out)
	if refused != nil {
		a.Category, a.Outcome = result.CategoryUnknown, "refused as usage by sf: "+refused.(*sfcli.UsageError).Words
		a.Decision = "stop: sf refused the command deploy-guard built; not retried"
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
	if refused != nil {
		return out, refused
	}
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
