package result

import (
	"reflect"
	"strings"
	"testing"
)

// TestFacts is the one definition of what counts as a failure. Every sink
// (outputs, summary, annotations, SARIF, Slack, post-mortem) reads these
// facts, so a change here changes all of them together.
func TestFacts(t *testing.T) {
	t.Parallel()
	comp := func(typ, name, problemType, pattern string, cat Category) ComponentFailure {
		return ComponentFailure{Type: typ, FullName: name, ProblemType: problemType, Diagnosis: Diagnosis{Category: cat, PatternID: pattern}}
	}
	test := func(class, method, pattern string, cat Category) TestFailure {
		return TestFailure{Class: class, Method: method, Diagnosis: Diagnosis{Category: cat, PatternID: pattern}}
	}
	type facts struct {
		errors, warnings []string
		first            string
		hard, flaky      []string
		patterns         []string
		categories       []Category
		top              string
	}
	tests := []struct {
		name string
		run  *Run
		want facts
	}{
		{name: "nil run", run: nil, want: facts{}},
		{name: "no deploy result: the diagnosis decides",
			run:  &Run{Status: StatusFailed, Category: CategoryAuth, Error: &Diagnosis{Category: CategoryAuth, PatternID: "expired-access"}},
			want: facts{patterns: []string{"expired-access"}, categories: []Category{CategoryAuth}, top: "expired-access"}},
		{name: "a warning first is not the failed component, in any case",
			run: &Run{Status: StatusFailed, Category: CategoryMetadata, Deploy: &Deploy{ComponentFailures: []ComponentFailure{
				comp("CustomObject", "Invoice__c", "warning", "deprecated", CategoryMetadata),
				comp("ApexClass", "Invoice", "Error", "variable-does-not-exist", CategoryMetadata),
				comp("Layout", "Invoice Layout", " Warning ", "", ""),
				comp("", "package.xml", "", "", CategoryDependency),
			}}},
			want: facts{errors: []string{"ApexClass:Invoice", "package.xml"}, warnings: []string{"CustomObject:Invoice__c", "Layout:Invoice Layout"},
				first: "ApexClass:Invoice", patterns: []string{"variable-does-not-exist"},
				categories: []Category{CategoryDependency, CategoryMetadata}, top: "ApexClass Invoice"}},
		{name: "only warnings: no failed component, no component category",
			run: &Run{Status: StatusFailed, Category: CategoryTest, Deploy: &Deploy{
				ComponentFailures: []ComponentFailure{comp("CustomObject", "A__c", "WARNING", "", CategoryMetadata)},
				TestFailures:      []TestFailure{test("ATest", "it", "", "")}}},
			want: facts{warnings: []string{"CustomObject:A__c"}, hard: []string{"ATest.it"},
				categories: []Category{CategoryTest}, top: "ATest.it"}},
		{name: "flaky tests are not failures",
			run: &Run{Status: StatusFailed, Category: CategoryTest, FlakyTests: []string{"ns.FlakyTest.sometimes"},
				Deploy: &Deploy{TestFailures: []TestFailure{
					{Namespace: "ns", Class: "FlakyTest", Method: "sometimes", Diagnosis: Diagnosis{Category: CategoryTransient, PatternID: "row-lock"}},
					test("HardTest", "always", "assertion-failed", CategoryTest),
				}, CoverageWarnings: []CoverageWarning{{Name: "A", Diagnosis: Diagnosis{PatternID: "low-coverage"}}}}},
			want: facts{hard: []string{"HardTest.always"}, flaky: []string{"ns.FlakyTest.sometimes"},
				patterns: []string{"assertion-failed", "low-coverage"}, categories: []Category{CategoryTest, CategoryCoverage}, top: "HardTest.always"}},
		{name: "recovered run: flaky only, nothing failed",
			run: &Run{Status: StatusRecovered, Category: CategoryNone, FlakyTests: []string{"T.m"},
				Deploy: &Deploy{TestFailures: []TestFailure{test("T", "m", "row-lock", CategoryTransient)}}},
			want: facts{flaky: []string{"T.m"}}},
		{name: "duplicate pattern ids appear once",
			run: &Run{Status: StatusFailed, Category: CategoryMetadata, Error: &Diagnosis{PatternID: "p"}, Deploy: &Deploy{ComponentFailures: []ComponentFailure{
				comp("ApexClass", "A", "Error", "p", ""), comp("ApexClass", "B", "Error", "q", "")}}},
			want: facts{errors: []string{"ApexClass:A", "ApexClass:B"}, first: "ApexClass:A", patterns: []string{"p", "q"},
				categories: []Category{CategoryMetadata}, top: "ApexClass A"}},
	}
	refs := func(cs []ComponentFailure) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Ref())
		}
		return out
	}
	names := func(ts []TestFailure) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.FullName())
		}
		return out
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.run
			first, ok := r.FirstComponentError()
			var warnings []ComponentFailure
			var flaky []TestFailure
			if r != nil && r.Deploy != nil {
				warnings = filter(r.Deploy.ComponentFailures, ComponentFailure.IsWarning)
				flaky = filter(r.Deploy.TestFailures, func(t TestFailure) bool { return r.IsFlaky(t.FullName()) })
			}
			got := facts{
				errors: refs(r.ComponentErrors()), warnings: refs(warnings),
				hard: names(r.HardTestFailures()), flaky: names(flaky),
				patterns: r.PatternIDs(), categories: r.FailureCategories(), top: r.TopFailure(),
			}
			if ok {
				got.first = first.Ref()
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("facts:\n got %+v\nwant %+v", got, tt.want)
			}
			if n := strings.Join(r.FailedTestNames(), ","); n != strings.Join(tt.want.hard, ",") {
				t.Errorf("FailedTestNames = %q, want the hard failures", n)
			}
		})
	}
}

func TestCategoryOr(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ c, def, want Category }{
		{"", CategoryTest, CategoryTest}, {CategoryNone, CategoryTest, CategoryTest}, {CategoryAuth, CategoryTest, CategoryAuth},
	} {
		if got := tt.c.Or(tt.def); got != tt.want {
			t.Errorf("%q.Or(%q) = %q, want %q", tt.c, tt.def, got, tt.want)
		}
	}
}
