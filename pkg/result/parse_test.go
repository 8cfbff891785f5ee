package result

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

// fixtureResult returns the `result` of a fixture envelope, or the whole
// document for the legacy raw DeployResult.
func fixtureResult(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sf", name))
	if err != nil {
		t.Fatal(err)
	}
	if r := gjson.GetBytes(b, "result"); r.Exists() {
		return []byte(r.Raw)
	}
	return b
}

func TestParseDeployFixtures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file                              string
		id, status                        string
		componentFailures, testFailures   int
		testSuccesses, coverage, warnings int
		firstName                         string
		firstLine, firstCol               int
		firstPath                         string
	}{
		{file: "captured-deploy-start-component-failure-cli2.150.6.json", id: "0Af000000000001AAA", status: "Failed", componentFailures: 1,
			firstName: "Hello", firstLine: 1, firstCol: 47, firstPath: "/home/runner/work/crm/crm/force-app/main/default/classes/Hello.cls"},
		{file: "captured-deploy-start-success-cli2.150.6.json", id: "0Af000000000001AAA", status: "Succeeded"},
		{file: "deploy-report-failed-validation-status0.json", id: "0AfTY000003o1Dh0AI", status: "Failed", componentFailures: 1, firstName: "Astrum_BD_Agent", firstLine: 10},
		{file: "deploy-report-inprogress-reconstructed.json", id: "0Af5g00000ABCDEFGH", status: "InProgress"},
		{file: "deploy-start-component-failure-single.json", id: "0AfTY000003o1bt0AA", status: "Failed", componentFailures: 1, firstName: "SAL_21_Account_Intelligence_Test"},
		{file: "deploy-start-coverage-failure-reconstructed.json", id: "0Af5g00000ABCDEFGH", status: "Failed", testSuccesses: 1, coverage: 1, warnings: 2},
		// The capture repeats one failure twice; it is reported once.
		{file: "deploy-start-dryrun-component-failure.json", id: "0AfIi000000oo38KAA", status: "Failed", componentFailures: 1, firstName: "SomeClass", firstLine: 4},
		{file: "deploy-start-dryrun-test-failures-coverage.json", id: "0AfIi000000onyXKAQ", status: "Failed", testFailures: 1, testSuccesses: 5, coverage: 6},
		{file: "deploy-start-multiple-component-failures-reconstructed.json", id: "0Af5g00000ABCDEFGH", status: "Failed", componentFailures: 2, firstName: "ProductController", firstLine: 27},
		{file: "deploy-start-partial-success-68-reconstructed.json", id: "0Af5g00000ABCDEFGH", status: "SucceededPartial", componentFailures: 1, firstName: "testClass1", firstLine: 27},
		{file: "deploy-start-success-2026-numberFiles.json", id: "0AfUD00000H3v6P0AR", status: "Succeeded"},
		{file: "deploy-start-success.json", id: "0AfRt00000PqprFKAR", status: "Succeeded"},
		{file: "legacy-jsforce1-deploy-failed-single-componentFailure-object.json", id: "0AfR000001SjwjQKAR", status: "Failed", componentFailures: 1, firstName: "Admin"},
		{file: "validate-success-tests-coverage-flowcoverage.json", id: "0AfUD00000H3uyL0AR", status: "Succeeded", testSuccesses: 8, coverage: 4},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			d, err := ParseDeploy(fixtureResult(t, tc.file))
			if err != nil {
				t.Fatalf("ParseDeploy: %v", err)
			}
			if d.ID != tc.id || d.Status != tc.status {
				t.Errorf("id, status = %q, %q; want %q, %q", d.ID, d.Status, tc.id, tc.status)
			}
			if len(d.ComponentFailures) != tc.componentFailures || len(d.TestFailures) != tc.testFailures ||
				len(d.TestSuccesses) != tc.testSuccesses || len(d.Coverage) != tc.coverage || len(d.CoverageWarnings) != tc.warnings {
				t.Errorf("counts: failures %d tests %d/%d coverage %d warnings %d",
					len(d.ComponentFailures), len(d.TestFailures), len(d.TestSuccesses), len(d.Coverage), len(d.CoverageWarnings))
			}
			if tc.componentFailures > 0 {
				f := d.ComponentFailures[0]
				if f.FullName != tc.firstName || f.Line != tc.firstLine || (tc.firstCol != 0 && f.Column != tc.firstCol) {
					t.Errorf("first failure = %s line %d col %d", f.FullName, f.Line, f.Column)
				}
				if tc.firstPath != "" && f.FilePath != tc.firstPath {
					t.Errorf("file path = %q, want %q", f.FilePath, tc.firstPath)
				}
				if f.Problem == "" {
					t.Error("problem is empty")
				}
			}
		})
	}
}

func TestParseDeployDetails(t *testing.T) {
	t.Parallel()
	d, err := ParseDeploy(fixtureResult(t, "deploy-start-dryrun-test-failures-coverage.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := d.TestFailures[0]
	if f.Class == "" || f.Method == "" || !strings.Contains(f.StackTrace, "line") {
		t.Errorf("test failure = %+v", f)
	}
	for _, c := range d.Coverage {
		if c.NotCovered != len(c.UncoveredLines) {
			t.Errorf("%s: %d not covered but %d lines listed", c.Name, c.NotCovered, len(c.UncoveredLines))
		}
		if p := c.Percent(); p < 0 || p > 100 {
			t.Errorf("%s: percent %v", c.Name, p)
		}
	}
	if _, ok := d.OrgCoverage(); !ok {
		t.Error("OrgCoverage reports no data")
	}

	cov, _ := ParseDeploy(fixtureResult(t, "deploy-start-coverage-failure-reconstructed.json"))
	if cov.CoverageWarnings[0].Name != "AccountService" || cov.CoverageWarnings[1].Name != "" {
		t.Errorf("warnings = %+v (the org-wide one has no name)", cov.CoverageWarnings)
	}
	if got := cov.Coverage[0].UncoveredLines; len(got) != 2 || got[0] != 6 || got[1] != 7 {
		t.Errorf("uncovered lines = %v", got)
	}
}

func TestParseDeployLegacyStrings(t *testing.T) {
	t.Parallel()
	// Legacy output: a single object instead of a list, numbers and booleans as strings.
	raw := `{"id":"0Af1","status":"Failed","done":"true","numberComponentErrors":"1",
	 "details":{"componentFailures":{"componentType":"ApexClass","fullName":"A","fileName":"classes/A.cls",
	   "lineNumber":"12","columnNumber":"5","problem":"Unexpected token","problemType":"Error","success":"false"},
	 "runTestResult":{"numTestsRun":"1","totalTime":"3511.0","failures":{"name":"T","methodName":"m","message":"boom",
	   "stackTrace":"Class.T.m: line 3, column 1","namespace":{"$":{"xsi:nil":"true"}}}}}}`
	d, err := ParseDeploy([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Done || d.ComponentErrors != 1 || d.TestsRun != 1 || d.TestTimeMS != 3511 {
		t.Errorf("flexible scalars: %+v", d)
	}
	if len(d.ComponentFailures) != 1 || d.ComponentFailures[0].Line != 12 || d.ComponentFailures[0].Column != 5 {
		t.Errorf("component failures = %+v", d.ComponentFailures)
	}
	if len(d.TestFailures) != 1 || d.TestFailures[0].Namespace != "" || d.TestFailures[0].FullName() != "T.m" {
		t.Errorf("test failures = %+v", d.TestFailures)
	}
}

func TestParseDeployRejectsGarbage(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "not json", "[1,2]", `{"id":`} {
		if _, err := ParseDeploy([]byte(in)); err == nil {
			t.Errorf("ParseDeploy(%q) succeeded", in)
		}
	}
}

func TestParseTestRun(t *testing.T) {
	t.Parallel()
	tr, err := ParseTestRun(fixtureResult(t, "apex-run-test-failure-status100.json"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Outcome != "Failed" || len(tr.Failures) != 1 || len(tr.Passes) != 1 {
		t.Fatalf("test run = %+v", tr)
	}
	if tr.Failures[0].Class == "" || tr.Failures[0].Method == "" || tr.Failures[0].Message == "" {
		t.Errorf("failure = %+v", tr.Failures[0])
	}
	async, err := ParseTestRun(fixtureResult(t, "apex-run-test-async-testRunId-reconstructed.json"))
	if err != nil || async.TestRunID == "" || async.Outcome != "" {
		t.Errorf("async run = %+v, %v", async, err)
	}
}

func TestMostAndPriority(t *testing.T) {
	t.Parallel()
	if got := Most(CategoryTransient, CategoryTest, CategoryMetadata); got != CategoryMetadata {
		t.Errorf("Most = %s", got)
	}
	if got := Most(); got != CategoryNone {
		t.Errorf("Most() = %s", got)
	}
	if got := Most(CategoryCoverage, "", CategoryTimeout); got != CategoryCoverage {
		t.Errorf("Most = %s", got)
	}
	if !CategoryAuth.Valid() || Category("bogus").Valid() {
		t.Error("Valid is wrong")
	}
}

// The fast scan of locationsNotCovered agrees with gjson on every shape,
// and gives way to gjson on shapes it does not accept.
func TestUncoveredLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw  string
		want []int
	}{
		{`[{"column":0,"line":12,"numExecutions":0,"time":-1},{"line":3}]`, []int{12, 3}},
		{`[{"line":"7"},{"line" : 8}]`, []int{7, 8}},
		{`{"line":5,"column":0}`, []int{5}},
		{`[{"column":0,"line":0},{"line":-1}]`, nil},
		{`[{"kind":"line","line":4}]`, []int{4}},
		{`[{"note":"a \"line\": 9","line":2}]`, []int{2}},
		{`[{"line":[1]}]`, nil},
		{`[]`, nil},
	} {
		got := uncoveredLines(gjson.Parse(tc.raw))
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.raw, got, tc.want)
		}
	}
}

// The legacy push/deploy result is a list of files, with numbers as strings.
func TestParseDeployFileList(t *testing.T) {
	t.Parallel()
	d, err := ParseDeploy([]byte(`[
	 {"state":"Changed","fullName":"Invoice","type":"ApexClass","filePath":"force-app/main/default/classes/Invoice.cls"},
	 {"columnNumber":"5","lineNumber":"12","error":"Annotation does not exist: AuraEnableds (12:5)","fullName":"GameEngine",
	  "type":"ApexClass","filePath":"force-app/main/default/classes/GameEngine.cls","problemType":"Error"},
	 {"state":"Failed","fullName":"Old","type":"ApexClass","problem":"unused variable","problemType":"Warning"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != "Failed" || !d.Finished() || d.Success || d.ComponentErrors != 1 || d.ComponentSuccesses != 1 {
		t.Errorf("status %q finished %v success %v errors %d successes %d", d.Status, d.Finished(), d.Success, d.ComponentErrors, d.ComponentSuccesses)
	}
	if len(d.ComponentFailures) != 2 {
		t.Fatalf("failures %+v", d.ComponentFailures)
	}
	f := d.ComponentFailures[0]
	if f.Type != "ApexClass" || f.FullName != "GameEngine" || f.Line != 12 || f.Column != 5 || f.FilePath != "force-app/main/default/classes/GameEngine.cls" || f.Problem != "Annotation does not exist: AuraEnableds (12:5)" {
		t.Errorf("failure %+v", f)
	}
	ok, err := ParseDeploy([]byte(`[{"state":"Created","fullName":"A","type":"ApexClass"}]`))
	if err != nil || ok.Status != "Succeeded" || !ok.Success {
		t.Errorf("a list without errors: %+v, %v", ok, err)
	}
	for _, in := range []string{`[]`, `["a"]`} {
		if _, err := ParseDeploy([]byte(in)); err == nil {
			t.Errorf("ParseDeploy(%s) succeeded", in)
		}
	}
}
