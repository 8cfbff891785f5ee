package report

import (
	"encoding/json"
	"encoding/xml"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/org/deploy-guard/pkg/result"
)

// CoverageDoc is the coverage.json artifact.
type CoverageDoc struct {
	Threshold float64 `json:"threshold"`
	// OrgWide is the aggregate over the classes in Classes (the classes the
	// tests touched), not the org's own figure.
	OrgWide struct {
		Covered        int     `json:"covered"`
		Total          int     `json:"total"`
		Percent        float64 `json:"percent"`
		BelowThreshold bool    `json:"belowThreshold"`
	} `json:"orgWide"`
	Classes  []CoverageClass `json:"classes"`
	Warnings []CoverageNote  `json:"warnings"`
}

// CoverageClass is one class or trigger in coverage.json.
type CoverageClass struct {
	Name           string  `json:"name"`
	Type           string  `json:"type"`
	Covered        int     `json:"covered"`
	Total          int     `json:"total"`
	Percent        float64 `json:"percent"`
	UncoveredLines []int   `json:"uncoveredLines"`
	BelowThreshold bool    `json:"belowThreshold"`
}

// CoverageNote is a coverage warning from the org; Name is empty for the
// org-wide one.
type CoverageNote struct {
	Name    string `json:"name,omitempty"`
	Message string `json:"message"`
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// CoverageJSON renders the Apex code coverage of r (per class and the
// aggregate) with the threshold applied. It returns nil, nil when the run
// has no coverage data.
func CoverageJSON(r *result.Run, threshold float64) ([]byte, error) {
	if r == nil || r.Deploy == nil || (len(r.Deploy.Coverage) == 0 && len(r.Deploy.CoverageWarnings) == 0) {
		return nil, nil
	}
	if threshold <= 0 {
		threshold = DefaultCoverageThreshold
	}
	d := r.Deploy
	doc := CoverageDoc{Threshold: threshold, Classes: []CoverageClass{}, Warnings: []CoverageNote{}}
	for _, c := range sortedCoverage(d.Coverage) {
		lines := c.UncoveredLines
		if lines == nil {
			lines = []int{}
		}
		doc.Classes = append(doc.Classes, CoverageClass{Name: c.Name, Type: c.Type, Covered: c.Covered(), Total: c.Locations,
			Percent: round2(c.Percent()), UncoveredLines: lines, BelowThreshold: c.Locations > 0 && c.Percent() < threshold})
		doc.OrgWide.Covered += c.Covered()
		doc.OrgWide.Total += c.Locations
	}
	if p, ok := d.OrgCoverage(); ok {
		doc.OrgWide.Percent = round2(p)
		doc.OrgWide.BelowThreshold = p < threshold
	}
	for _, w := range d.CoverageWarnings {
		doc.Warnings = append(doc.Warnings, CoverageNote{Name: w.Name, Message: w.Message})
		if w.Name == "" {
			doc.OrgWide.BelowThreshold = true
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func sortedCoverage(cs []result.ClassCoverage) []result.ClassCoverage {
	out := append([]result.ClassCoverage(nil), cs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

type cobCoverage struct {
	XMLName         xml.Name     `xml:"coverage"`
	LineRate        string       `xml:"line-rate,attr"`
	BranchRate      string       `xml:"branch-rate,attr"`
	LinesCovered    int          `xml:"lines-covered,attr"`
	LinesValid      int          `xml:"lines-valid,attr"`
	BranchesCovered int          `xml:"branches-covered,attr"`
	BranchesValid   int          `xml:"branches-valid,attr"`
	Complexity      string       `xml:"complexity,attr"`
	Version         string       `xml:"version,attr"`
	Timestamp       string       `xml:"timestamp,attr"`
	Sources         []string     `xml:"sources>source"`
	Packages        []cobPackage `xml:"packages>package"`
}

type cobPackage struct {
	Name       string     `xml:"name,attr"`
	LineRate   string     `xml:"line-rate,attr"`
	BranchRate string     `xml:"branch-rate,attr"`
	Complexity string     `xml:"complexity,attr"`
	Classes    []cobClass `xml:"classes>class"`
}

type cobClass struct {
	Name       string    `xml:"name,attr"`
	Filename   string    `xml:"filename,attr"`
	LineRate   string    `xml:"line-rate,attr"`
	BranchRate string    `xml:"branch-rate,attr"`
	Complexity string    `xml:"complexity,attr"`
	Methods    struct{}  `xml:"methods"`
	Lines      []cobLine `xml:"lines>line"`
}

type cobLine struct {
	Number int    `xml:"number,attr"`
	Hits   int    `xml:"hits,attr"`
	Branch string `xml:"branch,attr"`
}

func rate(covered, total int) string {
	if total <= 0 {
		return "1"
	}
	return strconv.FormatFloat(float64(covered)/float64(total), 'f', 4, 64)
}

// Cobertura renders the coverage of r as Cobertura XML. The Metadata API
// reports, per class, only the number of coverable lines and which lines were
// NOT covered; covered lines are not listed individually. So each class
// lists its uncovered lines with hits="0" and no covered lines, and its
// line-rate (like the totals) comes from the counts, not from the lines.
// Classes whose file is not found locally get "classes/<Name>.cls" (or
// triggers/...) as filename. It returns nil, nil without coverage data.
func Cobertura(r *result.Run, p Project) ([]byte, error) {
	if r == nil || r.Deploy == nil || len(r.Deploy.Coverage) == 0 {
		return nil, nil
	}
	p = p.prepared()
	doc := cobCoverage{BranchRate: "0", Complexity: "0", Version: "deploy-guard", Timestamp: "0", Sources: []string{"."}}
	pkgs := map[string]*cobPackage{}
	var pkgOrder []string
	pkgCov := map[string][2]int{}
	covered, total := 0, 0
	for _, c := range sortedCoverage(r.Deploy.Coverage) {
		file := ""
		if strings.EqualFold(c.Type, "Trigger") {
			file = p.componentFile("ApexTrigger", c.Name)
			if file == "" {
				file = "triggers/" + c.Name + ".trigger"
			}
		} else {
			file = p.ClassFile(c.Name)
			if file == "" {
				file = "classes/" + c.Name + ".cls"
			}
		}
		dir := "."
		if i := strings.LastIndexByte(file, '/'); i >= 0 {
			dir = file[:i]
		}
		pk := pkgs[dir]
		if pk == nil {
			pk = &cobPackage{Name: strings.ReplaceAll(dir, "/", "."), BranchRate: "0", Complexity: "0"}
			pkgs[dir] = pk
			pkgOrder = append(pkgOrder, dir)
		}
		cl := cobClass{Name: c.Name, Filename: file, LineRate: rate(c.Covered(), c.Locations), BranchRate: "0", Complexity: "0", Lines: []cobLine{}}
		for _, l := range c.UncoveredLines {
			cl.Lines = append(cl.Lines, cobLine{Number: l, Hits: 0, Branch: "false"})
		}
		pk.Classes = append(pk.Classes, cl)
		pkgCov[dir] = [2]int{pkgCov[dir][0] + c.Covered(), pkgCov[dir][1] + c.Locations}
		covered += c.Covered()
		total += c.Locations
	}
	sort.Strings(pkgOrder)
	for _, dir := range pkgOrder {
		pk := pkgs[dir]
		pk.LineRate = rate(pkgCov[dir][0], pkgCov[dir][1])
		doc.Packages = append(doc.Packages, *pk)
	}
	doc.LineRate = rate(covered, total)
	doc.LinesCovered, doc.LinesValid = covered, total
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	head := xml.Header + `<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">` + "\n"
	return append([]byte(head), append(out, '\n')...), nil
}
