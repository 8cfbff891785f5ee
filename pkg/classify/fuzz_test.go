package classify

import (
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

var fuzzScopes = []Scope{ScopeComponent, ScopeTest, ScopeError, ScopeCoverage}

// FuzzClassify checks that any text in any scope classifies without panic,
// to a valid category, deterministically, and that the prefilter never hides
// a match.
func FuzzClassify(f *testing.F) {
	for i, p := range Builtin() {
		for _, ex := range p.Examples {
			f.Add(uint8(i), ex)
		}
	}
	c := Default()
	f.Fuzz(func(t *testing.T, s uint8, text string) {
		scope := fuzzScopes[int(s)%len(fuzzScopes)]
		d1 := c.Text(scope, text)
		if !d1.Category.Valid() || d1.Category == result.CategoryNone {
			t.Fatalf("invalid category %q", d1.Category)
		}
		if d1.Fix == "" || d1.Explanation == "" {
			t.Fatalf("empty explanation or fix: %+v", d1)
		}
		if d2 := c.Text(scope, text); d1 != d2 {
			t.Fatalf("not deterministic: %+v vs %+v", d1, d2)
		}
		folded := foldString(text)
		for i := range c.patterns {
			p := &c.patterns[i]
			if p.matches(text) && !p.pre.pass(folded) {
				t.Fatalf("%s: prefilter rejected a matching text", p.ID)
			}
		}
		v := c.Error(text, text, int(s))
		if !v.Category.Valid() {
			t.Fatalf("invalid verdict category %q", v.Category)
		}
		d := result.Deploy{Status: "Failed", Done: true, ErrorMessage: text,
			ComponentFailures: []result.ComponentFailure{{Problem: text, Type: "ApexClass"}},
			TestFailures:      []result.TestFailure{{Message: text, StackTrace: text}}}
		if v := c.Deploy(&d); !v.Category.Valid() || v.Category == result.CategoryNone || v.Reason == "" {
			t.Fatalf("bad deploy verdict %+v", v)
		}
	})
}
