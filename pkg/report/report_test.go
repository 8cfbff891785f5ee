package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/org/deploy-guard/internal/testkit"
	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/tidwall/gjson"
)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", "golden", name), got)
}

func renderAnnotations(as []actions.Annotation) []byte {
	var b bytes.Buffer
	for _, a := range as {
		b.WriteString(a.String())
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	p := testProject(t)
	names := make([]string, 0)
	runs := scenarios()
	for n := range runs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		r := runs[name]
		t.Run(name, func(t *testing.T) {
			o := Options{Project: p, CoverageThreshold: 75, MaxSkeletons: 25, RunURL: "https://github.com/org/app/actions/runs/42", ArtifactsDir: ".deploy-guard"}
			if name == "transient-recovered" {
				o.Extra = []Section{{Title: "Circuit breaker", Body: "Closed: 0 of the last 5 runs failed."}}
			}
			sum := Summary(r, o)
			golden(t, name+".summary.md", []byte(sum))
			md := Markdown(r, o)
			golden(t, name+".report.md", []byte(md))
			if md != sum {
				t.Error("Markdown differs from an uncapped Summary")
			}
			golden(t, name+".annotations.txt", renderAnnotations(Annotations(r, p, 75)))
			if j, err := JUnit(r); err != nil {
				t.Fatal(err)
			} else if j != nil {
				golden(t, name+".junit.xml", j)
				checkXML(t, j)
			}
			s, err := SARIF(r, p, "1.2.3")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".sarif", s)
			checkSARIF(t, s)
			if c, err := CoverageJSON(r, 75); err != nil {
				t.Fatal(err)
			} else if c != nil {
				golden(t, name+".coverage.json", c)
				if !json.Valid(c) {
					t.Error("coverage.json is not valid JSON")
				}
			}
			if c, err := Cobertura(r, p); err != nil {
				t.Fatal(err)
			} else if c != nil {
				golden(t, name+".cobertura.xml", c)
				checkXML(t, c)
			}
			sk := TestSkeletons(r, p, 75, 25)
			skNames := make([]string, 0, len(sk))
			for n := range sk {
				skNames = append(skNames, n)
			}
			sort.Strings(skNames)
			for _, n := range skNames {
				if strings.HasSuffix(n, ".cls") {
					golden(t, name+".skeleton."+n, sk[n])
				}
			}
		})
	}
}

// checkXML parses the whole document with encoding/xml.
func checkXML(t *testing.T, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("invalid XML: %v\n%s", err, b)
		}
	}
}

func checkSARIF(t *testing.T, b []byte) {
	t.Helper()
	var doc struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if doc.Version != "2.1.0" || doc.Schema != SARIFSchema || len(doc.Runs) != 1 || doc.Runs[0].Tool.Driver.Name != "deploy-guard" {
		t.Fatalf("SARIF header: version %q schema %q runs %d", doc.Version, doc.Schema, len(doc.Runs))
	}
	rules := doc.Runs[0].Tool.Driver.Rules
	for _, r := range doc.Runs[0].Results {
		if r.RuleIndex < 0 || r.RuleIndex >= len(rules) || rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %q has ruleIndex %d", r.RuleID, r.RuleIndex)
		}
		if r.Level != "error" && r.Level != "warning" {
			t.Errorf("level %q", r.Level)
		}
		for _, l := range r.Locations {
			if l.PhysicalLocation.ArtifactLocation.URIBaseID != "%SRCROOT%" || strings.HasPrefix(l.PhysicalLocation.ArtifactLocation.URI, "/") {
				t.Errorf("location %+v", l)
			}
			if l.PhysicalLocation.Region != nil && l.PhysicalLocation.Region.StartLine <= 0 {
				t.Errorf("region without line")
			}
		}
	}
}

func TestScenarioAnnotations(t *testing.T) {
	t.Parallel()
	p := testProject(t)
	runs := scenarios()
	an := Annotations(runs["compile-error"], p, 75)
	if len(an) != 1 || an[0].Level != actions.LevelError || an[0].File != "testdata/project/force-app/main/default/classes/InvoiceService.cls" || an[0].Line != 5 || an[0].Col != 20 {
		t.Fatalf("compile error: %+v", an)
	}
	if an[0].Title != "InvoiceService: Variable does not exist: amount" || !strings.Contains(an[0].Message, "\nThe Apex code uses") || !strings.Contains(an[0].Message, " Fix: Declare") {
		t.Errorf("compile error text: %+v", an[0])
	}

	an = Annotations(runs["test-failures"], p, 75)
	var errs, warns int
	for _, a := range an {
		switch a.Level {
		case actions.LevelError:
			errs++
			if a.File != "testdata/project/force-app/main/default/classes/InvoiceServiceTest.cls" {
				t.Errorf("test annotation file %q", a.File)
			}
		case actions.LevelWarning:
			warns++
			if !strings.Contains(a.Title, "TaxCalculatorTest.rounds") {
				t.Errorf("flaky warning %+v", a)
			}
		}
	}
	if errs != 2 || warns != 1 {
		t.Errorf("test failures: %d errors, %d warnings: %+v", errs, warns, an)
	}
	// The stack frame of the test class itself wins over the first frame.
	for _, a := range an {
		if strings.Contains(a.Title, "totalsAmounts") && a.Line != 8 {
			t.Errorf("totalsAmounts line = %d, want 8", a.Line)
		}
		if strings.Contains(a.Title, "addsTax") && a.Line != 21 {
			t.Errorf("addsTax line = %d, want 21", a.Line)
		}
	}

	an = Annotations(runs["auth"], p, 75)
	if len(an) != 1 || an[0].Level != actions.LevelError || !strings.Contains(an[0].Message, "Could not log in") || !strings.Contains(an[0].Message, "sf org display --verbose") {
		t.Errorf("auth: %+v", an)
	}
	an = Annotations(runs["transient-recovered"], p, 75)
	if len(an) != 1 || an[0].Level != actions.LevelNotice {
		t.Errorf("recovered: %+v", an)
	}
	an = Annotations(runs["coverage"], p, 75)
	var covErr bool
	for _, a := range an {
		if a.Level == actions.LevelError {
			covErr = true
		}
		if strings.HasPrefix(a.Title, "TaxCalculator:") && (a.File == "" || a.Line != 3) {
			t.Errorf("class coverage warning %+v", a)
		}
	}
	if !covErr {
		t.Error("a failed coverage run has no error annotation")
	}
	ok := &result.Run{Status: result.StatusSucceeded, Message: "Deployed", Attempts: []result.Attempt{{Number: 1}}}
	if an := Annotations(ok, p, 75); len(an) != 0 {
		t.Errorf("success: %+v", an)
	}
}

func TestStackTraceNamespaces(t *testing.T) {
	t.Parallel()
	p := testProject(t)
	tf := result.TestFailure{Class: "InvoiceServiceTest", Namespace: "ns", Method: "m", StackTrace: "Class.ns.InvoiceServiceTest.m: line 3, column 1"}
	if f, l := p.testLocation(tf); !strings.HasSuffix(f, "InvoiceServiceTest.cls") || l != 3 {
		t.Errorf("namespaced frame: %q %d", f, l)
	}
	tf = result.TestFailure{Class: "Other", Namespace: "ns", Method: "m", StackTrace: "Class.ns.TaxCalculator.taxFor: line 6, column 1\nAnonymousBlock: line 1"}
	if f, l := p.testLocation(tf); !strings.HasSuffix(f, "TaxCalculator.cls") || l != 6 {
		t.Errorf("first frame: %q %d", f, l)
	}
	tf = result.TestFailure{Class: "InvoiceServiceTest", Method: "m"}
	if f, l := p.testLocation(tf); !strings.HasSuffix(f, "InvoiceServiceTest.cls") || l != 0 {
		t.Errorf("no stack: %q %d", f, l)
	}
}

func TestAnnotationCap(t *testing.T) {
	t.Parallel()
	p := testProject(t)
	d := &result.Deploy{Status: "Failed"}
	for i := 0; i < 25; i++ {
		c := result.ComponentFailure{Type: "ApexClass", FullName: fmt.Sprintf("C%02d", i), FileName: fmt.Sprintf("classes/C%02d.cls", i), Problem: "boom", ProblemType: "Error",
			Diagnosis: result.Diagnosis{Category: result.CategoryMetadata}}
		if i == 20 {
			// One dependency error: higher priority, must be kept.
			c.Category = result.CategoryDependency
		}
		if i == 22 {
			c.FullName, c.FileName, c.Line = "InvoiceService", "classes/InvoiceService.cls", 3
		}
		d.ComponentFailures = append(d.ComponentFailures, c)
	}
	r := &result.Run{Status: result.StatusFailed, Category: result.CategoryDependency, Message: "25 failures", Deploy: d}
	an := Annotations(r, p, 75)
	count := map[actions.Level]int{}
	for _, a := range an {
		count[a.Level]++
	}
	if count[actions.LevelError] != 10 || count[actions.LevelNotice] != 1 || len(an) != 11 {
		t.Fatalf("counts %v", count)
	}
	last := an[len(an)-1]
	if last.Level != actions.LevelNotice || !strings.HasPrefix(last.Message, "15 more failures are listed in the step summary") {
		t.Errorf("notice %+v", last)
	}
	if !strings.HasPrefix(an[0].Title, "C20:") {
		t.Errorf("first kept = %q, want the dependency error", an[0].Title)
	}
	if !strings.HasPrefix(an[1].Title, "InvoiceService:") || an[1].Line != 3 {
		t.Errorf("second kept = %+v, want the one with file and line", an[1])
	}
	if !strings.HasPrefix(an[2].Title, "C00:") {
		t.Errorf("then input order: %q", an[2].Title)
	}
}

func hugeRun(n int) *result.Run {
	d := &result.Deploy{ID: "0Af000000000001AAA", Status: "Failed"}
	for i := 0; i < n; i++ {
		d.ComponentFailures = append(d.ComponentFailures, result.ComponentFailure{Type: "ApexClass", FullName: fmt.Sprintf("Class%05d", i), FileName: fmt.Sprintf("classes/Class%05d.cls", i), Line: i%300 + 1, Problem: strings.Repeat("x", 40) + " problem | with <pipes>", ProblemType: "Error"})
		d.TestFailures = append(d.TestFailures, result.TestFailure{Class: fmt.Sprintf("T%05d", i), Method: "m", Message: "System.AssertException: " + strings.Repeat("y", 60), StackTrace: fmt.Sprintf("Class.T%05d.m: line 3, column 1", i)})
		d.Coverage = append(d.Coverage, result.ClassCoverage{Name: fmt.Sprintf("Class%05d", i), Type: "Class", Locations: 100, NotCovered: 90, UncoveredLines: []int{1, 2, 3, 5, 7, 9, 11}})
	}
	r := &result.Run{Status: result.StatusFailed, Category: result.CategoryMetadata, Message: fmt.Sprintf("%d components failed", n), DeployID: d.ID, Deploy: d}
	for i := 0; i < 50; i++ {
		r.Attempts = append(r.Attempts, result.Attempt{Number: i + 1, Kind: "deploy", Command: deployCmd, Outcome: "Failed"})
		r.Notes = append(r.Notes, fmt.Sprintf("note %d", i))
	}
	return r
}

func TestSummarySizeCap(t *testing.T) {
	t.Parallel()
	r := hugeRun(50000)
	for _, limit := range []int{0, 200000, 5000} {
		o := Options{MaxBytes: limit}
		want := limit
		if want == 0 {
			want = DefaultMaxBytes
		}
		s := Summary(r, o)
		if len(s) > want {
			t.Errorf("limit %d: len %d", limit, len(s))
		}
		if !strings.HasPrefix(s, "## ❌ deploy-guard: failed (metadata)") || !strings.Contains(s, "50000 components failed") {
			t.Errorf("limit %d: banner missing:\n%.300s", limit, s)
		}
		if !strings.Contains(s, noteText) {
			t.Errorf("limit %d: truncation note missing", limit)
		}
	}
	s := Summary(r, Options{})
	if !strings.Contains(s, "Class00000") {
		t.Error("the most important items were cut")
	}
	if full := Markdown(r, Options{}); len(full) <= DefaultMaxBytes || strings.Contains(full, noteText) {
		t.Errorf("report.md should not be capped: %d bytes", len(full))
	}
	// Any tiny limit is honoured too.
	for _, limit := range []int{1, 50, 300} {
		if s := Summary(r, Options{MaxBytes: limit}); len(s) > limit {
			t.Errorf("limit %d: len %d", limit, len(s))
		}
	}
}

func TestMarkdownInjection(t *testing.T) {
	t.Parallel()
	evil := "</details><script>alert(1)</script> | pipes | `tick` ``\n::error::x\n# heading [link](javascript:x) <img src=x onerror=y>"
	r := &result.Run{Status: result.StatusFailed, Category: result.CategoryTest, Message: evil, TargetOrg: "ci`x", DeployID: "0Af|x",
		Notes: []string{evil}, NextSteps: []string{evil},
		Attempts: []result.Attempt{{Number: 1, Kind: evil, Command: "sf ``x`` | y\nz", Outcome: evil, Decision: evil}},
		Deploy: &result.Deploy{Status: "Failed",
			ComponentFailures: []result.ComponentFailure{{Type: evil, FullName: evil, FileName: evil, Problem: evil, Diagnosis: result.Diagnosis{Explanation: evil, Fix: evil}}},
			TestFailures:      []result.TestFailure{{Class: "A<b>", Method: evil, Message: evil, StackTrace: evil}},
			Coverage:          []result.ClassCoverage{{Name: evil, Type: evil, Locations: 10, NotCovered: 9}},
			CoverageWarnings:  []result.CoverageWarning{{Name: "x|y", Message: evil}},
		}}
	s := Summary(r, Options{Extra: nil})
	for _, bad := range []string{"</details><script>", "<script>", "<img", "\n::error::", "\n# heading"} {
		if strings.Contains(s, bad) {
			t.Errorf("summary contains %q", bad)
		}
	}
	if !strings.Contains(s, "&lt;/details&gt;&lt;script&gt;") {
		t.Error("escaped text missing")
	}
	// Every table row keeps its number of cells: no raw pipe from the org.
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := countCells(line)
		if cells != 4 && cells != 5 && cells != 7 {
			t.Errorf("row has %d cells: %s", cells, line)
		}
	}
	// <details> blocks stay balanced.
	if o, c := strings.Count(s, "<details>"), strings.Count(s, "</details>"); o != c {
		t.Errorf("details %d open, %d closed", o, c)
	}
	// Annotations cannot start a new workflow command.
	for _, a := range Annotations(r, Project{}, 75) {
		line := a.String()
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("annotation line %q", line)
		}
	}
	for _, f := range []func() ([]byte, error){
		func() ([]byte, error) { return JUnit(r) },
		func() ([]byte, error) { return Cobertura(r, Project{}) },
	} {
		b, err := f()
		if err != nil {
			t.Fatal(err)
		}
		checkXML(t, b)
	}
	b, err := SARIF(r, Project{}, "x")
	if err != nil {
		t.Fatal(err)
	}
	checkSARIF(t, b)
}

// countCells counts the unescaped pipes of a table row minus one.
func countCells(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' {
			i++
			continue
		}
		if line[i] == '|' {
			n++
		}
	}
	return n - 1
}

func TestJUnitRoundTrip(t *testing.T) {
	t.Parallel()
	r := scenarios()["test-failures"]
	b, err := JUnit(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 7 || doc.Failures != 2 || len(doc.Suites) != 3 {
		t.Fatalf("tests %d failures %d suites %d", doc.Tests, doc.Failures, len(doc.Suites))
	}
	var flaky bool
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Name == "rounds" {
				flaky = c.Failure == nil && c.Properties != nil && strings.Contains(c.SystemOut, "Flaky")
			}
			if c.Name == "addsTax" && (c.Failure == nil || !strings.Contains(c.Failure.Text, "line 21")) {
				t.Errorf("addsTax: %+v", c)
			}
		}
	}
	if !flaky {
		t.Error("flaky test not reported as passed with a note")
	}
	if b, _ := JUnit(&result.Run{Deploy: &result.Deploy{}}); b != nil {
		t.Error("JUnit without tests should be nil")
	}
}

func TestCoverageOutputs(t *testing.T) {
	t.Parallel()
	r := scenarios()["coverage"]
	b, err := CoverageJSON(r, 75)
	if err != nil {
		t.Fatal(err)
	}
	var doc CoverageDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Classes) != 3 || !doc.OrgWide.BelowThreshold || doc.OrgWide.Total != 24 || doc.OrgWide.Covered != 14 {
		t.Errorf("coverage doc %+v", doc)
	}
	c, err := Cobertura(r, testProject(t))
	if err != nil {
		t.Fatal(err)
	}
	var cob oCoverage
	if err := xml.Unmarshal(c, &cob); err != nil {
		t.Fatal(err)
	}
	if cob.LineRate != "0.5833" || cob.LinesValid != 24 {
		t.Errorf("cobertura totals %s %d", cob.LineRate, cob.LinesValid)
	}
	for _, f := range []func() ([]byte, error){
		func() ([]byte, error) { return CoverageJSON(scenarios()["compile-error"], 75) },
		func() ([]byte, error) { return Cobertura(scenarios()["auth"], Project{}) },
	} {
		if b, err := f(); b != nil || err != nil {
			t.Errorf("no coverage data: %q %v", b, err)
		}
	}
}

func TestTestSkeletons(t *testing.T) {
	t.Parallel()
	sk := TestSkeletons(scenarios()["coverage"], testProject(t), 75, 25)
	src := string(sk["TaxCalculatorCoverageTest.cls"])
	for _, want := range []string{"@isTest", "private class TaxCalculatorCoverageTest", "Assert.fail('Write tests for TaxCalculator lines 3, 5-6, 8 before deploying this class');", "taxFor"} {
		if !strings.Contains(src, want) {
			t.Errorf("skeleton lacks %q:\n%s", want, src)
		}
	}
	if _, ok := sk["TaxCalculatorCoverageTest.cls-meta.xml"]; !ok {
		t.Error("no meta file")
	}
	if _, ok := sk["InvoiceServiceCoverageTest.cls"]; !ok {
		t.Error("InvoiceService is at 62.5%: below 75, should have a skeleton")
	}
}

func TestParseMethods(t *testing.T) {
	t.Parallel()
	src := "public class A {\n    public A() {}\n    @AuraEnabled(cacheable=true)\n    public static List<String> names(Id x) {\n        if (x == null) {\n            return null;\n        }\n        return new List<String>();\n    }\n    private void helper() {\n    }\n}\n"
	ms := parseMethods(src)
	var names []string
	for _, m := range ms {
		names = append(names, fmt.Sprintf("%s@%d-%d", m.name, m.line, m.end))
	}
	if got := strings.Join(names, " "); got != "A@2-3 names@4-9 helper@10-13" {
		t.Errorf("methods = %s", got)
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := testProject(t)
	paths, err := Write(filepath.Join(dir, "out"), scenarios()["coverage"], Options{Project: p, CoverageThreshold: 75, MaxSkeletons: 25}, "1.0.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"report-path", "sarif-path", "coverage-path"} {
		if _, err := os.Stat(paths[k]); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if _, ok := paths["junit-path"]; !ok {
		t.Error("junit-path missing (one test ran)")
	}
	for _, f := range []string{"coverage.cobertura.xml", "test-skeletons/TaxCalculatorCoverageTest.cls", "test-skeletons/InvoiceServiceCoverageTest.cls-meta.xml"} {
		st, err := os.Stat(filepath.Join(dir, "out", f))
		if err != nil {
			t.Error(err)
			continue
		}
		if st.Mode().Perm()&0o644 != 0o644 {
			t.Errorf("%s mode %v", f, st.Mode())
		}
	}
	// Every file, skeletons and Cobertura included, passes through the filter.
	var filtered atomic.Int32 // the artifacts are written side by side
	mark := func(w io.Writer) io.WriteCloser { filtered.Add(1); return &marker{w} }
	if _, err := Write(filepath.Join(dir, "filtered"), scenarios()["coverage"], Options{Project: p, CoverageThreshold: 75, MaxSkeletons: 25}, "1.0.0", mark); err != nil {
		t.Fatal(err)
	}
	files := 0
	filepath.WalkDir(filepath.Join(dir, "filtered"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
			if b, _ := os.ReadFile(path); !strings.HasSuffix(string(b), "FILTERED") {
				t.Errorf("%s did not pass through the filter", path)
			}
		}
		return nil
	})
	if files == 0 || files != int(filtered.Load()) {
		t.Errorf("%d files written, %d filtered", files, filtered.Load())
	}
	paths, err = Write(filepath.Join(dir, "auth"), scenarios()["auth"], Options{Project: p}, "1.0.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := paths["junit-path"]; ok {
		t.Error("junit written without tests")
	}
	if _, ok := paths["coverage-path"]; ok {
		t.Error("coverage written without data")
	}
}

// TestFixtures builds runs from the captured sf documents and checks that
// every renderer copes with them.
func TestFixtures(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "sf", "*.json"))
	if len(files) == 0 {
		t.Skip("no fixtures")
	}
	p := testProject(t)
	parsed := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc := raw
		if g := gjson.GetBytes(raw, "result"); g.Exists() {
			doc = []byte(g.Raw)
		}
		d, err := result.ParseDeploy(doc)
		if err != nil || d == nil {
			continue
		}
		parsed++
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := &result.Run{Status: result.StatusFailed, Category: result.CategoryUnknown, Message: "deploy " + d.Status, DeployID: d.ID, Deploy: d,
				Attempts: []result.Attempt{{Number: 1, Kind: "deploy", Command: "sf project deploy start --json", Outcome: d.Status}}}
			if d.Succeeded() {
				r.Status, r.Category = result.StatusSucceeded, result.CategoryNone
			}
			an := Annotations(r, p, 75)
			if !r.Status.OK() {
				errs := 0
				for _, a := range an {
					if a.Level == actions.LevelError {
						errs++
					}
					if a.Title == "" || a.Message == "" {
						t.Errorf("empty annotation %+v", a)
					}
				}
				if errs == 0 {
					t.Errorf("failed deploy without error annotation: %+v", an)
				}
				if n := len(d.ComponentFailures); n > 0 && n <= MaxPerLevel {
					found := false
					for _, a := range an {
						if strings.Contains(a.Title, d.ComponentFailures[0].FullName) {
							found = true
						}
					}
					if !found {
						t.Errorf("no annotation for %s: %+v", d.ComponentFailures[0].FullName, an)
					}
				}
			} else if len(an) != 0 {
				t.Errorf("success with annotations: %+v", an)
			}
			for _, a := range an {
				if strings.HasPrefix(a.File, "/") {
					t.Errorf("absolute file %q", a.File)
				}
			}
			s := Summary(r, Options{Project: p})
			if !strings.HasPrefix(s, "## ") {
				t.Errorf("summary: %.200s", s)
			}
			if b, err := JUnit(r); err != nil {
				t.Error(err)
			} else if b != nil {
				checkXML(t, b)
			}
			b, err := SARIF(r, p, "dev")
			if err != nil {
				t.Fatal(err)
			}
			checkSARIF(t, b)
			if b, err := Cobertura(r, p); err != nil {
				t.Error(err)
			} else if b != nil {
				checkXML(t, b)
			}
			if _, err := CoverageJSON(r, 75); err != nil {
				t.Error(err)
			}
			TestSkeletons(r, p, 75, 25)
		})
	}
	if parsed < 10 {
		t.Errorf("only %d fixtures parsed", parsed)
	}
}

// marker passes text through and appends FILTERED when closed.
type marker struct{ io.Writer }

func (m *marker) Close() error {
	_, err := io.WriteString(m.Writer, "FILTERED")
	return err
}

// failingDir refuses to create the files it names and creates the rest.
type failingDir struct {
	dir  string
	fail map[string]bool
}

func (d failingDir) Create(name string) (*os.File, string, error) {
	if d.fail[name] {
		return nil, "", errors.New("disk full")
	}
	p := filepath.Join(d.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, "", err
	}
	f, err := os.Create(p)
	return f, p, err
}

func TestWriteToWritesWhatItCanAndNamesEveryFailure(t *testing.T) {
	t.Parallel()
	dst := failingDir{dir: t.TempDir(), fail: map[string]bool{FileJUnit: true, FileCobertura: true}}
	paths, err := WriteTo(dst, scenarios()["coverage"], Options{Project: testProject(t), CoverageThreshold: 75, MaxSkeletons: 25}, "1.0.0", nil)
	if err == nil || !strings.Contains(err.Error(), "write "+FileJUnit) || !strings.Contains(err.Error(), "write "+FileCobertura) {
		t.Errorf("err = %v, want both failed files named", err)
	}
	if _, ok := paths["junit-path"]; ok {
		t.Error("junit-path points at a file that was not written")
	}
	for _, k := range []string{"report-path", "sarif-path", "coverage-path"} {
		if _, err := os.Stat(paths[k]); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
}
