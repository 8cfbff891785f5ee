package classify

import (
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

func TestTextFallbacks(t *testing.T) {
	c := Default()
	cases := []struct {
		scope Scope
		want  result.Category
	}{
		{ScopeComponent, result.CategoryMetadata}, // a fallback, never unknown (issue 29)
		{ScopeTest, result.CategoryTest},
		{ScopeCoverage, result.CategoryCoverage},
		{ScopeError, result.CategoryUnknown},
		{Scope("bogus"), result.CategoryUnknown},
	}
	for _, tc := range cases {
		d := c.Text(tc.scope, "zzz nothing recognisable zzz")
		if d.Category != tc.want || d.PatternID != "" || d.Transient || !strings.HasPrefix(d.Explanation, fallbackMark) || d.Fix == "" {
			t.Errorf("%s: got %+v", tc.scope, d)
		}
	}
	var nilC *Classifier
	if d := nilC.Text(ScopeError, "ECONNRESET"); d.Category != result.CategoryTransient {
		t.Errorf("nil classifier: %+v", d)
	}
}

func TestTestScope(t *testing.T) {
	c := Default()
	cases := []struct {
		msg, stack string
		want       result.Category
		transient  bool
		pattern    string
	}{
		{"System.LimitException: Too many SOQL queries: 101", "Class.AccountTrigger: line 4, column 1", result.CategoryLimits, false, "too-many-soql-queries"},
		{"System.LimitException: Apex CPU time limit exceeded", "", result.CategoryLimits, false, "apex-cpu-time-limit"},
		{"System.LimitException: Too many query rows: 50001", "", result.CategoryLimits, false, "too-many-query-rows"},
		{"System.LimitException: Too many push notifications: 11", "", result.CategoryLimits, false, "governor-limit"},
		{"System.DmlException: Update failed. First exception on row 0 with id 001000000000001; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record or 1 records: 001000000000001: []", "Class.T.m: line 9", result.CategoryTest, true, "test-unable-to-lock-row"},
		// A transient platform error inside a test stays a (transient) test failure.
		{"System.CalloutException: UNKNOWN_EXCEPTION: An unexpected error occurred. Please include this ErrorId if you contact support: 1234567-890 (123456789)", "", result.CategoryTest, true, "test-unknown-exception"},
		{"System.NullPointerException: Attempt to de-reference a null object", "Class.QuoteService.price: line 12, column 1", result.CategoryTest, false, "test-null-pointer"},
		{"System.QueryException: List has no rows for assignment to SObject", "", result.CategoryTest, false, "test-query-no-rows"},
		{"System.DmlException: Insert failed. First exception on row 0; first error: MIXED_DML_OPERATION, DML operation on setup object is not permitted: []", "", result.CategoryTest, false, "test-mixed-dml"},
		// Dependency patterns do not apply to tests.
		{"System.DmlException: Insert failed. First exception on row 0; first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, Field Region__c does not exist. Check spelling.: []", "", result.CategoryTest, false, "test-validation-rule"},
		{"Something odd", "Class.X.y: line 1", result.CategoryTest, false, ""},
	}
	for _, tc := range cases {
		tf := result.TestFailure{Class: "T", Method: "m", Message: tc.msg, StackTrace: tc.stack}
		c.Test(&tf)
		if tf.Category != tc.want || tf.Transient != tc.transient || tf.PatternID != tc.pattern {
			t.Errorf("%q: got %s transient=%v %q, want %s transient=%v %q", tc.msg, tf.Category, tf.Transient, tf.PatternID, tc.want, tc.transient, tc.pattern)
		}
	}
}

func TestComponentUsesTypeAndWarnings(t *testing.T) {
	c := Default()
	f := result.ComponentFailure{Type: "LightningComponentBundle", FullName: "quoteTable", Problem: "something the compiler disliked", ProblemType: "Error"}
	c.Component(&f)
	if f.PatternID != "lwc-compile-error" || f.Category != result.CategoryMetadata {
		t.Fatalf("got %+v", f.Diagnosis)
	}
	w := result.ComponentFailure{Type: "ApexClass", FullName: "X", Problem: "Variable does not exist: y", ProblemType: "Warning"}
	c.Component(&w)
	if w.Category != result.CategoryDependency {
		t.Fatalf("warnings must be classified too: %+v", w.Diagnosis)
	}
	pkg := result.ComponentFailure{FileName: "package.xml", FullName: "Create_property", Problem: "An object 'Create_property' of type Flow was named in package.xml, but was not found in zipped directory"}
	c.Component(&pkg)
	if pkg.PatternID != "package-xml-member-missing" {
		t.Fatalf("got %+v", pkg.Diagnosis)
	}
}

func comp(problem string) result.ComponentFailure {
	return result.ComponentFailure{Type: "ApexClass", FullName: "A", Problem: problem, ProblemType: "Error"}
}

func TestDeployVerdict(t *testing.T) {
	cases := []struct {
		name      string
		d         result.Deploy
		want      result.Category
		transient bool
		reason    string
	}{
		{"success", result.Deploy{Status: "Succeeded", Done: true, Success: true}, result.CategoryNone, false, "deployment succeeded"},
		{"in progress", result.Deploy{Status: "InProgress"}, result.CategoryNone, false, "deployment not finished (status InProgress)"},
		{"all transient", result.Deploy{Status: "Failed", Done: true, ComponentFailures: []result.ComponentFailure{
			comp("UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record"),
			comp("UNKNOWN_EXCEPTION: An unexpected error occurred. Please include this ErrorId if you contact support: 1-2"),
		}}, result.CategoryTransient, true, "2 component failures (transient: UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record)"},
		{"one not transient", result.Deploy{Status: "Failed", Done: true, ComponentFailures: []result.ComponentFailure{
			comp("UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record"),
			comp("Variable does not exist: x"),
		}}, result.CategoryDependency, false, "2 component failures (dependency: Variable does not exist: x)"},
		{"transient test failures only", result.Deploy{Status: "Failed", Done: true, TestFailures: []result.TestFailure{
			{Class: "T", Method: "a", Message: "System.DmlException: Insert failed. First exception on row 0; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []"},
			{Class: "T", Method: "b", Message: "Internal Salesforce Error"},
		}}, result.CategoryTest, true, "2 test failures (test: T.a: System.DmlException"},
		{"metadata beats tests and coverage", result.Deploy{Status: "Failed", Done: true,
			ComponentFailures: []result.ComponentFailure{comp("Unexpected token '}'.")},
			TestFailures:      []result.TestFailure{{Class: "T", Method: "a", Message: "System.AssertException: Assertion Failed"}},
			CoverageWarnings:  []result.CoverageWarning{{Message: "Average test coverage across all Apex Classes and Triggers is 10%, at least 75% test coverage is required."}},
		}, result.CategoryMetadata, false, "1 component failure, 1 test failure, 1 coverage warning (metadata: Unexpected token '}'.)"},
		{"limits beat test", result.Deploy{Status: "Failed", Done: true, TestFailures: []result.TestFailure{
			{Class: "T", Method: "a", Message: "System.AssertException: Assertion Failed"},
			{Class: "T", Method: "b", Message: "System.LimitException: Too many SOQL queries: 101"},
		}}, result.CategoryLimits, false, "2 test failures (limits: T.b: System.LimitException: Too many SOQL queries: 101)"},
		{"coverage only when failed", result.Deploy{Status: "Succeeded", Done: true, Success: true,
			CoverageWarnings: []result.CoverageWarning{{Name: "A", Message: "Test coverage of selected Apex Class is 50%, at least 75% test coverage is required"}},
		}, result.CategoryNone, false, "deployment succeeded"},
		{"coverage failure", result.Deploy{Status: "Failed", Done: true,
			CoverageWarnings: []result.CoverageWarning{{Name: "A", Message: "Test coverage of selected Apex Class is 50%, at least 75% test coverage is required"}},
		}, result.CategoryCoverage, false, "1 coverage warning (coverage: Test coverage of selected Apex Class is 50%"},
		{"warnings are not failures", result.Deploy{Status: "Failed", Done: true, ErrorStatusCode: "ALREADY_IN_PROCESS",
			ErrorMessage:      "The changes you requested require salesforce.com to temporarily lock your organization's administration setup.",
			ComponentFailures: []result.ComponentFailure{{Type: "ApexClass", FullName: "A", Problem: "Variable does not exist: x", ProblemType: "Warning"}},
		}, result.CategoryTransient, true, "deployment Failed (transient: ALREADY_IN_PROCESS: The changes"},
		{"failed without items", result.Deploy{Status: "Failed", Done: true, ErrorStatusCode: "UNKNOWN_EXCEPTION", ErrorMessage: "An unexpected error occurred. Please include this ErrorId if you contact support: 193357600-12117"},
			result.CategoryTransient, true, "deployment Failed (transient: UNKNOWN_EXCEPTION: An unexpected error"},
		{"failed without anything", result.Deploy{Status: "Canceled", Done: true}, result.CategoryUnknown, false, "deployment Canceled without error details"},
		{"partial success", result.Deploy{Status: "SucceededPartial", Done: true, Success: true, ComponentFailures: []result.ComponentFailure{comp("Invalid type: Foo")}},
			result.CategoryDependency, false, "1 component failure (dependency: Invalid type: Foo)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			v := Default().Deploy(&d)
			if v.Category != tc.want || v.Transient != tc.transient || !strings.HasPrefix(v.Reason, tc.reason) {
				t.Fatalf("got %s transient=%v %q\nwant %s transient=%v %q", v.Category, v.Transient, v.Reason, tc.want, tc.transient, tc.reason)
			}
			if v.Category != result.CategoryNone && v.Diagnosis.Category != v.Category {
				t.Fatalf("diagnosis %+v does not match the verdict", v.Diagnosis)
			}
			for _, f := range d.ComponentFailures {
				if f.Diagnosis.Category == "" {
					t.Fatal("component failure not classified in place")
				}
			}
			for _, w := range d.CoverageWarnings {
				if w.Diagnosis.Category != result.CategoryCoverage {
					t.Fatal("coverage warning not classified in place")
				}
			}
		})
	}
	if v := Default().Deploy(nil); v.Category != result.CategoryNone {
		t.Fatal(v)
	}
}

func TestErrorVerdict(t *testing.T) {
	c := Default()
	cases := []struct {
		name, msg string
		exit      int
		want      result.Category
		transient bool
		pattern   string
	}{
		{"ClientTimeoutError", `The command has timed out, although the deployment is still running. Use "sf project deploy resume" to resume watching the deployment.`, 1, result.CategoryTimeout, false, "client-timeout"},
		{"ClientTimeoutError", "reworded in a future CLI", 1, result.CategoryTimeout, false, "client-timeout"},
		{"Error", "deploy still running", 69, result.CategoryTimeout, false, "client-timeout"},
		{"MetadataTransferError", "Metadata API request failed: The client has timed out.", 1, result.CategoryTimeout, false, "polling-client-timeout"},
		{"MetadataTransferError", "Metadata API request failed: Exceeded maximum of 1000 consecutive retryable errors. Last error: socket hang up", 1, result.CategoryTransient, true, "retry-limit-network"},
		{"sf:INVALID_SESSION_ID", "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session", 1, result.CategoryAuth, false, "invalid-session-id"},
		{"NamedOrgNotFoundError", "No authorization information found for prod.", 2, result.CategoryAuth, false, "named-org-not-found"},
		{"RefreshTokenAuthError", "Error authenticating with the refresh token due to: expired access/refresh token", 10, result.CategoryAuth, false, "expired-refresh-token"},
		{"invalid_grant", "expired access/refresh token", 1, result.CategoryAuth, false, "expired-refresh-token"},
		{"NoTestsSpecifiedError", "You must specify tests using the --tests flag if the --test-level flag is set to RunSpecifiedTests.", 1, result.CategoryConfig, false, "no-tests-specified"},
		{"Error", "Unexpected argument: force-app\nSee more help with --help", 2, result.CategoryConfig, false, "unexpected-argument"},
		{"Error", "Nonexistent flag: --target\nSee more help with --help", 2, result.CategoryConfig, false, "flag-expects-value"},
		{"SourceConflictError", "3 conflicts detected", 1, result.CategoryMetadata, false, "source-conflict"},
		{"ERROR_HTTP_503", "Service Unavailable", 1, result.CategoryTransient, true, "server-unavailable"},
		{"TypeError", "Cannot read properties of undefined (reading 'map')", 10, result.CategoryUnknown, false, ""},
	}
	for _, tc := range cases {
		v := c.Error(tc.name, tc.msg, tc.exit)
		if v.Category != tc.want || v.Transient != tc.transient || v.Diagnosis.PatternID != tc.pattern || v.Reason == "" {
			t.Errorf("%s %q exit %d: got %s transient=%v %q, want %s transient=%v %q", tc.name, tc.msg, tc.exit,
				v.Category, v.Transient, v.Diagnosis.PatternID, tc.want, tc.transient, tc.pattern)
		}
	}
}

func TestSummarize(t *testing.T) {
	if got := summarize("  first line\r\nsecond"); got != "first line" {
		t.Fatal(got)
	}
	long := strings.Repeat("é", 300)
	if got := summarize(long); len([]rune(got)) != maxSummary || !strings.HasSuffix(got, "…") {
		t.Fatal(got)
	}
}

// A first line that leads in to the reason ("Due To:") keeps the reason.
func TestReasonKeepsTheLinesAfterALeadIn(t *testing.T) {
	v := Default().Error("FailedValidationError", "Failed to validate the deployment (0Af1). Due To:\r\nError in Agent - Failure to create template\r\n\r\n1 component error(s)", 1)
	if want := "FailedValidationError: Failed to validate the deployment (0Af1). Due To: Error in Agent - Failure to create template"; v.Reason != want {
		t.Errorf("reason %q, want %q", v.Reason, want)
	}
	v = Default().Error("Error", "Nonexistent flag: --loglevel\nSee more help with --help", 2)
	if want := "Error: Nonexistent flag: --loglevel"; v.Reason != want {
		t.Errorf("reason %q, want %q", v.Reason, want)
	}
}
