package classify

import (
	"regexp"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

func TestBuiltinCatalogIsValid(t *testing.T) {
	ps := Builtin() // panics if the embedded file is broken
	if len(ps) < 90 {
		t.Fatalf("builtin catalog has %d patterns, want at least 90", len(ps))
	}
	if _, err := compileAll(ps, builtinSource, true); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for i, p := range ps {
		if ids[p.ID] {
			t.Errorf("pattern %d: duplicate id %q", i+1, p.ID)
		}
		ids[p.ID] = true
		if p.Explanation == "" || p.Fix == "" {
			t.Errorf("%s: explanation and fix are required in the builtin catalog", p.ID)
		}
		if len(p.Examples) == 0 {
			t.Errorf("%s: builtin patterns need at least one example", p.ID)
		}
		if p.Category == result.CategoryTransient && !p.Transient {
			t.Errorf("%s: category transient must have transient: true", p.ID)
		}
	}
}

// scopesOf lists the scopes a pattern applies to.
func scopesOf(p Pattern) []Scope {
	if len(p.Applies) == 0 {
		return []Scope{ScopeComponent, ScopeTest, ScopeError, ScopeCoverage}
	}
	return p.Applies
}

// wantCategory is the category Text reports for p in scope s.
func wantCategory(p Pattern, s Scope) result.Category {
	if s == ScopeTest && p.Category == result.CategoryTransient {
		return result.CategoryTest
	}
	return p.Category
}

// Every example matches its own pattern, and classifying it in the scopes
// the pattern applies to lands on that pattern (no earlier pattern shadows
// it), except in scopes where a more specific, scope-limited pattern is
// deliberately placed first.
func TestCatalogExamplesClassifyToTheirOwnPattern(t *testing.T) {
	c := Default()
	for _, p := range Builtin() {
		re := regexp.MustCompile("(?i)" + p.Match)
		for _, ex := range p.Examples {
			if !re.MatchString(ex) {
				t.Errorf("%s: example %q does not match", p.ID, ex)
				continue
			}
			s := scopesOf(p)[0]
			if len(p.Applies) == 0 {
				s = ScopeError
			}
			d := c.Text(s, ex)
			if d.PatternID != p.ID || d.Category != wantCategory(p, s) {
				t.Errorf("%s: example %q in scope %s classified by %q as %s, want %s", p.ID, ex, s, d.PatternID, d.Category, wantCategory(p, s))
			}
		}
	}
}

// The prefilter is only an optimisation: it must never reject a text the
// expression matches.
func TestPrefilterNeverRejectsAMatch(t *testing.T) {
	ps := Builtin()
	var texts []string
	for _, p := range ps {
		texts = append(texts, p.Examples...)
	}
	texts = append(texts, "ＵＮＡＢＬＥ", "\u212a", "\u017fOCKET HANG UP", "Too many \xff SOQL", "")
	cs := Default().patterns
	for i := range cs {
		for _, txt := range texts {
			if cs[i].matches(txt) && !cs[i].pre.pass(foldString(txt)) {
				t.Errorf("%s: prefilter rejected %q which matches", cs[i].ID, txt)
			}
		}
	}
	// Most patterns should get a prefilter; otherwise it buys nothing.
	with := 0
	for i := range cs {
		if cs[i].pre.ok {
			with++
		}
	}
	if with < len(cs)*3/4 {
		t.Errorf("only %d of %d patterns have a prefilter", with, len(cs))
	}
}

func TestFoldCaseVariants(t *testing.T) {
	// U+212A KELVIN SIGN folds to k, U+017F LONG S folds to s; (?i) regexps
	// match them, so the prefilter must too.
	c := Default()
	for _, txt := range []string{"UNABLE_TO_LOC\u212a_ROW", "\u017focket hang up"} {
		if d := c.Text(ScopeError, txt); d.Category != result.CategoryTransient {
			t.Errorf("%q: got %s (%s), want transient", txt, d.Category, d.PatternID)
		}
	}
}

func TestOrder(t *testing.T) {
	o := Order()
	want := []result.Category{"config", "auth", "dependency", "metadata", "limits", "test", "coverage", "timeout", "transient", "unknown"}
	for i, c := range want {
		if o[i] != c {
			t.Fatalf("Order()[%d] = %s, want %s (full: %v)", i, o[i], c, o)
		}
	}
	o[0] = "changed"
	if Order()[0] != result.CategoryConfig {
		t.Fatal("Order must return a copy")
	}
}
