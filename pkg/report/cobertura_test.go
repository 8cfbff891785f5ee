package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"sort"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

// The streamed Cobertura document is byte for byte what encoding/xml
// renders from the document model it replaced (kept below as the oracle),
// with hostile names escaped the same way.
func TestWriteCoberturaMatchesEncodingXML(t *testing.T) {
	t.Parallel()
	p := testProject(t)
	runs := map[string]*result.Run{}
	for name, r := range scenarios() {
		runs[name] = r
	}
	runs["hostile"] = &result.Run{Deploy: &result.Deploy{Coverage: []result.ClassCoverage{
		{Name: `Evil"<&>'\tName`, Type: "Class", Locations: 10, NotCovered: 2, UncoveredLines: []int{1, 9}},
		{Name: "Trig", Type: "Trigger", Locations: 4, NotCovered: 0},
		{Name: "Zero", Type: "Class", Locations: 0},
	}}}
	compared := 0
	for name, r := range runs {
		got, err := Cobertura(r, p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := oracleCobertura(t, r, p)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: streamed document differs\n got: %s\nwant: %s", name, got, want)
		}
		if want != nil {
			compared++
		}
	}
	if compared < 2 {
		t.Fatalf("only %d runs had coverage to compare", compared)
	}
}

type oCoverage struct {
	XMLName         xml.Name   `xml:"coverage"`
	LineRate        string     `xml:"line-rate,attr"`
	BranchRate      string     `xml:"branch-rate,attr"`
	LinesCovered    int        `xml:"lines-covered,attr"`
	LinesValid      int        `xml:"lines-valid,attr"`
	BranchesCovered int        `xml:"branches-covered,attr"`
	BranchesValid   int        `xml:"branches-valid,attr"`
	Complexity      string     `xml:"complexity,attr"`
	Version         string     `xml:"version,attr"`
	Timestamp       string     `xml:"timestamp,attr"`
	Sources         []string   `xml:"sources>source"`
	Packages        []oPackage `xml:"packages>package"`
}

type oPackage struct {
	Name       string   `xml:"name,attr"`
	LineRate   string   `xml:"line-rate,attr"`
	BranchRate string   `xml:"branch-rate,attr"`
	Complexity string   `xml:"complexity,attr"`
	Classes    []oClass `xml:"classes>class"`
}

type oClass struct {
	Name       string   `xml:"name,attr"`
	Filename   string   `xml:"filename,attr"`
	LineRate   string   `xml:"line-rate,attr"`
	BranchRate string   `xml:"branch-rate,attr"`
	Complexity string   `xml:"complexity,attr"`
	Methods    struct{} `xml:"methods"`
	Lines      []oLine  `xml:"lines>line"`
}

type oLine struct {
	Number int    `xml:"number,attr"`
	Hits   int    `xml:"hits,attr"`
	Branch string `xml:"branch,attr"`
}

func oracleCobertura(t *testing.T, r *result.Run, p Project) []byte {
	if !hasCoverage(r) {
		return nil
	}
	doc := oCoverage{BranchRate: "0", Complexity: "0", Version: "deploy-guard", Timestamp: "0", Sources: []string{"."}}
	pkgs := map[string]*oPackage{}
	var order []string
	pkgCov := map[string][2]int{}
	covered, total := 0, 0
	for _, c := range sortedCoverage(r.Deploy.Coverage) {
		file := coberturaFile(c, p)
		dir := "."
		if i := strings.LastIndexByte(file, '/'); i >= 0 {
			dir = file[:i]
		}
		pk := pkgs[dir]
		if pk == nil {
			pk = &oPackage{Name: strings.ReplaceAll(dir, "/", "."), BranchRate: "0", Complexity: "0"}
			pkgs[dir] = pk
			order = append(order, dir)
		}
		cl := oClass{Name: c.Name, Filename: file, LineRate: rate(c.Covered(), c.Locations), BranchRate: "0", Complexity: "0"}
		for _, l := range c.UncoveredLines {
			cl.Lines = append(cl.Lines, oLine{Number: l, Branch: "false"})
		}
		pk.Classes = append(pk.Classes, cl)
		pkgCov[dir] = [2]int{pkgCov[dir][0] + c.Covered(), pkgCov[dir][1] + c.Locations}
		covered += c.Covered()
		total += c.Locations
	}
	sort.Strings(order)
	for _, d := range order {
		pk := pkgs[d]
		pk.LineRate = rate(pkgCov[d][0], pkgCov[d][1])
		doc.Packages = append(doc.Packages, *pk)
	}
	doc.LineRate = rate(covered, total)
	doc.LinesCovered, doc.LinesValid = covered, total
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	head := xml.Header + `<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">` + "\n"
	return append([]byte(head), append(out, '\n')...)
}

// TestCoverageJSONIsEncodingJSON checks the streamed coverage.json byte for
// byte against encoding/json: decoded into CoverageDoc and indented again by
// json.MarshalIndent, every scenario's document comes out the same.
func TestCoverageJSONIsEncodingJSON(t *testing.T) {
	t.Parallel()
	runs := scenarios()
	runs["hostile names"] = &result.Run{Deploy: &result.Deploy{
		Coverage: []result.ClassCoverage{
			{Name: `A<b>&"c"` + "\u2028", Type: "Class", Locations: 10, NotCovered: 3, UncoveredLines: []int{1, 2, 9}},
			{Name: "Empty", Type: "Trigger"},
			{Name: "Full", Type: "Class", Locations: 3},
		},
		CoverageWarnings: []result.CoverageWarning{{Message: "Average test coverage is 61%"}, {Name: "A", Message: "<script>"}},
	}}
	runs["warnings only"] = &result.Run{Deploy: &result.Deploy{CoverageWarnings: []result.CoverageWarning{{Message: "none ran"}}}}
	checked := 0
	for name, r := range runs {
		for _, threshold := range []float64{0, 75, 33.3} {
			got, err := CoverageJSON(r, threshold)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got == nil {
				continue
			}
			var doc CoverageDoc
			if err := json.Unmarshal(got, &doc); err != nil {
				t.Fatalf("%s: not JSON: %v\n%s", name, err, got)
			}
			want, _ := json.MarshalIndent(doc, "", "  ")
			if string(got) != string(want)+"\n" {
				t.Errorf("%s (threshold %v):\n got %s\nwant %s\n", name, threshold, got, want)
			}
			checked++
		}
	}
	if checked < 6 {
		t.Errorf("only %d documents checked", checked)
	}
}
