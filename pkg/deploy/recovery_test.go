package deploy

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/org/deploy-guard/internal/testkit"
	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfcli"
)

const testFailure = `{"componentFailures":[],"componentSuccesses":[],"runTestResult":{"numTestsRun":2,"numFailures":1,
 "failures":[{"name":"InvoiceTest","methodName":"testTotals","message":"System.DmlException: UNABLE_TO_LOCK_ROW","stackTrace":"Class.InvoiceTest.testTotals: line 12, column 1"}],
 "successes":[{"name":"InvoiceTest","methodName":"testEmpty"}]}}`

const dependencyFailure = `{"componentFailures":[{"componentType":"CustomField","fullName":"Invoice__c.Total__c","fileName":"objects/Invoice__c.object","problem":"no CustomObject named Invoice__c found","problemType":"Error"}],"componentSuccesses":[]}`

func testRun(outcome string, tests ...string) reply {
	var items []string
	for _, t := range tests {
		class, method, _ := strings.Cut(t, ".")
		o := "Pass"
		if outcome == "Failed" {
			o = "Fail"
		}
		items = append(items, fmt.Sprintf(`{"ApexClass":{"Name":%q},"MethodName":%q,"Outcome":%q,"Message":"boom","StackTrace":"Class.%s.%s: line 3, column 1"}`, class, method, o, class, method))
	}
	exit := 0
	if outcome == "Failed" {
		exit = 100
	}
	return reply{JSON: fmt.Sprintf(`{"status":%d,"result":{"summary":{"outcome":%q,"testRunId":"7070000000001"},"tests":[%s]}}`, exit, outcome, strings.Join(items, ",")), Exit: exit}
}

// classifyWithTests extends fakeClassify with test and dependency failures.
func classifyWithTests(out *sfcli.Output, d *result.Deploy) Verdict {
	if d != nil && !d.Succeeded() {
		switch {
		case len(d.TestFailures) > 0 && len(d.ComponentFailures) == 0:
			return Verdict{Category: result.CategoryTest, Reason: d.TestFailures[0].Message}
		case len(d.ComponentFailures) > 0 && d.ComponentFailures[0].Type == "CustomField":
			return Verdict{Category: result.CategoryDependency, Reason: d.ComponentFailures[0].Problem}
		}
	}
	return fakeClassify(out, d)
}

func newRecovery(sf *testkit.SF) (*Recovery, *fakeClock) {
	clock := &fakeClock{now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	d := newDeployer(sf, clock, config.RetryTransient)
	d.Classify = classifyWithTests
	return &Recovery{Deployer: d, RerunFailedTests: true}, clock
}

// checkPassedLowCoverage is a check-only run in which the re-run test passed
// but per-class coverage is short, as it is when only a few tests run: the
// run fails, yet the test is judged on its outcome alone.
const checkPassedLowCoverage = `{"componentFailures":[],"componentSuccesses":[],"runTestResult":{"numTestsRun":2,"numFailures":0,
 "successes":[{"name":"InvoiceTest","methodName":"testTotals"},{"name":"InvoiceTest","methodName":"testEmpty"}],
 "codeCoverageWarnings":[{"name":"Invoice","message":"Test coverage of selected Apex Class is 40%, at least 75% test coverage is required"}]}}`

func TestRecoveryFlakyTest(t *testing.T) {
	// A component warning is not a failure: the tests alone failed the
	// deployment, so the flaky check runs all the same.
	withWarning := strings.Replace(testFailure, `"componentFailures":[]`, `"componentFailures":[{"componentType":"CustomObject","fullName":"Invoice__c","problem":"Setting sharingModel is deprecated","problemType":"Warning"}]`, 1)
	// In a namespaced org sf reports the prefix in its own field, for failed
	// and passed tests alike: the test is the same one, and flaky.
	namespaced := strings.ReplaceAll(testFailure, `"name":"InvoiceTest"`, `"name":"InvoiceTest","namespace":"acme"`)
	namespacedCheck := strings.ReplaceAll(checkPassedLowCoverage, `"name":"InvoiceTest"`, `"name":"InvoiceTest","namespace":"acme"`)
	for _, tc := range []struct {
		name, details, check, flaky string
	}{
		{"tests only", testFailure, checkPassedLowCoverage, "InvoiceTest.testTotals"},
		{"tests and a component warning", withWarning, checkPassedLowCoverage, "InvoiceTest.testTotals"},
		{"namespaced test", namespaced, namespacedCheck, "acme.InvoiceTest.testTotals"},
	} {
		details := tc.details
		t.Run(tc.name, func(t *testing.T) {
			const id, check, again = "0Af000000000010AAA", "0Af000000000020AAA", "0Af000000000021AAA"
			sf := newSF(t, map[string][]reply{
				"start":    {queued(id), queued(again)},
				"validate": {queued(check)},
				"report":   {finished(id, "Failed", 1, details), finished(check, "Failed", 0, tc.check), finished(again, "Succeeded", 0, "")},
			})
			rc, _ := newRecovery(sf)
			rep := rc.Run(context.Background(), Request{Mode: config.ModeDeploy, Spec: sfcli.DeploySpec{Target: sfcli.Target{Manifest: "manifest/package.xml"}, TestLevel: "RunLocalTests"}})
			if !rep.Succeeded || !rep.Recovered {
				t.Fatalf("report = %+v", rep.Outcome)
			}
			if strings.Join(rep.FlakyTests, ",") != tc.flaky {
				t.Errorf("flaky = %v, want %s", rep.FlakyTests, tc.flaky)
			}
			if got := rep.DeploymentAttempts(); got != 2 {
				t.Errorf("attempts = %d, want 2 (the redeploy counts, the check-only run does not)", got)
			}
			// The failed test runs against the new code: a check-only deployment
			// of the same content that runs the failed test's class.
			if got := sf.Count("project deploy validate --async --manifest manifest/package.xml --test-level RunSpecifiedTests --tests InvoiceTest"); got != 1 {
				t.Errorf("check-only reruns = %d:\n%s", got, strings.Join(sf.Calls(), "\n"))
			}
			if sf.Count("apex run test") != 0 {
				t.Error("apex run test runs the org's old code: it must not judge flakiness")
			}
		})
	}
}

// A regression in an existing test passes on the org's old code but fails
// against the new code: it is a real failure, and nothing is redeployed.
func TestRecoveryRegressionIsNotCalledFlaky(t *testing.T) {
	const id, check = "0Af000000000011AAA", "0Af000000000022AAA"
	sf := newSF(t, map[string][]reply{
		"start":    {queued(id)},
		"validate": {queued(check)},
		"report":   {finished(id, "Failed", 1, testFailure), finished(check, "Failed", 1, testFailure)},
	})
	rc, clock := newRecovery(sf)
	rep := rc.Run(context.Background(), Request{Mode: config.ModeDeploy})
	if rep.Succeeded || rep.Verdict.Category != result.CategoryTest || len(rep.FlakyTests) != 0 {
		t.Fatalf("report: succeeded %v category %s flaky %v", rep.Succeeded, rep.Verdict.Category, rep.FlakyTests)
	}
	// One run is the verdict: a test that fails again is broken, and
	// re-running it more would only cost time.
	if sf.Count("project deploy start") != 1 || sf.Count("project deploy validate") != 1 {
		t.Errorf("calls:\n%s", strings.Join(sf.Calls(), "\n"))
	}
	if len(clock.slept) != 0 {
		t.Errorf("slept %v after a completed rerun", clock.slept)
	}
	if rep.DeployID != id || rep.Deploy == nil || rep.Deploy.ID != id {
		t.Errorf("the report must show the failed deployment %s, not the check-only run", id)
	}
	if got := rep.DeploymentAttempts(); got != 1 {
		t.Errorf("attempts = %d, want 1", got)
	}
}

func TestRecoveryRerunThatCannotStart(t *testing.T) {
	const id = "0Af000000000012AAA"
	locked := sfError("sf:UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", "")
	sf := newSF(t, map[string][]reply{
		"start":    {queued(id)},
		"validate": {locked, locked},
		"report":   {finished(id, "Failed", 1, testFailure)},
	})
	rc, clock := newRecovery(sf)
	rep := rc.Run(context.Background(), Request{Mode: config.ModeDeploy})
	if rep.Succeeded || rep.Verdict.Category != result.CategoryTest {
		t.Fatalf("the original failure must stand: %+v", rep.Verdict)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "did not work") || !strings.Contains(rep.Notes[0], "UNABLE_TO_LOCK_ROW") {
		t.Errorf("notes = %q", rep.Notes)
	}
	// A run that cannot start is tried again, after a backoff, within bounds.
	if sf.Count("project deploy validate") != 2 || len(clock.slept) != 1 {
		t.Errorf("rerun tries %d, slept %v; want 2 tries and 1 backoff", sf.Count("project deploy validate"), clock.slept)
	}
}

func TestRecoveryFallbackValidate(t *testing.T) {
	const id, vid = "0Af000000000013AAA", "0Af000000000014AAA"
	sf := newSF(t, map[string][]reply{
		"start":    {queued(id)},
		"validate": {queued(vid)},
		"report":   {finished(id, "Failed", 1, compileError), finished(vid, "Failed", 1, compileError)},
	})
	rc, _ := newRecovery(sf)
	rc.Fallback = config.FallbackValidate
	rep := rc.Run(context.Background(), Request{Mode: config.ModeDeploy})
	if rep.Succeeded || rep.Verdict.Category != result.CategoryMetadata {
		t.Fatalf("the step must still fail: %+v", rep.Verdict)
	}
	if sf.Count("project deploy validate") != 1 {
		t.Errorf("calls:\n%s", strings.Join(sf.Calls(), "\n"))
	}
	if last := rep.Attempts[len(rep.Attempts)-1]; last.Kind != "wait" || rep.Attempts[len(rep.Attempts)-2].Kind != "fallback-validate" {
		t.Errorf("timeline = %+v", rep.Attempts)
	}
}

func TestRecoveryPhased(t *testing.T) {
	const id1, id2, id3 = "0Af000000000015AAA", "0Af000000000016AAA", "0Af000000000017AAA"
	sf := newSF(t, map[string][]reply{
		"start":  {queued(id1), queued(id2), queued(id3)},
		"report": {finished(id1, "Failed", 1, dependencyFailure), finished(id2, "Succeeded", 0, ""), finished(id3, "Succeeded", 0, "")},
	})
	rc, _ := newRecovery(sf)
	rc.Fallback = config.FallbackPhased
	full := sfcli.DeploySpec{Target: sfcli.Target{Manifest: "manifest/package.xml"}, TestLevel: "RunLocalTests"}
	rc.Phases = func(config.Fallback) ([]Phase, error) {
		return []Phase{
			{Name: "foundation", Spec: sfcli.DeploySpec{Target: sfcli.Target{Metadata: []string{"CustomObject:Invoice__c", "CustomField:Invoice__c.Total__c"}}, TestLevel: "NoTestRun"}},
			{Name: "full", Spec: full},
		}, nil
	}
	rep := rc.Run(context.Background(), Request{Mode: config.ModeDeploy, Spec: full})
	if !rep.Succeeded || !rep.Recovered {
		t.Fatalf("report = %+v", rep.Outcome)
	}
	want := []string{
		"project deploy start --async --manifest manifest/package.xml --test-level RunLocalTests --json",
		"project deploy start --async --metadata CustomObject:Invoice__c --metadata CustomField:Invoice__c.Total__c --test-level NoTestRun",
		"project deploy start --async --manifest manifest/package.xml --test-level RunLocalTests",
	}
	var starts []string
	for _, c := range sf.Calls() {
		if strings.HasPrefix(c, "project deploy start") {
			starts = append(starts, c)
		}
	}
	if len(starts) != 3 || starts[1] != want[1] || starts[2] != want[2] {
		t.Errorf("deploys:\n%s", strings.Join(starts, "\n"))
	}
	if got := rep.DeploymentAttempts(); got != 3 {
		t.Errorf("attempts = %d", got)
	}
}

func TestRecoveryHealthCheckRollback(t *testing.T) {
	const id, rb = "0Af000000000018AAA", "0Af000000000019AAA"
	for _, withRollback := range []bool{true, false} {
		t.Run(fmt.Sprint("rollback=", withRollback), func(t *testing.T) {
			queues := map[string][]reply{"start": {queued(id)}, "report": {finished(id, "Succeeded", 0, "")},
				"apex": {testRun("Failed", "SmokeTest.testLogin")}}
			if withRollback {
				queues["start"] = append(queues["start"], queued(rb))
				queues["report"] = append(queues["report"], finished(rb, "Succeeded", 0, ""))
			}
			sf := newSF(t, queues)
			rc, _ := newRecovery(sf)
			rc.HealthCheckTests = []string{"SmokeTest"}
			if withRollback {
				rc.RollbackDir = "/work/last-good"
			}
			rep := rc.Run(context.Background(), Request{Mode: config.ModeDeploy})
			if rep.Succeeded || !rep.HealthCheckFailed || rep.RolledBack != withRollback {
				t.Fatalf("succeeded %v health failed %v rolled back %v", rep.Succeeded, rep.HealthCheckFailed, rep.RolledBack)
			}
			if got := sf.Count("project deploy start"); got != map[bool]int{true: 2, false: 1}[withRollback] {
				t.Errorf("deploys = %d", got)
			}
			if rep.Verdict.Category != result.CategoryTest || !strings.Contains(rep.Verdict.Reason, "SmokeTest.testLogin") {
				t.Errorf("verdict = %+v", rep.Verdict)
			}
		})
	}
}
