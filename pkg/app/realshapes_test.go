package app

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// sfRoot is the repository's captured sf outputs.
var sfRoot = filepath.Join("..", "..", "testdata", "sf")

// servedSF answers happySF except at the steps in script ("org login",
// "project deploy start", "project deploy validate", "wait" (the deployer's
// `project deploy report --wait`), "apex run test"), where it prints the
// scripted outputs in turn (the last one again when they run out).
type servedSF map[string][]step

type step struct {
	stdout string
	exit   int
}

func (s servedSF) answer(t *testing.T) func(inv sfcli.Invocation) (*sfcli.Output, error) {
	seen := map[string]int{}
	return func(inv sfcli.Invocation) (*sfcli.Output, error) {
		key := strings.Join(inv.Args[:3], " ")
		if inv.Args[0] == "org" {
			key = "org login"
		}
		if key == "project deploy report" && slices.Contains(inv.Args, "--wait") {
			key = "wait"
		}
		if steps := s[key]; len(steps) > 0 {
			st := steps[min(seen[key], len(steps)-1)]
			seen[key]++
			return reply(st.stdout, st.exit)
		}
		switch key {
		case "project deploy validate":
			return reply(`{"status":0,"result":{"id":"`+testID+`","status":"Queued","done":false}}`, 0)
		case "project deploy report":
			return reply(`{"name":"SfError","message":"report unavailable","exitCode":1}`, 1)
		}
		return happySF(inv)
	}
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sfRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var mdEscape = regexp.MustCompile("\\\\([!-/:-@\\[-`{-~])")

// failedTestResult is a deployment that failed on one test, for the steps
// that re-run failed tests.
func failedTestResult(class, method, message string) string {
	return `{"status":1,"result":{"id":"` + testID + `","status":"Failed","done":true,"success":false,"numberTestErrors":1,
		"details":{"runTestResult":{"numTestsRun":1,"failures":[{"name":"` + class + `","methodName":"` + method + `","message":"` + message + `","stackTrace":"Class.` + class + `.` + method + `: line 3, column 1"}]}}}}`
}

// TestRealShapesThroughAction passes every real sf output in testdata/sf
// (and the shapes users reported) through the whole action, served by a
// fake sf at the step that prints it: the run must end with the right
// status and category, show the reason in the summary, and never fail as
// an internal error.
func TestRealShapesThroughAction(t *testing.T) {
	statusOnly := func(status string) string {
		return `{"status":0,"result":{"id":"` + testID + `","status":"` + status + `","done":false}}`
	}
	cases := []struct {
		name     string
		inputs   map[string]string
		script   servedSF
		status   string
		category string
		reason   []string // in the summary
		// exit is the expected exit code when it is ExitInternal (sf
		// refused a command as usage); otherwise it follows the status.
		exit int
	}{
		{name: "real-sf/03 deploy start success", script: servedSF{"wait": {{fixture(t, "real-sf/03-sfv2-deploy-start-success-2024.json"), 0}}},
			status: "succeeded", category: "none"},
		{name: "real-sf/08 dry-run failing on coverage only", script: servedSF{"wait": {{fixture(t, "real-sf/08-sfv2-dryrun-coverage-warnings-only.json"), 1}}},
			status: "failed", category: "coverage", reason: []string{"Test coverage of selected Apex Trigger is 0%, at least 1% test coverage is required"}},
		// A command sf refuses as usage is deploy-guard's own bug: exit 3,
		// category unknown, the command and the CLI's words, no retry.
		{name: "real-sf/17 nonexistent flag exit 2", script: servedSF{"project deploy start": {{fixture(t, "real-sf/17-sfv2-deploy-error-nonexistent-flag-exit2.json"), 2}}},
			exit: ExitInternal, status: "failed", category: "unknown", reason: []string{"deploy-guard itself failed", "sf project deploy start --async", "Nonexistent flag: --loglevel"}},
		{name: "real-sf/27 legacy push result list with string line numbers", script: servedSF{"wait": {{fixture(t, "real-sf/27-sfdx-source-push-failed-string-linenums.json"), 1}}},
			status: "failed", category: "metadata", reason: []string{"Annotation does not exist: AuraEnableds (12:5)", "GameEngine"}},
		// Failed tests are re-run in a check-only deployment of the same
		// content: its result is a deployment result like any other.
		{name: "test re-run in a check-only deployment fails again", inputs: map[string]string{config.InputRerunFailedTests: "true"},
			script: servedSF{
				"wait": {{failedTestResult("AlmanacResolverTest", "parsesSeeds", "System.TypeException: Invalid integer: abc"), 1}},
			},
			status: "failed", category: "test", reason: []string{"Invalid integer: abc", "0 of 1 failed tests passed"}},
		{name: "test re-run in a check-only deployment passes: flaky", inputs: map[string]string{config.InputRerunFailedTests: "true"},
			script: servedSF{
				"wait": {{failedTestResult("CalibrationValueParserTest", "parserReturnsExpectedNumber", "System.QueryException: Record Currently Unavailable"), 1},
					{`{"status":0,"result":{"id":"` + testID + `","status":"Succeeded","done":true,"success":true,"checkOnly":true,"details":{"runTestResult":{"numTestsRun":1,"successes":[{"name":"CalibrationValueParserTest","methodName":"parserReturnsExpectedNumber"}]}}}}`, 0},
					{fixture(t, "real-sf/03-sfv2-deploy-start-success-2024.json"), 0}},
			},
			status: "recovered", category: "none", reason: []string{"CalibrationValueParserTest.parserReturnsExpectedNumber"}},
		{name: "real-sf/34 test re-run against a deleted org", inputs: map[string]string{config.InputRerunFailedTests: "true"},
			script: servedSF{
				"wait":                    {{failedTestResult("TestClass", "run", "System.AssertException: Assertion Failed"), 1}},
				"project deploy validate": {{fixture(t, "real-sf/34-apex-run-test-error-http420-org-gone.json"), 1}},
			},
			status: "failed", category: "test", reason: []string{"Assertion Failed", "HTTP response contains html content"}},
		{name: "real-sf/36 login", script: servedSF{"org login": {{fixture(t, "real-sf/36-sf-org-login-sfdx-url-success.json"), 0}}},
			status: "succeeded", category: "none"},

		{name: "deploy report answers status 0 for a failed validation", inputs: map[string]string{config.InputMode: "validate"},
			script: servedSF{"wait": {{fixture(t, "deploy-report-failed-validation-status0.json"), 0}}},
			status: "failed", category: "dependency", reason: []string{"The invocation target value 'AGENT_GetContactDetails' (type: flow)"}},
		{name: "report after a lost wait answers status 0 for a failure",
			script: servedSF{
				"wait": {{`{"name":"SfError","message":"socket hang up","exitCode":1}`, 1}, {fixture(t, "deploy-report-failed-validation-status0.json"), 0}},
			},
			status: "failed", category: "dependency", reason: []string{"Check that the referenced target exists in your org"}},
		{name: "validation error over two lines, report fails too", inputs: map[string]string{config.InputMode: "validate"},
			script: servedSF{"wait": {{fixture(t, "validate-failed-FailedValidationError.json"), 1}}},
			status: "failed", reason: []string{"Failed to validate the deployment (0AfUD00000H3JAn0AN)", "The prompt template version identifier is"}},
		{name: "single component failure as an object, strings for booleans and counts",
			script: servedSF{"wait": {{`{"status":1,"result":` + fixture(t, "legacy-jsforce1-deploy-failed-single-componentFailure-object.json") + `}`, 1}}},
			status: "failed", category: "dependency", reason: []string{"no CustomField named Account.test__c found"}},
		{name: "partial success, status 68", script: servedSF{"wait": {{fixture(t, "deploy-start-partial-success-68-reconstructed.json"), 68}}},
			status: "failed"},
		{name: "status 69 with the full result of a running job, then done",
			script: servedSF{"wait": {{`{"status":69,"result":{"id":"` + testID + `","status":"InProgress","done":false,"numberComponentsTotal":"3","numberComponentsDeployed":"1"}}`, 69}, {fixture(t, "real-sf/03-sfv2-deploy-start-success-2024.json"), 0}}},
			status: "succeeded", category: "none"},
		{name: "status 100 with a failed deployment",
			script: servedSF{"wait": {{`{"status":100,"result":{"id":"` + testID + `","status":"Failed","done":true,"success":false,"details":{"componentFailures":{"componentType":"ApexClass","fullName":"Invoice","problem":"Unexpected token 'amount'.","lineNumber":"3","columnNumber":"9","problemType":"Error"}}}}`, 100}}},
			status: "failed", category: "metadata", reason: []string{"Unexpected token 'amount'."}},
		{name: "status 0 with success false and no status",
			script: servedSF{"wait": {{`{"status":0,"result":{"id":"` + testID + `","done":true,"success":false,"errorStatusCode":"INVALID_CROSS_REFERENCE_KEY","errorMessage":"invalid cross reference id"}}`, 0}}},
			status: "failed", reason: []string{"invalid cross reference id"}},
		{name: "a CLI warning line before the JSON",
			script: servedSF{"wait": {{"Warning: @salesforce/cli update available from 2.150.6 to 2.151.1.\n" + `{"status":1,"result":{"id":"` + testID + `","status":"Failed","done":true,"success":false,"details":{"componentFailures":[{"componentType":"CustomField","fullName":"Account.Region__c","problem":"Picklist value: EMEA in picklist: Region__c not found","problemType":"Error"}]}}}`, 1}}},
			status: "failed", category: "dependency", reason: []string{"Picklist value: EMEA in picklist: Region__c not found"}},
		{name: "CRLF and typographic quotes in the message",
			script: servedSF{"wait": {{`{"status":1,"result":{"id":"` + testID + `","status":"Failed","done":true,"success":false,"details":{"componentFailures":[{"componentType":"Layout","fullName":"Account-Account Layout","problem":"In field: field \u2018Region__c\u2019 - no CustomField named Account.Region__c found\r\n","problemType":"Error","lineNumber":"12"}]}}}`, 1}}},
			status: "failed", category: "dependency", reason: []string{"no CustomField named Account.Region__c found"}},
		{name: "result absent with a failing status",
			script: servedSF{"wait": {{`{"status":1,"warnings":["The org did not answer"]}`, 1}}},
			status: "failed"},
		{name: "still queued, then succeeded",
			script: servedSF{"wait": {{statusOnly("Queued"), 0}, {fixture(t, "real-sf/03-sfv2-deploy-start-success-2024.json"), 0}}},
			status: "succeeded", category: "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inputs := map[string]string{config.InputAuthURL: testAuthURL, config.InputMaxAttempts: "2"}
			for k, v := range tc.inputs {
				inputs[k] = v
			}
			e := newEnv(t, inputs)
			e.answer = tc.script.answer(t)
			code := e.run()
			if code == ExitInternal && tc.exit != ExitInternal {
				t.Fatalf("internal error:\n%s", e.stdout.String())
			}
			if tc.exit == ExitInternal && code != ExitInternal {
				t.Errorf("exit %d, want %d (deploy-guard itself failed)", code, ExitInternal)
			}
			out := e.outputs()
			if out["status"] != tc.status {
				t.Errorf("status %q, want %q (exit %d)\n%s", out["status"], tc.status, code, e.stdout.String())
			}
			if tc.exit == 0 && (code == ExitOK) != (tc.status == "succeeded" || tc.status == "recovered" || tc.status == "validated") {
				t.Errorf("exit %d for status %q", code, out["status"])
			}
			if tc.category != "" && out["failure-category"] != tc.category {
				t.Errorf("failure-category %q, want %q", out["failure-category"], tc.category)
			}
			if tc.status == "failed" && (out["failure-category"] == "none" || out["failure-category"] == "") {
				t.Errorf("a failed run with failure-category %q", out["failure-category"])
			}
			// Compare with the text the reader sees, not its Markdown escapes.
			sum := mdEscape.ReplaceAllString(e.summary(), "$1")
			for _, want := range tc.reason {
				if testing.Verbose() {
					t.Log(sum)
				}
				if !strings.Contains(sum, want) {
					t.Errorf("summary lacks %q:\n%s", want, sum)
				}
			}
		})
	}
}
