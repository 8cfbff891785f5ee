package deploy

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/result"
)

// Verdict is the classification of one sf call, as the attempt loop needs it.
type Verdict struct {
	Category  result.Category
	Transient bool
	// Reason is a short human reason ("UNABLE_TO_LOCK_ROW: row lock").
	Reason    string
	Diagnosis result.Diagnosis
}

// Policy decides which failures are retried and how long to wait.
type Policy struct {
	MaxAttempts int
	// Delay is the base of the exponential backoff; MaxDelay caps it.
	Delay, MaxDelay time.Duration
	RetryOn         config.RetryOn
	// Wait is how long one deployment may run before the action stops
	// waiting for it (and resumes it, budget permitting).
	Wait time.Duration
	// Rand returns a number in [0, n); math/rand/v2 when nil. Injected so
	// tests can assert the exact delays.
	Rand func(n int64) int64
}

// neverRetried are categories no policy retries: retrying cannot fix a
// configuration or a credential, and a timeout is resumed, never redeployed.
var neverRetried = map[result.Category]bool{
	result.CategoryConfig:  true,
	result.CategoryAuth:    true,
	result.CategoryTimeout: true,
}

// Retryable says whether a failure with verdict v may be retried, and why.
func (p Policy) Retryable(v Verdict) (bool, string) {
	switch {
	case v.Category == result.CategoryNone:
		return false, "succeeded"
	case p.RetryOn == config.RetryAny && v.Category == result.CategoryConfig && v.Diagnosis.Fallback():
		// No pattern knew the error: config is the classifier's structural
		// guess for an sf error, and retry-on any asks to retry whatever
		// is not known to be hopeless.
		return true, "retry-on is any (no pattern knew the error)"
	case neverRetried[v.Category]:
		return false, fmt.Sprintf("%s failures are never retried", v.Category)
	case p.RetryOn == config.RetryNever:
		return false, "retry-on is never"
	case p.RetryOn == config.RetryAny:
		return true, "retry-on is any"
	case v.Transient:
		return true, "transient"
	default:
		return false, fmt.Sprintf("%s failures are not transient", v.Category)
	}
}

// Backoff returns the delay before retry number n (1 for the first retry):
// exponential from Delay, capped at MaxDelay, with full jitter (a uniform
// random value in [0, ceiling]), so that many pipelines hitting the same
// locked org do not retry in step.
func (p Policy) Backoff(n int) time.Duration {
	ceiling := p.Delay
	for i := 1; i < n && ceiling < p.MaxDelay; i++ {
		ceiling *= 2
	}
	if p.MaxDelay > 0 && ceiling > p.MaxDelay {
		ceiling = p.MaxDelay
	}
	if ceiling <= 0 {
		return 0
	}
	rnd := p.Rand
	if rnd == nil {
		rnd = rand.Int64N
	}
	return time.Duration(rnd(int64(ceiling) + 1))
}
