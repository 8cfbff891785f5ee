package classify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

// sharedFixtures holds the repository's copies of the shared fixtures
// (testdata/sf and testdata/deploy-errors.json), relative to this package.
var sharedFixtures = filepath.Join("..", "..", "testdata")

// deployError is one entry of deploy-errors.json.
type deployError struct {
	Category       result.Category   `json:"category"`
	Transient      bool              `json:"transient"`
	Message        string            `json:"message"`
	Source         string            `json:"source"`
	Where          Scope             `json:"where"`
	Name           string            `json:"name"`
	Note           string            `json:"note"`
	AlsoAcceptable []result.Category `json:"also_acceptable"`
}

// scopesFor lists the scopes an entry is checked in. Entries with a "where"
// are checked there only. Entries without one are checked where such a
// message is met: test and coverage categories in their own scope; auth,
// timeout and transient errors both as an sf error and as a component
// problem (they reach deploy-guard either way); dependency and metadata
// problems as component failures and as the errorMessage of a deploy.
func scopesFor(e deployError) []Scope {
	if e.Where != "" {
		return []Scope{e.Where}
	}
	switch e.Category {
	case result.CategoryTest:
		return []Scope{ScopeTest}
	case result.CategoryCoverage:
		return []Scope{ScopeCoverage, ScopeError}
	case result.CategoryDependency, result.CategoryMetadata:
		return []Scope{ScopeComponent, ScopeError}
	default:
		return []Scope{ScopeError, ScopeComponent}
	}
}

func TestDeployErrorsFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(sharedFixtures, "deploy-errors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []deployError
	dec := json.NewDecoder(bytesReader(b))
	dec.DisallowUnknownFields() // notice if the fixture grows new fields
	if err := dec.Decode(&entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) < 100 {
		t.Fatalf("only %d entries in deploy-errors.json", len(entries))
	}
	// No exceptions are needed: every entry gets exactly the category and
	// transient flag of the file. Where also_acceptable is present we still
	// require the primary category, so the classifier stays deterministic.
	c := Default()
	for i, e := range entries {
		for _, s := range scopesFor(e) {
			var d result.Diagnosis
			if s == ScopeError && e.Name != "" {
				d = c.Error(e.Name, e.Message, 1).Diagnosis
			} else {
				d = c.Text(s, e.Message)
			}
			if d.Category != e.Category || d.Transient != e.Transient {
				t.Errorf("entry %d in scope %s: %q\n got %s transient=%v (pattern %q)\nwant %s transient=%v",
					i, s, e.Message, d.Category, d.Transient, d.PatternID, e.Category, e.Transient)
			}
			if len(e.AlsoAcceptable) > 0 && !slices.Contains(append(e.AlsoAcceptable, e.Category), d.Category) {
				t.Errorf("entry %d: %s not acceptable", i, d.Category)
			}
			// Real messages should be recognised, not fall through to the
			// scope fallback, except in test scope where the fallback is
			// the right answer anyway.
			if d.PatternID == "" && s != ScopeTest {
				t.Errorf("entry %d in scope %s: %q matched no pattern", i, s, e.Message)
			}
		}
	}
}
