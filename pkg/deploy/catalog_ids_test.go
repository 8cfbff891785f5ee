package deploy

import (
	"testing"

	"github.com/org/deploy-guard/pkg/classify"
)

// The never-deploy-twice guard keys on catalog ids: each must name a
// built-in entry, transient, whose own examples the classifier files under
// that id. Renaming or removing an entry fails here instead of silently
// letting a lost submission be submitted again.
func TestLostAnswerPatternsAreInTheCatalog(t *testing.T) {
	builtin := map[string]classify.Pattern{}
	for _, p := range classify.Builtin() {
		builtin[p.ID] = p
	}
	c := classify.Default()
	for _, id := range []string{patternConnectionReset, patternConnectionTimedOut, patternTLSDisconnected, patternRetryLimitNetwork} {
		t.Run(id, func(t *testing.T) {
			if !lostAnswerPatterns[id] {
				t.Errorf("%s is not among lostAnswerPatterns", id)
			}
			p, ok := builtin[id]
			if !ok {
				t.Fatalf("the built-in catalog has no entry %q", id)
			}
			if !p.Transient {
				t.Errorf("%s is not transient: a lost answer is retried, so it must be", id)
			}
			if len(p.Examples) == 0 {
				t.Fatalf("%s has no examples", id)
			}
			for _, ex := range p.Examples {
				if got := c.Text(classify.ScopeError, ex).PatternID; got != id {
					t.Errorf("%q is filed under %q, want %q", ex, got, id)
				}
			}
		})
	}
	if len(lostAnswerPatterns) != 4 {
		t.Errorf("lostAnswerPatterns has %d entries, the test checks 4: name the new one here", len(lostAnswerPatterns))
	}
}
