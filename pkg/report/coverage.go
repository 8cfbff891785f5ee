package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
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

func rate(covered, total int) string {
	if total <= 0 {
		return "1"
	}
	return strconv.FormatFloat(float64(covered)/float64(total), 'f', 4, 64)
}

// Cobertura renders the coverage of r as Cobertura XML (see WriteCobertura).
// It returns nil, nil without coverage data.
func Cobertura(r *result.Run, p Project) ([]byte, error) {
	if !hasCoverage(r) {
		return nil, nil
	}
	var b bytes.Buffer
	if err := WriteCobertura(&b, r, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func hasCoverage(r *result.Run) bool {
	return r != nil && r.Deploy != nil && len(r.Deploy.Coverage) > 0
}

// cobClass is where one class's coverage goes in the Cobertura document.
type cobClass struct {
	c         result.ClassCoverage
	file, dir string
}

// WriteCobertura writes the coverage of r to w as Cobertura XML. The
// Metadata API reports, per class, only the number of coverable lines and
// which lines were NOT covered; covered lines are not listed individually.
// So each class lists its uncovered lines with hits="0" and no covered
// lines, and its line-rate (like the totals) comes from the counts, not from
// the lines. Classes whose file is not found locally get
// "classes/<Name>.cls" (or triggers/...) as filename. It writes as it goes:
// a large org's document (20 MB) is never held in memory. Without coverage
// data it writes nothing.
func WriteCobertura(w io.Writer, r *result.Run, p Project) error {
	if !hasCoverage(r) {
		return nil
	}
	p = p.prepared()
	classes := sortedCoverage(r.Deploy.Coverage)
	byDir := map[string][]cobClass{}
	pkgCov := map[string][2]int{}
	covered, total := 0, 0
	for _, c := range classes {
		file := coberturaFile(c, p)
		dir := "."
		if i := strings.LastIndexByte(file, '/'); i >= 0 {
			dir = file[:i]
		}
		byDir[dir] = append(byDir[dir], cobClass{c: c, file: file, dir: dir})
		pkgCov[dir] = [2]int{pkgCov[dir][0] + c.Covered(), pkgCov[dir][1] + c.Locations}
		covered += c.Covered()
		total += c.Locations
	}
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)

	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(xml.Header + `<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">` + "\n")
	fmt.Fprintf(bw, `<coverage line-rate="%s" branch-rate="0" lines-covered="%d" lines-valid="%d" branches-covered="0" branches-valid="0" complexity="0" version="deploy-guard" timestamp="0">`+"\n", rate(covered, total), covered, total)
	bw.WriteString("  <sources>\n    <source>.</source>\n  </sources>\n  <packages>\n")
	var num []byte
	for _, d := range dirs {
		bw.WriteString(`    <package name="`)
		xmlAttr(bw, strings.ReplaceAll(d, "/", "."))
		fmt.Fprintf(bw, `" line-rate="%s" branch-rate="0" complexity="0">`+"\n      <classes>\n", rate(pkgCov[d][0], pkgCov[d][1]))
		for _, cl := range byDir[d] {
			bw.WriteString(`        <class name="`)
			xmlAttr(bw, cl.c.Name)
			bw.WriteString(`" filename="`)
			xmlAttr(bw, cl.file)
			fmt.Fprintf(bw, `" line-rate="%s" branch-rate="0" complexity="0">`+"\n          <methods></methods>\n", rate(cl.c.Covered(), cl.c.Locations))
			if len(cl.c.UncoveredLines) == 0 {
				bw.WriteString("          <lines></lines>\n")
			} else {
				bw.WriteString("          <lines>\n")
				for _, l := range cl.c.UncoveredLines {
					bw.WriteString(`            <line number="`)
					num = strconv.AppendInt(num[:0], int64(l), 10)
					bw.Write(num)
					bw.WriteString(`" hits="0" branch="false"></line>` + "\n")
				}
				bw.WriteString("          </lines>\n")
			}
			bw.WriteString("        </class>\n")
		}
		bw.WriteString("      </classes>\n    </package>\n")
	}
	bw.WriteString("  </packages>\n</coverage>\n")
	return bw.Flush()
}

// coberturaFile is the class's file in the project, or where it would be.
func coberturaFile(c result.ClassCoverage, p Project) string {
	if strings.EqualFold(c.Type, "Trigger") {
		if f := p.componentFile("ApexTrigger", c.Name); f != "" {
			return f
		}
		return "triggers/" + c.Name + ".trigger"
	}
	if f := p.ClassFile(c.Name); f != "" {
		return f
	}
	return "classes/" + c.Name + ".cls"
}

// xmlAttr writes s escaped for an XML attribute value, as encoding/xml does.
func xmlAttr(w io.Writer, s string) {
	_ = xml.EscapeText(w, []byte(s))
}
