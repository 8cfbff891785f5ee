package deploy

import (
	"testing"

	"github.com/org/deploy-guard/pkg/classify"
	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/result"
)

// TestRetryableConfigGuess: an sf error no pattern knows ends as config by
// the classifier's structural fallback; under retry-on any it is still
// retried (it used to be unknown, which any retries), while a config error
// a pattern recognised, and any auth or timeout, never is.
func TestRetryableConfigGuess(t *testing.T) {
	t.Parallel()
	c := classify.Default()
	verdict := func(name, msg string) Verdict {
		v := c.Error(name, msg, 1)
		return Verdict{Category: v.Category, Transient: v.Transient, Diagnosis: v.Diagnosis}
	}
	guess := verdict("Error", "The ancestor versionNumber must be in the format major.minor.patch")
	if guess.Category != result.CategoryConfig || guess.Diagnosis.PatternID != "" {
		t.Fatalf("premise: want an unmatched config fallback, got %s %q", guess.Category, guess.Diagnosis.PatternID)
	}
	known := verdict("InvalidProjectWorkspaceError", "This directory does not contain a valid Salesforce DX project.")
	if known.Category != result.CategoryConfig || known.Diagnosis.PatternID == "" {
		t.Fatalf("premise: want a recognised config error, got %s %q", known.Category, known.Diagnosis.PatternID)
	}
	cases := []struct {
		name    string
		retryOn config.RetryOn
		v       Verdict
		want    bool
	}{
		{"guess, retry-on any", config.RetryAny, guess, true},
		{"guess, retry-on transient", config.RetryTransient, guess, false},
		{"guess, retry-on never", config.RetryNever, guess, false},
		{"recognised config, retry-on any", config.RetryAny, known, false},
		{"auth, retry-on any", config.RetryAny, Verdict{Category: result.CategoryAuth}, false},
		{"timeout, retry-on any", config.RetryAny, Verdict{Category: result.CategoryTimeout}, false},
	}
	for _, tc := range cases {
		if got, why := (Policy{RetryOn: tc.retryOn}).Retryable(tc.v); got != tc.want {
			t.Errorf("%s: retryable %v (%s), want %v", tc.name, got, why, tc.want)
		}
	}
}
