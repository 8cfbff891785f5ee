package classify

import (
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

// The structural rules of issue 29, each with real messages of the
// development part of the corpus (testdata/real-world-errors.json), given
// the name and exit code sf reports with them.

// TestErrorNameAndExitCodeFirst: a CLI error's name and exit code decide
// before its wording.
func TestErrorNameAndExitCodeFirst(t *testing.T) {
	cases := []struct {
		name, msg string
		exit      int
		want      result.Category
		pattern   string
	}{
		// The project, not the org: the wording ("does not exist") alone
		// would say a missing dependency.
		{"InvalidProjectWorkspaceError", "/home/runner/work/app/force-app does not exist", 1, result.CategoryConfig, "invalid-project-workspace"},
		// Real messages with their envelope's name.
		{"InvalidProjectWorkspaceError", "This directory does not contain a valid Salesforce DX project.", 1, result.CategoryConfig, "invalid-project-workspace"},
		{"TypeInferenceError", "/Users/jonathanfox/Desktop/coral-cloud/cc-employee-app/main/default/genAiPlugins/Customer_Service_Assistant.genAiPlugin-meta.xml: Could not infer a metadata type", 1, result.CategoryConfig, "source-not-recognised"},
		{"NamedOrgNotFoundError", "Parsing --target-org \n        No authorization information found for A.\nSee more help with --help", 2, result.CategoryAuth, "named-org-not-found"},
		{"NoMatchingJobIdError", "No matching job found in cache for ID: <deploy_id>", 1, result.CategoryConfig, "invalid-deploy-id"},
		// sf's human form carries the name or the exit code.
		{"", "Error (NoMatchingJobIdError): No matching job found in cache for ID: <deploy_id>", 1, result.CategoryConfig, "invalid-deploy-id"},
		{"", "Error (1): Nonexistent flag: --target-org", 1, result.CategoryConfig, "flag-expects-value"},
		// Exit code 2 is a usage error whatever the words.
		{"Error", "Error (2): Unexpected argument: force-app", 2, result.CategoryConfig, "unexpected-argument"},
		{"Error", "Provide only one tests array.", 2, result.CategoryConfig, "test-class-invalid"},
		{"Error", "The specified path [sfdc/] does not exist", 2, result.CategoryConfig, "path-not-found"},
		{"Error", "Cannot read properties of undefined (reading 'getField')", 2, result.CategoryConfig, "cli-usage-error"},
		{"", "Error (2): Cannot read properties of undefined (reading 'getField')", 1, result.CategoryConfig, "cli-usage-error"},
		{"ExclusiveFlagsError", "--manifest cannot also be provided when using --source-dir", 1, result.CategoryConfig, "cli-usage-error"},
		// A code as name (platform, OAuth) does not outrank the message.
		{"ERROR_HTTP_420", "HTTP response contains html content.\nCheck that the org exists and can be reached.\nSee error.content for the full html response.", 1, result.CategoryAuth, "org-unreachable-html"},
		// A generic name says nothing: the wording decides.
		{"SfError", "undefinedComponentSet", 1, result.CategoryUnknown, ""},
		{"Error", "Cannot read properties of undefined (reading 'Status')", 1, result.CategoryUnknown, ""},
		{"ClientTimeoutError", "The command has timed out, although the deployment is still running.", 69, result.CategoryTimeout, "client-timeout"},
	}
	for _, tc := range cases {
		v := Default().Error(tc.name, tc.msg, tc.exit)
		if v.Category != tc.want || v.Diagnosis.PatternID != tc.pattern {
			t.Errorf("%s %.60q exit %d: got %s %q, want %s %q", tc.name, tc.msg, tc.exit, v.Category, v.Diagnosis.PatternID, tc.want, tc.pattern)
		}
	}
}

// TestNetworkFailuresAreTransient: a request that failed at the network
// level is transient at submit, report or login; timeout is only for a
// client that stopped waiting while the job runs.
func TestNetworkFailuresAreTransient(t *testing.T) {
	cases := []struct {
		name, msg string
		want      result.Category
	}{
		{"FetchError", "request to /services/Soap/m/57.0 failed, reason: Socket connection timeout", result.CategoryTransient},
		{"", "request to mysandboxorg.com failed, reason: connect ETIMEDOUT 13.110.45.70:443", result.CategoryTransient},
		{"", "ERROR:  Error: socket hang up", result.CategoryTransient},
		{"MetadataTransferError", "Metadata API request failed: read ECONNRESET", result.CategoryTransient},
		{"", "Metadata API request failed: request to https://../services/Soap/m/##.0 failed, reason: getaddrinfo EAI_AGAIN", result.CategoryTransient},
		{"ERROR_HTTP_503", "upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: delayed connect", result.CategoryTransient},
		{"RefreshTokenAuthError", "Error authenticating with the refresh token due to: request to https://login.salesforce.com/services/oauth2/token failed, reason: socket hang up", result.CategoryTransient},
		// The client stopped waiting for a running job.
		{"", "ERROR: Socket timeout occurred while listening for results. Try this: You may consider increasing the --wait parameter value to increase timeout.", result.CategoryTimeout},
		{"MetadataTransferError", "Metadata API request failed: The client has timed out.", result.CategoryTimeout},
		{"", "Polling time out. Process Id = 0Af0v00000kKFAyCAO", result.CategoryTimeout},
	}
	for _, tc := range cases {
		v := Default().Error(tc.name, tc.msg, 1)
		if v.Category != tc.want || v.Transient != (tc.want == result.CategoryTransient) {
			t.Errorf("%s %.70q: got %s transient=%v (%q), want %s", tc.name, tc.msg, v.Category, v.Transient, v.Diagnosis.PatternID, tc.want)
		}
	}
}

// TestPlatformErrorInTestChain: UNKNOWN_EXCEPTION or UNABLE_TO_LOCK_ROW in
// a test's exception chain is a transient test failure whatever wraps it.
// The wrappers and the platform errors are real development-part messages.
func TestPlatformErrorInTestChain(t *testing.T) {
	gack := "UNKNOWN_EXCEPTION: An unexpected error occurred. Please include this ErrorId if you contact support: 508427120-81803 (1757138810)"
	cases := []string{
		"System.DmlException: Insert failed. First exception on row 0; first error: " + gack,
		"System.DmlException: Insert failed. First exception on row 0; first error: CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY, qsyd_FE.ContentDocumentTrigger: execution of AfterUpdate caused by: System.DmlException: Update failed. First exception on row 0; first error: " + gack + ": []",
		"System.DmlException: Insert failed. First exception on row 0; first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, Failed to create Account: " + gack,
		"System.AsyncException: " + gack,
		"System.DmlException: Upsert failed. First exception on row 0; first error: UNKNOWN_EXCEPTION, Total Requests Limit: []",
		"System.DmlException: Update failed. First exception on row 0 with id 0015g00000XyZab; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []",
	}
	for _, msg := range cases {
		tf := result.TestFailure{Class: "T", Method: "m", Message: msg, StackTrace: "Class.T.m: line 9, column 1"}
		Default().Test(&tf)
		if tf.Category != result.CategoryTest || !tf.Transient {
			t.Errorf("%.90q: got %s transient=%v (%q), want a transient test failure", msg, tf.Category, tf.Transient, tf.PatternID)
		}
	}
}

// TestCoverageInOtherWords: coverage failures worded differently, also
// when they reach deploy-guard as an error or a component problem, and a
// coverage warning whatever its wording.
func TestCoverageInOtherWords(t *testing.T) {
	cases := []struct {
		scope Scope
		msg   string
	}{
		{ScopeError, "triggers have 0% code coverage. Each trigger must have at least 1% code coverage."},
		{ScopeComponent, "triggers have 0% code coverage. Each trigger must have at least 1% code coverage."},
		{ScopeError, "Deployment CompleteCode coverage issue -- Average test coverage across all Apex Classes and Triggers is 73%, at least 75% test coverage is required."},
		{ScopeError, "Code coverage is insufficient. Current coverage is 68%, but 75% is required."},
		{ScopeCoverage, "Test coverage of selected Apex Trigger is 0%, at least 75% test coverage is required. Request limit exceeded? No: Internal Server Error"},
	}
	for _, tc := range cases {
		d := Default().Text(tc.scope, tc.msg)
		if d.Category != result.CategoryCoverage || d.Transient {
			t.Errorf("%s %.80q: got %s transient=%v (%q), want coverage", tc.scope, tc.msg, d.Category, d.Transient, d.PatternID)
		}
	}
}

// TestNamedBuiltinPatternsExist: every built-in id the code names exists.
func TestNamedBuiltinPatternsExist(t *testing.T) {
	ids := map[string]bool{}
	for _, p := range Builtin() {
		ids[p.ID] = true
	}
	for _, id := range append(append([]string{"client-timeout", "cli-usage-error"}, networkPatterns...), typeFallbacks...) {
		if !ids[id] {
			t.Errorf("classify.go names %q, which is not in catalog.yaml", id)
		}
	}
}

// TestFailedTestIsATestFailure: a failed test is a test failure or a
// governor limit whatever words its exception carries; no built-in auth,
// config or timeout entry decides it (messages written for this test: the
// development part has none that reach such an entry).
func TestFailedTestIsATestFailure(t *testing.T) {
	cases := []struct {
		msg       string
		want      result.Category
		transient bool
	}{
		{"System.CalloutException: Read timed out", result.CategoryTest, false},
		{"System.CalloutException: Unauthorized endpoint; INVALID_SESSION_ID: Session expired or invalid", result.CategoryTest, false},
		{"System.StringException: Invalid id: no such file or directory", result.CategoryTest, false},
		{"System.LimitException: Too many SOQL queries: 101", result.CategoryLimits, false},
		{"System.DmlException: Insert failed. First exception on row 0; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []", result.CategoryTest, true},
	}
	for _, tc := range cases {
		tf := result.TestFailure{Class: "T", Method: "m", Message: tc.msg}
		Default().Test(&tf)
		if tf.Category != tc.want || tf.Transient != tc.transient {
			t.Errorf("%.80q: got %s transient=%v (%q), want %s transient=%v", tc.msg, tf.Category, tf.Transient, tf.PatternID, tc.want, tc.transient)
		}
	}
}
