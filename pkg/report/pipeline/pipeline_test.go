package pipeline

// The benchmarks here measure the action's whole failure analysis in one
// process: parse the sf JSON document, classify every item with the catalog,
// render annotations, the step summary, JUnit, SARIF and coverage.

import (
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
	return report.Options{Project: report.Project{Root: dir, Dir: dir, PackageDirs: []string{"force-app"}}, CoverageThreshold: 75, MaxSkeletons: 25}
}

// The input is what the benchmark claims: about 50 MB, every item parsed
// and classified.
func TestBigResultShape(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds a 50 MB document")
	}
	raw := BigResult(1)
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
	raw := BigResult(1)
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
	raw := BigResult(1)
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
