package classify

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/tidwall/gjson"
)

// sfFixtures holds real (and reconstructed) `sf --json` outputs.
var sfFixtures = filepath.Join(sharedFixtures, "sf")

// fixtureKind says how a fixture is read.
type fixtureKind int

const (
	deployDoc  fixtureKind = iota // result.ParseDeploy on `result` (or the whole raw DeployResult)
	errorDoc                      // sf error envelope: name, message, exitCode
	testRunDoc                    // result.ParseTestRun on `result`
)

// sfFixtureExpectations lists every fixture explicitly. pattern is the id of
// the pattern that must produce the verdict's diagnosis ("" = fallback or
// no failure).
var sfFixtureExpectations = map[string]struct {
	kind      fixtureKind
	category  result.Category
	transient bool
	pattern   string
}{
	"apex-run-test-async-testRunId-reconstructed.json":                    {testRunDoc, result.CategoryNone, false, ""},
	"apex-run-test-failure-status100.json":                                {testRunDoc, result.CategoryTest, false, "test-assertion-failed"},
	"apex-run-test-pass-aggregated-coverage.json":                         {testRunDoc, result.CategoryNone, false, ""},
	"auth-jwt-JwtGrantError-reconstructed.json":                           {errorDoc, result.CategoryAuth, false, "jwt-grant-error"},
	"auth-refresh-token-expired-RefreshTokenAuthError-reconstructed.json": {errorDoc, result.CategoryAuth, false, "expired-refresh-token"},
	"auth-sfdx-url-invalid-INVALID_SFDX_AUTH_URL-reconstructed.json":      {errorDoc, result.CategoryAuth, false, "invalid-sfdx-auth-url"},
	"captured-deploy-start-component-failure-cli2.150.6.json":             {deployDoc, result.CategoryDependency, false, "variable-does-not-exist"},
	"captured-deploy-start-soap-fault-INVALID_SESSION_ID-cli2.150.6.json": {errorDoc, result.CategoryAuth, false, "invalid-session-id"},
	"captured-deploy-start-soap-fault-UNABLE_TO_LOCK_ROW-cli2.150.6.json": {errorDoc, result.CategoryTransient, true, "unable-to-lock-row"},
	"captured-deploy-start-success-cli2.150.6.json":                       {deployDoc, result.CategoryNone, false, ""},
	// The invocation target (a flow) is missing from the org: a dependency.
	"deploy-report-failed-validation-status0.json": {deployDoc, result.CategoryDependency, false, "invocation-target-invalid"},
	// Still running: no verdict yet. The caller turns "stopped waiting"
	// into timeout (exit code 69 / ClientTimeoutError); Deploy does not guess.
	"deploy-report-inprogress-reconstructed.json":  {deployDoc, result.CategoryNone, false, ""},
	"deploy-start-async-queued-reconstructed.json": {deployDoc, result.CategoryNone, false, ""},
	"deploy-start-component-failure-single.json":   {deployDoc, result.CategoryMetadata, false, "not-available-for-deploy"},
	// Same category as the "changes in the org that conflict" message of
	// deploy-errors.json.
	"deploy-start-conflicts-SourceConflictError-reconstructed.json": {errorDoc, result.CategoryMetadata, false, "source-conflict"},
	"deploy-start-coverage-failure-reconstructed.json":              {deployDoc, result.CategoryCoverage, false, "class-coverage-too-low"},
	"deploy-start-dryrun-component-failure.json":                    {deployDoc, result.CategoryMetadata, false, "missing-token"},
	"deploy-start-dryrun-test-failures-coverage.json":               {deployDoc, result.CategoryTest, false, "test-assertion-failed"},
	// Variable does not exist (dependency) beats the package.xml entry
	// without a file (metadata).
	"deploy-start-multiple-component-failures-reconstructed.json": {deployDoc, result.CategoryDependency, false, "variable-does-not-exist"},
	// "This component has some problems" matches nothing specific: the
	// ApexClass fallback pattern.
	"deploy-start-partial-success-68-reconstructed.json":                   {deployDoc, result.CategoryMetadata, false, "apex-compile-error"},
	"deploy-start-success-2026-numberFiles.json":                           {deployDoc, result.CategoryNone, false, ""},
	"deploy-start-success.json":                                            {deployDoc, result.CategoryNone, false, ""},
	"deploy-start-wait-timeout-ClientTimeoutError-reconstructed.json":      {errorDoc, result.CategoryTimeout, false, "client-timeout"},
	"legacy-2023-validate-FailedValidationError-numeric-code-excerpt.json": {errorDoc, result.CategoryMetadata, false, "failed-validation-components"},
	"legacy-jsforce1-deploy-failed-single-componentFailure-object.json":    {deployDoc, result.CategoryDependency, false, "no-custom-field-named"},
	"legacy-sfdx7-INVALID_SESSION_ID-error-excerpt.json":                   {errorDoc, result.CategoryAuth, false, "invalid-session-id"},
	// Prompt template rejected by the org (plus "1 component error(s)").
	"validate-failed-FailedValidationError.json":        {errorDoc, result.CategoryMetadata, false, "prompt-template-invalid"},
	"validate-flag-parse-error-Error-code-string.json":  {errorDoc, result.CategoryConfig, false, "flag-expects-value"},
	"validate-success-tests-coverage-flowcoverage.json": {deployDoc, result.CategoryNone, false, ""},
}

func TestSFFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sfFixtures, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", sfFixtures, err)
	}
	sort.Strings(files)
	seen := map[string]bool{}
	c := Default()
	for _, path := range files {
		name := filepath.Base(path)
		seen[name] = true
		want, ok := sfFixtureExpectations[name]
		if !ok {
			t.Errorf("%s: no expectation; add it to sfFixtureExpectations", name)
			continue
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var v Verdict
			switch want.kind {
			case errorDoc:
				doc := gjson.ParseBytes(b)
				exit := doc.Get("exitCode")
				if !exit.Exists() {
					exit = doc.Get("status")
				}
				v = c.Error(doc.Get("name").String(), doc.Get("message").String(), int(exit.Int()))
			case deployDoc:
				raw := b
				if r := gjson.GetBytes(b, "result"); r.Exists() {
					raw = []byte(r.Raw)
				}
				d, err := result.ParseDeploy(raw)
				if err != nil {
					t.Fatal(err)
				}
				v = c.Deploy(d)
				for _, f := range d.ComponentFailures {
					if f.Diagnosis.Category == "" || f.Diagnosis.Fix == "" {
						t.Errorf("component failure %q left unclassified", f.Problem)
					}
				}
				for _, tf := range d.TestFailures {
					if tf.Diagnosis.Category == "" {
						t.Errorf("test failure %q left unclassified", tf.Message)
					}
				}
			case testRunDoc:
				tr, err := result.ParseTestRun([]byte(gjson.GetBytes(b, "result").Raw))
				if err != nil {
					t.Fatal(err)
				}
				// A test run is a deploy with only test results.
				v = c.Deploy(&result.Deploy{Status: "Succeeded", Done: true, Success: true, TestFailures: tr.Failures})
			}
			if v.Category != want.category || v.Transient != want.transient || v.Diagnosis.PatternID != want.pattern {
				t.Errorf("got %s transient=%v pattern=%q (reason %q)\nwant %s transient=%v pattern=%q",
					v.Category, v.Transient, v.Diagnosis.PatternID, v.Reason, want.category, want.transient, want.pattern)
			}
			if v.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
	for name := range sfFixtureExpectations {
		if !seen[name] {
			t.Errorf("%s: expected fixture is missing", name)
		}
	}
}
