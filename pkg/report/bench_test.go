package report

import (
	"fmt"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

// benchRun is a large deployment: 20,000 components with 500 failures,
// 10,000 tests with 1,000 failures, coverage for 3,000 classes.
func benchRun() *result.Run {
	d := &result.Deploy{ID: "0Af000000000001AAA", Status: "Failed", ComponentsTotal: 20000, ComponentsDeployed: 19500, TestsRun: 10000}
	for i := 0; i < 20000; i++ {
		d.Components = append(d.Components, result.Component{Type: "ApexClass", FullName: fmt.Sprintf("C%05d", i), FileName: fmt.Sprintf("classes/C%05d.cls", i)})
	}
	for i := 0; i < 500; i++ {
		d.ComponentFailures = append(d.ComponentFailures, result.ComponentFailure{Type: "ApexClass", FullName: fmt.Sprintf("C%05d", i*40), FileName: fmt.Sprintf("classes/C%05d.cls", i*40), Line: 10, Column: 5, Problem: "Variable does not exist: amount", ProblemType: "Error",
			Diagnosis: result.Diagnosis{Category: result.CategoryMetadata, PatternID: "apex-variable-missing", Explanation: "The code uses an undeclared variable.", Fix: "Declare it."}})
	}
	for i := 0; i < 10000; i++ {
		cls, m := fmt.Sprintf("T%04d", i/10), fmt.Sprintf("m%d", i%10)
		if i%10 == 0 {
			d.TestFailures = append(d.TestFailures, result.TestFailure{Class: cls, Method: m, Message: "System.AssertException: Assertion Failed: Expected: 1, Actual: 2", StackTrace: fmt.Sprintf("Class.C%05d.run: line 3, column 1\nClass.%s.%s: line 12, column 1", i, cls, m), TimeMS: 120,
				Diagnosis: result.Diagnosis{Category: result.CategoryTest}})
		} else {
			d.TestSuccesses = append(d.TestSuccesses, result.TestSuccess{Class: cls, Method: m, TimeMS: 80})
		}
	}
	for i := 0; i < 3000; i++ {
		d.Coverage = append(d.Coverage, result.ClassCoverage{Name: fmt.Sprintf("C%05d", i), Type: "Class", Locations: 100, NotCovered: i % 60, UncoveredLines: []int{5, 6, 7, 20, 22, 40}})
	}
	return &result.Run{Status: result.StatusFailed, Category: result.CategoryMetadata, Message: "500 components failed", DeployID: d.ID, Deploy: d,
		Attempts: []result.Attempt{{Number: 1, Kind: "deploy", Command: deployCmd, ExitCode: 1, Outcome: "Failed"}}}
}

func BenchmarkRender(b *testing.B) {
	r := benchRun()
	p := testProject(b)
	p.Source = p.index() // walked once, as app shares preflight's walk
	o := Options{Project: p, CoverageThreshold: 75, MaxSkeletons: 25}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Summary(r, o)
		Annotations(r, p, 75)
		if _, err := JUnit(r); err != nil {
			b.Fatal(err)
		}
		if _, err := SARIF(r, p, "bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := CoverageJSON(r, 75); err != nil {
			b.Fatal(err)
		}
	}
}
