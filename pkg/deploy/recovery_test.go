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

func TestRecoveryFlakyTest(t *testing.T) {
	// A component warning is not a failure: the tests alone failed the
	// deployment, so the flaky check runs all the same.
	withWarning := strings.Replace(testFailure, `"componentFailures":[]`, `"componentFailures":[{"componentType":"CustomObject","fullName":"Invoice__c","problem":"Setting sharingModel is deprecated","problemType":"Warning"}]`, 1)
	for name, details := range map[string]string{"tests only": testFailure, "tests and a component warning": withWarning} {
		t.Run(name, func(t *testing.T) {
			const id = "0Af000000000010AAA"
			sf := newSF(t, map[string][]reply{"start": {queued(id), queued(id)},
				"resume": {finished(id, "Failed", 1, details), finished(id, "Succeeded", 0, "")},
				"apex":   {testRun("Passed", "InvoiceTest.testTotals")}})
			rc, _ := newRecovery(sf)
			rep := rc.Run(context.Background(), Request{Mode: config.ModeDeploy})
			if !rep.Succeeded || !rep.Recovered {
				t.Fatalf("report = %+v", rep.Outcome)
			}
			if strings.Join(rep.FlakyTests, ",") != "InvoiceTest.testTotals" {
				t.Errorf("flaky = %v", rep.FlakyTests)
			}
			if got := rep.DeploymentAttempts(); got != 2 {
				t.Errorf("attempts = %d, want 2 (the redeploy counts)", got)
			}
			if got := sf.Count("apex run test --wait 10 --tests InvoiceTest.testTotals"); got != 1 {
				t.Errorf("reruns = %d:\n%s", got, strings.Join(sf.Calls(), "\n"))
			}
		})
	}
}

func TestRecoveryRealTestFailureIsNotRetriedIntoSuccess(t *testing.T) {
	const id = "0Af000000000011AAA"
	sf := newSF(t, map[string][]reply{"start": {queued(id)},
		"resume": {finished(id, "Failed", 1, testFailure)},
		"apex":   {testRun("Failed", "InvoiceTest.testTotals")}})
	rc, clock := newRecovery(sf)
	rep := rc.Run(context.Background(), Request{Mode: config.ModeDeploy})
	if rep.Succeeded || rep.Verdict.Category != result.CategoryTest || len(rep.FlakyTests) != 0 {
		t.Fatalf("report: succeeded %v category %s flaky %v", rep.Succeeded, rep.Verdict.Category, rep.FlakyTests)
	}
	// One run alone is the verdict: a test that fails again is broken, and
	// re-running it more would only cost time.
	if sf.Count("project deploy start") != 1 || sf.Count("apex run test") != 1 {
		t.Errorf("calls:\n%s", strings.Join(sf.Calls(), "\n"))
	}
	if len(clock.slept) != 0 {
		t.Errorf("slept %v after a completed rerun", clock.slept)
	}
}

func TestRecoveryRerunThatCannotStart(t *testing.T) {
	const id = "0Af000000000012AAA"
	sf := newSF(t, map[string][]reply{"start": {queued(id)},
		"resume": {finished(id, "Failed", 1, testFailure)},
		"apex":   {sfError("Error", "There are no Apex tests to run in this org.", ""), sfError("Error", "There are no Apex tests to run in this org.", "")}})
	rc, clock := newRecovery(sf)
	rep := rc.Run(context.Background(), Request{Mode: config.ModeDeploy})
	if rep.Succeeded || rep.Verdict.Category != result.CategoryTest {
		t.Fatalf("the original failure must stand: %+v", rep.Verdict)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "did not work") || !strings.Contains(rep.Notes[0], "no Apex tests") {
		t.Errorf("notes = %q", rep.Notes)
	}
	// A run that cannot start is tried again, after a backoff, within bounds.
	if sf.Count("apex run test") != 2 || len(clock.slept) != 1 {
		t.Errorf("rerun tries %d, slept %v; want 2 tries and 1 backoff", sf.Count("apex run test"), clock.slept)
	}
}

func TestRecoveryFallbackValidate(t *testing.T) {
	const id, vid = "0Af000000000013AAA", "0Af000000000014AAA"
	sf := newSF(t, map[string][]reply{"start": {queued(id)},
		"validate": {queued(vid)},
		"resume":   {finished(id, "Failed", 1, compileError), finished(vid, "Failed", 1, compileError)}})
	rc, _ := newRecovery(sf)
	rc.Fallback = config.FallbackValidate
	rep := rc.Run(context.Background(), Request{Mode: config.ModeDeploy})
	if rep.Succeeded || rep.Verdict.Category != result.CategoryMetadata {
		t.Fatalf("the step must still fail: %+v", rep.Verdict)
	}
	if sf.Count("project deploy validate") != 1 {
		t.Errorf("calls:\n%s", strings.Join(sf.Calls(), "\n"))
	}
	if last := rep.Attempts[len(rep.Attempts)-1]; last.Kind != "resume" || rep.Attempts[len(rep.Attempts)-2].Kind != "fallback-validate" {
		t.Errorf("timeline = %+v", rep.Attempts)
	}
}

func TestRecoveryPhased(t *testing.T) {
	const id1, id2, id3 = "0Af000000000015AAA", "0Af000000000016AAA", "0Af000000000017AAA"
	sf := newSF(t, map[string][]reply{"start": {queued(id1), queued(id2), queued(id3)},
		"resume": {finished(id1, "Failed", 1, dependencyFailure), finished(id2, "Succeeded", 0, ""), finished(id3, "Succeeded", 0, "")}})
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
			queues := map[string][]reply{"start": {queued(id)}, "resume": {finished(id, "Succeeded", 0, "")},
				"apex": {testRun("Failed", "SmokeTest.testLogin")}}
			if withRollback {
				queues["start"] = append(queues["start"], queued(rb))
				queues["resume"] = append(queues["resume"], finished(rb, "Succeeded", 0, ""))
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
