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

// CoverageJSON renders the Apex code coverage of r (see WriteCoverageJSON).
// It returns nil, nil when the run has no coverage data.
func CoverageJSON(r *result.Run, threshold float64) ([]byte, error) {
	if !hasCoverageData(r) {
		return nil, nil
	}
	var b bytes.Buffer
	if err := WriteCoverageJSON(&b, r, threshold); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func hasCoverageData(r *result.Run) bool {
	return r != nil && r.Deploy != nil && (len(r.Deploy.Coverage) > 0 || len(r.Deploy.CoverageWarnings) > 0)
}

// WriteCoverageJSON writes the Apex code coverage of r (per class and the
// aggregate) with the threshold applied, as a CoverageDoc indented by two
// spaces, exactly as json.MarshalIndent would. It writes class by class:
// the uncovered lines of a large org are millions of numbers, and the
// document is never held in memory. Without coverage data it writes nothing.
func WriteCoverageJSON(w io.Writer, r *result.Run, threshold float64) error {
	if !hasCoverageData(r) {
		return nil
	}
	d := r.Deploy
	var org struct {
		covered, total int
		percent        float64
		below          bool
	}
	for _, c := range d.Coverage {
		org.covered += c.Covered()
		org.total += c.Locations
	}
	if p, ok := d.OrgCoverage(); ok {
		org.percent = round2(p)
		org.below = p < threshold
	}
	for _, cw := range d.CoverageWarnings {
		if cw.Name == "" {
			org.below = true
		}
	}
	j := &jsonOut{w: bufio.NewWriterSize(w, 64<<10)}
	j.raw("{\n  \"threshold\": ").float(threshold)
	j.raw(",\n  \"orgWide\": {\n    \"covered\": ").int(org.covered)
	j.raw(",\n    \"total\": ").int(org.total)
	j.raw(",\n    \"percent\": ").float(org.percent)
	j.raw(",\n    \"belowThreshold\": ").bool(org.below)
	j.raw("\n  },\n  \"classes\": ")
	classes := sortedCoverage(d.Coverage)
	if len(classes) == 0 {
		j.raw("[]")
	}
	for i, c := range classes {
		j.raw(pick(i == 0, "[\n    {\n      \"name\": ", ",\n    {\n      \"name\": ")).str(c.Name)
		j.raw(",\n      \"type\": ").str(c.Type)
		j.raw(",\n      \"covered\": ").int(c.Covered())
		j.raw(",\n      \"total\": ").int(c.Locations)
		j.raw(",\n      \"percent\": ").float(round2(c.Percent()))
		j.raw(",\n      \"uncoveredLines\": ")
		if len(c.UncoveredLines) == 0 {
			j.raw("[]")
		}
		for k, l := range c.UncoveredLines {
			j.raw(pick(k == 0, "[\n        ", ",\n        ")).int(l)
		}
		if len(c.UncoveredLines) > 0 {
			j.raw("\n      ]")
		}
		j.raw(",\n      \"belowThreshold\": ").bool(c.Locations > 0 && c.Percent() < threshold)
		j.raw("\n    }")
	}
	if len(classes) > 0 {
		j.raw("\n  ]")
	}
	j.raw(",\n  \"warnings\": ")
	if len(d.CoverageWarnings) == 0 {
		j.raw("[]")
	}
	for i, cw := range d.CoverageWarnings {
		j.raw(pick(i == 0, "[\n    {", ",\n    {"))
		if cw.Name != "" {
			j.raw("\n      \"name\": ").str(cw.Name).raw(",")
		}
		j.raw("\n      \"message\": ").str(cw.Message).raw("\n    }")
	}
	if len(d.CoverageWarnings) > 0 {
		j.raw("\n  ]")
	}
	j.raw("\n}\n")
	if j.err != nil {
		return j.err
	}
	return j.w.Flush()
}

// jsonOut writes JSON values as encoding/json encodes them.
type jsonOut struct {
	w   *bufio.Writer
	num []byte
	err error
}

func (j *jsonOut) raw(s string) *jsonOut {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
	return j
}

func (j *jsonOut) int(n int) *jsonOut {
	if j.err == nil {
		j.num = strconv.AppendInt(j.num[:0], int64(n), 10)
		_, j.err = j.w.Write(j.num)
	}
	return j
}

func (j *jsonOut) bool(v bool) *jsonOut { return j.raw(strconv.FormatBool(v)) }

// float and str defer to encoding/json for its exact number format and
// escaping (HTML characters included).
func (j *jsonOut) float(f float64) *jsonOut { return j.value(f) }

func (j *jsonOut) str(s string) *jsonOut { return j.value(s) }

func (j *jsonOut) value(v any) *jsonOut {
	b, err := json.Marshal(v)
	if err != nil {
		if j.err == nil {
			j.err = err
		}
		return j
	}
	if j.err == nil {
		_, j.err = j.w.Write(b)
	}
	return j
}

// pick is a when first, else b: the opening or the separator of a list.
func pick(first bool, a, b string) string {
	if first {
		return a
	}
	return b
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
