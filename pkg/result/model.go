// Package result holds deploy-guard's own model of a Salesforce deployment
// outcome and the parsers that build it from the `sf --json` documents.
//
// Every renderer (annotations, step summary, JUnit, SARIF, issues, Slack)
// consumes these types; none of them reads raw sf JSON.
package result

// Category is the kind of a failure. Its string value is what the
// `failure-category` output carries.
type Category string

// The failure categories, in the order of importance used to pick the single
// `failure-category` output when a deployment fails for several reasons (see
// Priority). Config and auth problems hide everything behind them; metadata
// and dependency errors come before test results because tests do not run
// when components fail to compile.
const (
	CategoryNone       Category = "none"
	CategoryConfig     Category = "config"
	CategoryAuth       Category = "auth"
	CategoryDependency Category = "dependency"
	CategoryMetadata   Category = "metadata"
	CategoryLimits     Category = "limits"
	CategoryTest       Category = "test"
	CategoryCoverage   Category = "coverage"
	CategoryTimeout    Category = "timeout"
	CategoryTransient  Category = "transient"
	CategoryUnknown    Category = "unknown"
)

// Categories lists every category in priority order, most important first.
var Categories = []Category{
	CategoryConfig, CategoryAuth, CategoryDependency, CategoryMetadata,
	CategoryLimits, CategoryTest, CategoryCoverage, CategoryTimeout,
	CategoryTransient, CategoryUnknown, CategoryNone,
}

// Priority returns the rank of c in Categories (0 is the most important).
// Unknown strings rank just before CategoryNone.
func (c Category) Priority() int {
	for i, k := range Categories {
		if k == c {
			return i
		}
	}
	return len(Categories) - 1
}

// Valid reports whether c is one of the documented categories.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if k == c {
			return true
		}
	}
	return false
}

// Most returns the most important of the given categories, or CategoryNone.
func Most(cs ...Category) Category {
	best := CategoryNone
	for _, c := range cs {
		if c == "" {
			continue
		}
		if c.Priority() < best.Priority() {
			best = c
		}
	}
	return best
}

// Diagnosis is what the classifier attaches to a failure item.
type Diagnosis struct {
	// Category of the item.
	Category Category
	// Transient is true when retrying the same deployment may succeed.
	Transient bool
	// PatternID names the catalog entry that matched; empty when none did.
	PatternID string
	// Explanation says in one sentence what the error means.
	Explanation string
	// Fix is a concrete next step.
	Fix string
}

// Fallback reports whether no catalog pattern matched: the diagnosis is the
// classifier's structural guess (by scope, by what the message names, or by
// the shape of an sf error), not a recognised error.
func (d Diagnosis) Fallback() bool { return d.PatternID == "" }

// ComponentFailure is one entry of details.componentFailures, joined with the
// local file information from files[].
type ComponentFailure struct {
	// Type is the metadata type ("ApexClass", "CustomField"); empty for
	// package.xml-level failures.
	Type string
	// FullName is the component's API name ("Account.Region__c").
	FullName string
	// FileName is the path inside the deploy zip ("classes/Foo.cls").
	FileName string
	// FilePath is the local path reported by sf in files[]; may be absolute,
	// relative or empty.
	FilePath string
	// Line and Column are 1-based; 0 when unknown.
	Line, Column int
	// Problem is the server's error text.
	Problem string
	// ProblemType is "Error" or "Warning".
	ProblemType string
	Diagnosis
}

// TestFailure is one failed Apex test method.
type TestFailure struct {
	// Class is the test class name; Namespace its namespace prefix, if any.
	Class, Namespace string
	// Method is the test method name.
	Method     string
	Message    string
	StackTrace string
	// TimeMS is the run time in milliseconds.
	TimeMS float64
	Diagnosis
}

// FullName returns "Class.method" ("ns.Class.method" in a namespace), the
// form `sf apex run test --tests` takes (see TestName).
func (t TestFailure) FullName() string { return TestName(t.Namespace, t.Class, t.Method) }

// TestSuccess is one passed Apex test method.
type TestSuccess struct {
	Class, Namespace, Method string
	TimeMS                   float64
}

// FullName names the passed test as TestFailure.FullName names a failed
// one, so the same test has the same name whichever way it went.
func (t TestSuccess) FullName() string { return TestName(t.Namespace, t.Class, t.Method) }

// TestName is the one name of an Apex test method: "Class.method", or
// "ns.Class.method" when sf reports a namespace prefix (in its own
// namespace field, for failures and successes alike).
func TestName(namespace, class, method string) string {
	if namespace != "" {
		return namespace + "." + class + "." + method
	}
	return class + "." + method
}

// ClassCoverage is the code coverage of one Apex class or trigger.
type ClassCoverage struct {
	Name string
	// Type is "Class" or "Trigger".
	Type string
	// Locations is the number of coverable lines; NotCovered how many were not run.
	Locations, NotCovered int
	// UncoveredLines are 1-based line numbers, ascending.
	UncoveredLines []int
}

// Covered returns the number of covered locations.
func (c ClassCoverage) Covered() int { return c.Locations - c.NotCovered }

// Percent returns the coverage percentage, or 100 for a class with no
// coverable lines.
func (c ClassCoverage) Percent() float64 {
	if c.Locations <= 0 {
		return 100
	}
	return 100 * float64(c.Covered()) / float64(c.Locations)
}

// CoverageWarning is one codeCoverageWarnings entry. Name is empty for the
// org-wide warning.
type CoverageWarning struct {
	Name    string
	Message string
	Diagnosis
}

// Deploy is a parsed Metadata API DeployResult (`result` of a deploy command).
type Deploy struct {
	ID string
	// Status is the Metadata API status: Pending, InProgress, Succeeded,
	// SucceededPartial, Failed, Canceling, Canceled (and the CLI-only Queued).
	Status    string
	Done      bool
	Success   bool
	CheckOnly bool

	ComponentsTotal, ComponentsDeployed, ComponentErrors int
	TestsTotal, TestsCompleted, TestErrors               int

	// ErrorMessage and ErrorStatusCode describe a deploy-level failure.
	ErrorMessage, ErrorStatusCode string
	StateDetail                   string
	DeployURL                     string
	CreatedDate, CompletedDate    string

	ComponentFailures []ComponentFailure
	// ComponentSuccesses counts real components deployed (package.xml excluded).
	ComponentSuccesses int
	// Components lists the type and name of every component in the deployment.
	Components []Component

	TestFailures     []TestFailure
	TestSuccesses    []TestSuccess
	TestsRun         int
	TestTimeMS       float64
	Coverage         []ClassCoverage
	CoverageWarnings []CoverageWarning
}

// Component names one deployed component; Failed marks one that is also a
// component failure (not deployed).
type Component struct {
	Type, FullName, FileName string
	Failed                   bool
}

// Finished reports whether the deployment reached a final state.
func (d *Deploy) Finished() bool {
	switch d.Status {
	case "Succeeded", "SucceededPartial", "Failed", "Canceled":
		return true
	}
	return d.Done && d.Status != "InProgress" && d.Status != "Pending" && d.Status != "Canceling"
}

// Succeeded reports whether every component was deployed.
func (d *Deploy) Succeeded() bool { return d.Status == "Succeeded" }

// OrgCoverage returns the aggregate coverage percentage over Coverage, and
// false when there is no coverage data.
func (d *Deploy) OrgCoverage() (float64, bool) {
	total, notCovered := 0, 0
	for _, c := range d.Coverage {
		total += c.Locations
		notCovered += c.NotCovered
	}
	if total == 0 {
		return 0, false
	}
	return 100 * float64(total-notCovered) / float64(total), true
}

// TestRun is the parsed result of `sf apex run test --json`.
type TestRun struct {
	TestRunID string
	// Outcome is Passed, Failed, Completed, Processing, Queued, Aborted or Skipped.
	Outcome  string
	Passing  int
	Failing  int
	TestsRan int
	Failures []TestFailure
	Passes   []TestSuccess
}
