package result

import "time"

// Status is the action's overall outcome: the `status` output.
type Status string

// The statuses the action reports.
const (
	// StatusSucceeded: deployed on the first attempt.
	StatusSucceeded Status = "succeeded"
	// StatusRecovered: deployed after a retry, a flaky-test rerun or a fallback.
	StatusRecovered Status = "recovered"
	// StatusValidated: a validation (check-only) run succeeded.
	StatusValidated Status = "validated"
	// StatusFailed: the deployment did not succeed.
	StatusFailed Status = "failed"
	// StatusBlocked: the circuit breaker stopped the run before any deployment.
	StatusBlocked Status = "blocked"
	// StatusCanceled: the workflow was cancelled while the action ran.
	StatusCanceled Status = "canceled"
	// StatusSkipped: a delta deployment found no metadata changed between
	// the two commits, so nothing was sent to the org (not a failure).
	StatusSkipped Status = "skipped"
)

// OK reports whether the status means the step should pass.
func (s Status) OK() bool {
	return s == StatusSucceeded || s == StatusRecovered || s == StatusValidated || s == StatusSkipped
}

// Attempt records one call to sf that the action made on the way to the
// final outcome: a deploy, a resume, a test rerun, a fallback phase.
type Attempt struct {
	// Number counts deployment attempts from 1 (reruns and phases carry the
	// number of the deployment attempt they belong to).
	Number int
	// Kind says what the call was: "deploy", "validate", "quick", "wait",
	// "find-submitted", "rerun-tests", "fallback-validate", "phase-foundation", ...
	Kind string
	// Command is the sf command line as run, secrets redacted.
	Command string
	Start   time.Time
	// Duration is the wall time of the sf call.
	Duration time.Duration
	// ExitCode of sf; -1 if it did not run to completion.
	ExitCode int
	// DeployID is the job id the call worked on, if any.
	DeployID string
	// Outcome is a short description: "Succeeded", "Failed: 1 component error".
	Outcome string
	// Category of the failure; CategoryNone for a success.
	Category Category
	// Decision is what the action did next and why ("retry in 31s: transient
	// UNABLE_TO_LOCK_ROW", "stop: component errors are not retried").
	Decision string
	// Delay is the wait before the next attempt, if one was scheduled.
	Delay time.Duration
}

// Run is everything the action learned: what every renderer consumes.
type Run struct {
	Status   Status
	Category Category
	// Message is the one-line headline of the outcome.
	Message string
	// Mode is deploy, validate or quick.
	Mode      string
	TargetOrg string
	DeployID  string
	Attempts  []Attempt
	// Deploy is the final (most informative) deployment result; may be nil,
	// for example when the action failed before deploying.
	Deploy *Deploy
	// FlakyTests are "Class.method" names that failed and then passed alone.
	FlakyTests []string
	// Notes are extra lines for the report (fallbacks, breaker, resume hints).
	Notes []string
	// NextSteps are concrete commands for the person on call.
	NextSteps []string
	// Diagnosis of a failure that carries no deploy result (auth, config,
	// timeouts, CLI errors).
	Error *Diagnosis
	// ErrorText is the raw error message for Error.
	ErrorText string
	Started   time.Time
	Finished  time.Time
}

// DeploymentAttempts counts attempts that submitted or resumed a deployment,
// the number reported in the `attempts` output.
func (r *Run) DeploymentAttempts() int {
	n := 0
	for _, a := range r.Attempts {
		if a.Number > n {
			n = a.Number
		}
	}
	return n
}
