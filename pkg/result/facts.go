package result

import "strings"

// The facts below are derived from a Run. Every sink (outputs, summary,
// annotations, SARIF, JUnit, Slack, post-mortem, pull request comment) asks
// them instead of deciding again what counts as a failure.

// IsWarning reports whether the org reported the component problem as a
// warning ("Warning", in any case): it is shown, but it is not a failure.
func (c ComponentFailure) IsWarning() bool {
	return strings.EqualFold(strings.TrimSpace(c.ProblemType), "Warning")
}

// Ref names the component as "Type:FullName" (the `failed-component`
// output), or FullName alone when the type is unknown.
func (c ComponentFailure) Ref() string {
	if c.Type == "" {
		return c.FullName
	}
	return c.Type + ":" + c.FullName
}

// ComponentErrors are the component failures that are errors, in the
// org's order; warnings are left out.
func (r *Run) ComponentErrors() []ComponentFailure {
	if r == nil || r.Deploy == nil {
		return nil
	}
	return filter(r.Deploy.ComponentFailures, func(c ComponentFailure) bool { return !c.IsWarning() })
}

// filter returns the items of xs that keep accepts, in order.
func filter[T any](xs []T, keep func(T) bool) []T {
	var out []T
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// HasComponentErrors reports whether a component failed; warnings aside.
func (d *Deploy) HasComponentErrors() bool {
	return d != nil && len(filter(d.ComponentFailures, func(c ComponentFailure) bool { return !c.IsWarning() })) > 0
}

// FirstComponentError is the first component failure that is an error.
func (r *Run) FirstComponentError() (ComponentFailure, bool) {
	if r == nil || r.Deploy == nil {
		return ComponentFailure{}, false
	}
	for _, c := range r.Deploy.ComponentFailures {
		if !c.IsWarning() {
			return c, true
		}
	}
	return ComponentFailure{}, false
}

// IsFlaky reports whether the test ("Class.method") failed in the
// deployment and then passed when re-run alone.
func (r *Run) IsFlaky(fullName string) bool {
	if r == nil {
		return false
	}
	for _, n := range r.FlakyTests {
		if n == fullName {
			return true
		}
	}
	return false
}

// HardTestFailures are the failed tests that are not flaky: the ones that
// count as failures (the `failed-tests` output).
func (r *Run) HardTestFailures() []TestFailure {
	if r == nil || r.Deploy == nil {
		return nil
	}
	return filter(r.Deploy.TestFailures, func(t TestFailure) bool { return !r.IsFlaky(t.FullName()) })
}

// FailedTestNames are the full names of HardTestFailures.
func (r *Run) FailedTestNames() []string {
	var out []string
	for _, t := range r.HardTestFailures() {
		out = append(out, t.FullName())
	}
	return out
}

// PatternIDs are the catalog entries that matched the run's failures: the
// run-level diagnosis first, then component errors, hard test failures and
// coverage warnings. Empty ids are left out; each id appears once.
func (r *Run) PatternIDs() []string {
	if r == nil {
		return nil
	}
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if r.Error != nil {
		add(r.Error.PatternID)
	}
	for _, c := range r.ComponentErrors() {
		add(c.PatternID)
	}
	for _, t := range r.HardTestFailures() {
		add(t.PatternID)
	}
	if r.Deploy != nil {
		for _, w := range r.Deploy.CoverageWarnings {
			add(w.PatternID)
		}
	}
	return ids
}

// Or returns c, or def when c is empty or CategoryNone: the category of a
// failure item that the classifier left unset.
func (c Category) Or(def Category) Category {
	if c == "" || c == CategoryNone {
		return def
	}
	return c
}

// FailureCategories are the categories of the run's failures, most
// important first: the run's own, its diagnosis's and, when the run did not
// succeed, those of its component errors, hard test failures and coverage
// warnings. A run that succeeded has none beyond a failed diagnosis.
func (r *Run) FailureCategories() []Category {
	if r == nil {
		return nil
	}
	seen := map[Category]bool{}
	add := func(c Category) {
		if c != "" && c != CategoryNone {
			seen[c] = true
		}
	}
	if !r.Status.OK() {
		add(r.Category)
		for _, c := range r.ComponentErrors() {
			add(c.Category.Or(CategoryMetadata))
		}
		for _, t := range r.HardTestFailures() {
			add(t.Category.Or(CategoryTest))
		}
		if r.Deploy != nil {
			for _, w := range r.Deploy.CoverageWarnings {
				add(w.Category.Or(CategoryCoverage))
			}
		}
	}
	if r.Error != nil {
		add(r.Error.Category)
	}
	var out []Category
	for _, c := range Categories {
		if seen[c] {
			out = append(out, c)
		}
	}
	return out
}

// TopFailure names the most telling failure: the first component error
// ("ApexClass Foo"), else the first hard test failure, else the diagnosis
// pattern. Lines and messages are left out so that the same breakage keeps
// the same name while it is being fixed.
func (r *Run) TopFailure() string {
	if c, ok := r.FirstComponentError(); ok {
		return strings.TrimSpace(c.Type + " " + c.FullName)
	}
	if ts := r.HardTestFailures(); len(ts) > 0 {
		return ts[0].FullName()
	}
	if r != nil && r.Error != nil {
		return r.Error.PatternID
	}
	return ""
}
