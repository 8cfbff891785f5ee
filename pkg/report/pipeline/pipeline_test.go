// Package pipeline measures deploy-guard's whole failure analysis on a very
// large deployment result: parse the sf JSON document, classify every item
// with the catalog, render annotations, the step summary, JUnit, SARIF and
// coverage. It holds only benchmarks and the test that checks their input.
package pipeline

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/classify"
	"github.com/org/deploy-guard/pkg/report"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// bigResult writes an sf --json envelope of a failed deployment with 20,000
// components (500 failed), 10,000 tests (1,000 failed) and coverage for
// 3,000 classes, in the shape the CLI prints (about 50 MB).
func bigResult() []byte {
	var b bytes.Buffer
	b.Grow(56 << 20)
	b.WriteString(`{"status":1,"result":{"id":"0Af000000000001AAA","status":"Failed","done":true,"success":false,"checkOnly":false,` +
		`"numberComponentsTotal":20000,"numberComponentsDeployed":19500,"numberComponentErrors":500,"numberTestsTotal":10000,"numberTestsCompleted":9000,"numberTestErrors":1000,"details":{"componentFailures":[`)
	problems := []string{"Variable does not exist: amount", "Invalid type: RegionRates", "In field: Status__c - no CustomField named Invoice__c.Status__c found", "Duplicate value found: duplicates value on record with id: 0010000000abcde"}
	for i := range 500 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"changed":false,"columnNumber":%d,"componentType":"ApexClass","created":false,"createdDate":"2026-11-20T10:00:00.000Z","deleted":false,"fileName":"classes/Svc%05d.cls","fullName":"Svc%05d","lineNumber":%d,"problem":%q,"problemType":"Error","success":false}`,
			5+i%30, i*40, i*40, 10+i%200, problems[i%len(problems)])
	}
	b.WriteString(`],"componentSuccesses":[`)
	for i := range 19500 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"changed":true,"componentType":"ApexClass","created":false,"createdDate":"2026-11-20T10:00:00.000Z","deleted":false,"fileName":"classes/Ok%05d.cls","fullName":"Ok%05d","id":"01p00000000%05dAAA","success":true}`, i, i, i)
	}
	b.WriteString(`],"runTestResult":{"numFailures":1000,"numTestsRun":10000,"totalTime":812345.0,"failures":[`)
	msgs := []string{"System.AssertException: Assertion Failed: Expected: 7, Actual: 7.25", "System.LimitException: Too many SOQL queries: 101",
		"System.DmlException: Insert failed. First exception on row 0; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []",
		"System.NullPointerException: Attempt to de-reference a null object"}
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"01p00000000%05dAAA","message":%q,"methodName":"m%d","name":"Test%04d","namespace":null,"packageName":"Test%04d","stackTrace":"Class.Svc%05d.run: line 33, column 1\nClass.Test%04d.m%d: line %d, column 1","time":%d,"type":"Class"}`,
			i, msgs[i%len(msgs)], i%10, i, i, i, i, i%10, 10+i%90, 100+i)
	}
	b.WriteString(`],"successes":[`)
	for i := range 9000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"01p00000001%05dAAA","methodName":"ok%d","name":"Pass%04d","namespace":null,"time":%d}`, i, i%9, i/9, 50+i%400)
	}
	b.WriteString(`],"codeCoverage":[`)
	for i := range 3000 {
		if i > 0 {
			b.WriteByte(',')
		}
		lines := 400 + i%800
		notCovered := (i * 37) % (lines * 3 / 4)
		fmt.Fprintf(&b, `{"id":"01p00000002%05dAAA","locationsNotCovered":[`, i)
		for l := range notCovered {
			if l > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"column":0,"line":%d,"numExecutions":0,"time":-1}`, 2+l*2)
		}
		fmt.Fprintf(&b, `],"name":"Svc%05d","namespace":null,"numLocations":%d,"numLocationsNotCovered":%d,"type":"Class"}`, i, lines, notCovered)
	}
	b.WriteString(`],"codeCoverageWarnings":[{"id":"01p000000000001AAA","message":"Average test coverage across all Apex Classes and Triggers is 61%, at least 75% test coverage is required.","name":null,"namespace":null}]}}},"warnings":[]}`)
	return b.Bytes()
}

// analyse is the action's whole path from sf's stdout to the reports.
func analyse(raw []byte, c *classify.Classifier, o report.Options) (int, error) {
	env, err := sfcli.ParseEnvelope(raw)
	if err != nil {
		return 0, err
	}
	d, err := result.ParseDeployValue(env.ResultValue)
	if err != nil {
		return 0, err
	}
	v := c.Deploy(d)
	r := &result.Run{Status: result.StatusFailed, Category: v.Category, Message: v.Reason, DeployID: d.ID, Deploy: d,
		Attempts: []result.Attempt{{Number: 1, Kind: "deploy", Command: "sf project deploy start --manifest manifest/package.xml", ExitCode: 1, Outcome: "Failed", Category: v.Category}}}
	n := len(report.Summary(r, o)) + len(report.Annotations(r, o.Project, 75))
	for _, f := range []func() ([]byte, error){
		func() ([]byte, error) { return report.JUnit(r) },
		func() ([]byte, error) { return report.SARIF(r, o.Project, "bench") },
		func() ([]byte, error) { return report.CoverageJSON(r, 75) },
	} {
		b, err := f()
		if err != nil {
			return 0, err
		}
		n += len(b)
	}
	return n, nil
}

func options(tb testing.TB) report.Options {
	dir := tb.TempDir()
	os.WriteFile(filepath.Join(dir, "sfdx-project.json"), []byte(`{"packageDirectories":[{"path":"force-app","default":true}]}`), 0o644)
	os.MkdirAll(filepath.Join(dir, "force-app", "main", "default", "classes"), 0o755)
	return report.Options{Project: report.Project{Root: dir, Dir: dir, PackageDirs: []string{"force-app"}}, CoverageThreshold: 75}
}

// The input is what the benchmark claims: about 50 MB, every item parsed
// and classified.
func TestBigResultShape(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 50 MB document")
	}
	raw := bigResult()
	if mb := len(raw) >> 20; mb < 45 || mb > 60 {
		t.Fatalf("document is %d MB, want about 50", mb)
	}
	env, err := sfcli.ParseEnvelope(raw)
	if err != nil {
		t.Fatal(err)
	}
	d, err := result.ParseDeploy(env.Result)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.ComponentFailures) != 500 || len(d.TestFailures) != 1000 || len(d.TestSuccesses) != 9000 || len(d.Coverage) != 3000 {
		t.Fatalf("parsed %d component failures, %d test failures, %d passes, %d coverage rows",
			len(d.ComponentFailures), len(d.TestFailures), len(d.TestSuccesses), len(d.Coverage))
	}
	v := classify.Default().Deploy(d)
	if v.Category != result.CategoryDependency {
		t.Errorf("category %s, want dependency (the most important present)", v.Category)
	}
	limits := 0
	for _, f := range d.TestFailures {
		if f.Category == result.CategoryLimits {
			limits++
		}
	}
	if limits != 250 {
		t.Errorf("%d tests classified limits, want 250", limits)
	}
	if n, err := analyse(raw, classify.Default(), options(t)); err != nil || n == 0 {
		t.Fatalf("analyse: %d bytes, %v", n, err)
	}
}

// BenchmarkAnalyse50MB: parse + classify + render of the 50 MB document.
func BenchmarkAnalyse50MB(b *testing.B) {
	raw := bigResult()
	c, o := classify.Default(), options(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := analyse(raw, c, o); err != nil {
			b.Fatal(err)
		}
	}
}

// seedSnippets are the seed workflow's jq extractions, one per failure type
// as it runs them: component failures, failed tests, classes under 75%.
var seedSnippets = []string{
	`.result.details.componentFailures[] | "\(.componentType) \(.fullName) line \(.lineNumber): \(.problem)"`,
	`.result.details.runTestResult.failures[] | "\(.name).\(.methodName): \(.message)\n\(.stackTrace)"`,
	`.result.details.runTestResult.codeCoverage[] | select(.numLocations > 0 and ((.numLocations - .numLocationsNotCovered) * 100 / .numLocations) < 75)
	 | "\(.name) \((.numLocations - .numLocationsNotCovered) * 100 / .numLocations)% uncovered: \([.locationsNotCovered[].line] | map(tostring) | join(","))"`,
}

// BenchmarkSeedJQ50MB runs the seed's snippets with jq (apt-get install jq),
// one process per snippet as the seed does; OneProgram joins them into a
// single jq program, the kindest comparison for jq.
func BenchmarkSeedJQ50MB(b *testing.B) {
	jq, err := exec.LookPath("jq")
	if err != nil {
		b.Skip("jq not installed")
	}
	file := filepath.Join(b.TempDir(), "result.json")
	raw := bigResult()
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, programs ...string) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			for _, prog := range programs {
				out, err := exec.Command(jq, "-r", prog, file).Output()
				if err != nil || len(out) == 0 {
					b.Fatalf("jq: %v", err)
				}
			}
		}
	}
	b.Run("PerFailureType", func(b *testing.B) { run(b, seedSnippets...) })
	b.Run("OneProgram", func(b *testing.B) { run(b, "("+strings.Join(seedSnippets, "),\n(")+")") })
}
