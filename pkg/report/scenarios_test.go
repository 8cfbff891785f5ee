package report

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/result"
)

// testProject is the sample SFDX project of the repository, with the
// repository root as Root so paths read "testdata/project/force-app/...".
func testProject(t testing.TB) Project {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return Project{Root: root, Dir: filepath.Join(root, "testdata", "project"), PackageDirs: []string{"force-app"}}
}

func attempt(n int, kind, cmd string, d time.Duration, code int, outcome string, c result.Category, decision string, delay time.Duration) result.Attempt {
	return result.Attempt{Number: n, Kind: kind, Command: cmd, Duration: d, ExitCode: code, Outcome: outcome, Category: c, Decision: decision, Delay: delay, DeployID: "0Af5g00000ABCDEFGH"}
}

const deployCmd = "sf project deploy start --manifest manifest/package.xml --target-org ci --test-level RunLocalTests --wait 30 --json"

// scenarios are hand-made runs covering each kind of outcome.
func scenarios() map[string]*result.Run {
	compile := &result.Run{
		Status: result.StatusFailed, Category: result.CategoryMetadata, Mode: "deploy", TargetOrg: "ci", DeployID: "0Af5g00000ABCDEFGH",
		Message:  "1 component failed to deploy: InvoiceService (ApexClass)",
		Attempts: []result.Attempt{attempt(1, "deploy", deployCmd, 95*time.Second, 1, "Failed: 1 component error", result.CategoryMetadata, "stop: component errors are not retried", 0)},
		Deploy: &result.Deploy{ID: "0Af5g00000ABCDEFGH", Status: "Failed", Done: true, ComponentsTotal: 12, ComponentsDeployed: 11, ComponentErrors: 1,
			ComponentFailures: []result.ComponentFailure{{
				Type: "ApexClass", FullName: "InvoiceService", FileName: "classes/InvoiceService.cls", Line: 5, Column: 20,
				Problem: "Variable does not exist: amount", ProblemType: "Error",
				Diagnosis: result.Diagnosis{Category: result.CategoryMetadata, PatternID: "apex-variable-missing", Explanation: "The Apex code uses a variable or field that is not declared.", Fix: "Declare the variable or correct its name."},
			}}},
		NextSteps: []string{"sf project deploy report --job-id 0Af5g00000ABCDEFGH --target-org ci"},
	}
	dependency := &result.Run{
		Status: result.StatusFailed, Category: result.CategoryDependency, Mode: "validate", TargetOrg: "uat", DeployID: "0Af5g00000DEPENDS1",
		Message:  "2 components reference missing metadata",
		Attempts: []result.Attempt{attempt(1, "validate", "sf project deploy validate --source-dir force-app --target-org uat --json", 42*time.Second, 1, "Failed: 2 component errors", result.CategoryDependency, "stop: dependency errors are not retried", 0)},
		Deploy: &result.Deploy{ID: "0Af5g00000DEPENDS1", Status: "Failed", Done: true, CheckOnly: true, ComponentsTotal: 8, ComponentsDeployed: 6, ComponentErrors: 2,
			ComponentFailures: []result.ComponentFailure{
				{Type: "Layout", FullName: "Invoice__c-Invoice Layout", FileName: "layouts/Invoice__c-Invoice Layout.layout", Problem: "In field: field - no CustomField named Invoice__c.Discount__c found", ProblemType: "Error",
					Diagnosis: result.Diagnosis{Category: result.CategoryDependency, PatternID: "missing-field", Explanation: "The layout refers to a field that is neither in the org nor in the deployment.", Fix: "Add Invoice__c.Discount__c to the deployment or remove it from the layout."}},
				{Type: "CustomField", FullName: "Invoice__c.Region__c", FileName: "objects/Invoice__c.object", Problem: "Field Region_Code__c does not exist. Check spelling.", ProblemType: "Error",
					Diagnosis: result.Diagnosis{Category: result.CategoryDependency, PatternID: "missing-field", Explanation: "The formula refers to a field that does not exist.", Fix: "Deploy Region_Code__c first."}},
				{Type: "CustomObject", FullName: "Invoice__c", FileName: "objects/Invoice__c.object", Problem: "Setting sharingModel is deprecated", ProblemType: "Warning"},
			}}}
	tests := &result.Run{
		Status: result.StatusFailed, Category: result.CategoryTest, Mode: "deploy", TargetOrg: "ci", DeployID: "0Af5g00000TESTS001",
		Message: "2 Apex tests failed",
		Attempts: []result.Attempt{
			attempt(1, "deploy", deployCmd, 3*time.Minute+12*time.Second, 1, "Failed: 3 test failures", result.CategoryTest, "re-run the failed tests alone", 0),
			attempt(1, "rerun-tests", "sf apex run test --tests InvoiceServiceTest.addsTax,InvoiceServiceTest.totalsAmounts,TaxCalculatorTest.rounds --target-org ci --synchronous --json", 20*time.Second, 1, "1 passed, 2 failed", result.CategoryTest, "stop: 2 tests fail again", 0),
		},
		FlakyTests: []string{"TaxCalculatorTest.rounds"},
		Notes:      []string{"1 test(s) passed when re-run alone (flaky), but 2 failed again: the deployment stays failed."},
		Deploy: &result.Deploy{ID: "0Af5g00000TESTS001", Status: "Failed", Done: true, ComponentsTotal: 20, ComponentsDeployed: 20, TestsTotal: 10, TestsCompleted: 10, TestErrors: 3, TestsRun: 10, TestTimeMS: 5321,
			TestFailures: []result.TestFailure{
				{Class: "InvoiceServiceTest", Method: "addsTax", Message: "System.AssertException: Assertion Failed: EU VAT is 20%: Expected: 120, Actual: 100", StackTrace: "Class.InvoiceServiceTest.addsTax: line 21, column 1", TimeMS: 311,
					Diagnosis: result.Diagnosis{Category: result.CategoryTest, PatternID: "apex-assertion", Explanation: "An assertion in the test did not hold.", Fix: "Fix the code under test or the expectation."}},
				{Class: "InvoiceServiceTest", Method: "totalsAmounts", Message: "System.NullPointerException: Attempt to de-reference a null object", StackTrace: "Class.TaxCalculator.taxFor: line 3, column 1\nClass.InvoiceService.totalWithTax: line 12, column 1\nClass.InvoiceServiceTest.totalsAmounts: line 8, column 1", TimeMS: 95,
					Diagnosis: result.Diagnosis{Category: result.CategoryTest, PatternID: "apex-null-pointer"}},
				{Class: "TaxCalculatorTest", Method: "rounds", Message: "System.DmlException: UNABLE_TO_LOCK_ROW", StackTrace: "Class.TaxCalculatorTest.rounds: line 4, column 1", TimeMS: 1200,
					Diagnosis: result.Diagnosis{Category: result.CategoryTransient, Transient: true, PatternID: "unable-to-lock-row"}},
			},
			TestSuccesses: []result.TestSuccess{
				{Class: "InvoiceServiceTest", Method: "ignoresEmptyAmounts", TimeMS: 40},
				{Class: "TaxCalculatorTest", Method: "eu", TimeMS: 30},
				{Class: "TaxCalculatorTest", Method: "us", TimeMS: 31},
				{Class: "ns", Namespace: "pkg", Method: "works", TimeMS: 10},
			}}}
	coverage := &result.Run{
		Status: result.StatusFailed, Category: result.CategoryCoverage, Mode: "deploy", TargetOrg: "prod", DeployID: "0Af5g00000COVERAGE",
		Message:  "Code coverage 58.3% is below the required 75%",
		Attempts: []result.Attempt{attempt(1, "deploy", deployCmd, 4*time.Minute, 1, "Failed: code coverage", result.CategoryCoverage, "stop: coverage failures are not retried", 0)},
		Deploy: &result.Deploy{ID: "0Af5g00000COVERAGE", Status: "Failed", Done: true, ComponentsTotal: 5, ComponentsDeployed: 5, TestsRun: 3,
			TestSuccesses: []result.TestSuccess{{Class: "InvoiceServiceTest", Method: "totalsAmounts", TimeMS: 20}},
			Coverage: []result.ClassCoverage{
				{Name: "InvoiceService", Type: "Class", Locations: 8, NotCovered: 3, UncoveredLines: []int{10, 11, 12}},
				{Name: "TaxCalculator", Type: "Class", Locations: 6, NotCovered: 4, UncoveredLines: []int{3, 5, 6, 8}},
				{Name: "InvoiceTrigger", Type: "Trigger", Locations: 10, NotCovered: 3, UncoveredLines: []int{2, 3, 9}},
			},
			CoverageWarnings: []result.CoverageWarning{
				{Name: "TaxCalculator", Message: "Test coverage of selected Apex Class is 33.333%, at least 75% test coverage is required", Diagnosis: result.Diagnosis{Category: result.CategoryCoverage}},
				{Message: "Average test coverage across all Apex Classes and Triggers is 58%, at least 75% test coverage is required.", Diagnosis: result.Diagnosis{Category: result.CategoryCoverage, Explanation: "Production deployments need 75% coverage overall.", Fix: "Write tests for the classes in the coverage table."}},
			}}}
	recovered := &result.Run{
		Status: result.StatusRecovered, Category: result.CategoryNone, Mode: "deploy", TargetOrg: "ci", DeployID: "0Af5g00000RECOVER2",
		Message: "Deployed after 2 attempts (transient UNABLE_TO_LOCK_ROW)",
		Attempts: []result.Attempt{
			attempt(1, "deploy", deployCmd, 61*time.Second, 1, "Failed: UNABLE_TO_LOCK_ROW", result.CategoryTransient, "retry in 31s: transient UNABLE_TO_LOCK_ROW", 31*time.Second),
			attempt(2, "deploy", deployCmd, 88*time.Second, 0, "Succeeded", result.CategoryNone, "", 0),
		},
		Notes:  []string{"Attempt 1 hit a row lock; the deployment was retried."},
		Deploy: &result.Deploy{ID: "0Af5g00000RECOVER2", Status: "Succeeded", Done: true, Success: true, ComponentsTotal: 30, ComponentsDeployed: 30, TestsRun: 4}}
	timeout := &result.Run{
		Status: result.StatusFailed, Category: result.CategoryTimeout, Mode: "deploy", TargetOrg: "prod", DeployID: "0Af5g00000TIMEOUT1",
		Message:  "The deployment did not finish within 30 minutes",
		Error:    &result.Diagnosis{Category: result.CategoryTimeout, PatternID: "client-timeout", Explanation: "The CLI stopped waiting; the deployment may still be running.", Fix: "Run sf project deploy report --job-id 0Af5g00000TIMEOUT1."},
		Attempts: []result.Attempt{attempt(1, "deploy", deployCmd, 30*time.Minute, 69, "Timed out", result.CategoryTimeout, "resume", 0), attempt(1, "resume", "sf project deploy resume --job-id 0Af5g00000TIMEOUT1 --wait 10 --json", 10*time.Minute, 69, "Timed out", result.CategoryTimeout, "stop: wait budget spent", 0)},
		Deploy:   &result.Deploy{ID: "0Af5g00000TIMEOUT1", Status: "InProgress", StateDetail: "Running Test: InvoiceServiceTest.addsTax", ComponentsTotal: 40, ComponentsDeployed: 40, TestsTotal: 200, TestsCompleted: 120},
	}
	auth := &result.Run{
		Status: result.StatusFailed, Category: result.CategoryAuth, Mode: "deploy", TargetOrg: "prod",
		Message:   "Could not log in to the target org",
		ErrorText: "Error authenticating with the refresh token due to: expired access/refresh token",
		Error:     &result.Diagnosis{Category: result.CategoryAuth, PatternID: "refresh-token-expired", Explanation: "The refresh token in the auth URL expired or was revoked.", Fix: "Create a new auth URL with `sf org display --verbose` and update the SFDX_AUTH_URL secret."},
	}
	config := &result.Run{
		Status: result.StatusFailed, Category: result.CategoryConfig,
		Message: "Input test-level has an invalid value \"RunSomeTests\"",
		Error:   &result.Diagnosis{Category: result.CategoryConfig, PatternID: "input-invalid", Explanation: "test-level must be one of NoTestRun, RunSpecifiedTests, RunLocalTests, RunAllTestsInOrg.", Fix: "Correct the test-level input."},
	}
	// A validation that failed with the reason on the line after "Due To:".
	validationText := "FailedValidationError: Failed to validate the deployment (0AfUD00000H3JAn0AN). Due To:\nError in AGENT_OpportunityStatusSummary - Failure to create template: 0hfUD000000h2BR, Caused by: [The prompt template version identifier is \"S2OpportunityStatusSummary_20260514_1\" invalid.]\n\n1 component error(s)"
	validationReason := "FailedValidationError: Failed to validate the deployment (0AfUD00000H3JAn0AN). Due To: Error in AGENT_OpportunityStatusSummary - Failure to create template: 0hfUD000000h2BR, Caused by: [The prompt template version identifier is \"S2OpportunityStatusSummary_20260514_1\" invalid.]"
	promptTemplate := &result.Diagnosis{Category: result.CategoryMetadata, PatternID: "prompt-template-invalid", Explanation: "A prompt template in the deployment was rejected by the target org.", Fix: "Check the template version identifier and the resources it uses, then validate again."}
	multiline := &result.Run{
		Status: result.StatusFailed, Category: result.CategoryMetadata, Mode: "validate", TargetOrg: "uat", DeployID: "0AfUD00000H3JAn0AN",
		Message:   "Deployment failed (metadata): " + validationReason + ".",
		ErrorText: validationText,
		Error:     promptTemplate,
		Attempts: []result.Attempt{
			attempt(1, "validate", "sf project deploy validate --async --source-dir force-app --target-org uat", 2*time.Second, 0, "submitted 0AfUD00000H3JAn0AN", result.CategoryNone, "", 0),
			attempt(1, "resume", "sf project deploy resume --job-id 0AfUD00000H3JAn0AN --wait 33", 48*time.Second, 1, validationReason, result.CategoryMetadata, "stop: metadata failures are not transient", 0),
		},
	}
	// The same failure when asking the org for the job's report failed too:
	// the report keeps the reason of the validation, not of the report call.
	reportFailed := &result.Run{
		Status: result.StatusFailed, Category: result.CategoryMetadata, Mode: "validate", TargetOrg: "uat", DeployID: "0AfUD00000H3JAn0AN",
		Message:   multiline.Message,
		ErrorText: validationText,
		Error:     promptTemplate,
		Attempts: []result.Attempt{
			multiline.Attempts[0],
			attempt(1, "resume", "sf project deploy resume --job-id 0AfUD00000H3JAn0AN --wait 33", 48*time.Second, 1, validationReason, result.CategoryMetadata, "", 0),
			attempt(1, "report", "sf project deploy report --job-id 0AfUD00000H3JAn0AN --target-org uat", 3*time.Second, 1, "ERROR_HTTP_502: HTTP response contains html content.", result.CategoryTransient, "stop: metadata failures are not transient", 0),
		},
	}
	return map[string]*result.Run{
		"validation-multiline": multiline, "validation-report-failed": reportFailed,
		"compile-error": compile, "dependency": dependency, "test-failures": tests, "coverage": coverage,
		"transient-recovered": recovered, "timeout": timeout, "auth": auth, "config": config,
	}
}
