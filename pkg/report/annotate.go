package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/safetext"
)

// MaxPerLevel is the runner's cap on annotations of one level per step.
const MaxPerLevel = actions.MaxPerLevel

// maxTitle bounds an annotation title; the full text is in the message.
const maxTitle = 200

// Annotations returns the annotations for r as the runner shows them: at
// most MaxPerLevel of each level, the most important first, and one notice
// counting what was left out (see actions.Collector).
func Annotations(r *result.Run, p Project, threshold float64) []actions.Annotation {
	var c actions.Collector
	c.AddRanked(RankedAnnotations(r, p, threshold)...)
	return c.Annotations()
}

// RankedAnnotations returns every annotation for r, ranked by the priority
// of its failure category, for a collector to cap. Failed deployments get
// errors for component failures, failed tests and deploy-level errors, and
// warnings for component warnings, flaky tests, coverage warnings and
// classes under threshold (percent). Successful runs get at most one notice
// (recovery after retries, flaky tests).
func RankedAnnotations(r *result.Run, p Project, threshold float64) []actions.Ranked {
	if r == nil {
		return nil
	}
	p = p.prepared()
	if r.Status.OK() {
		if n, ok := successNotice(r); ok {
			return []actions.Ranked{{Annotation: n}}
		}
		return nil
	}
	var cands []actions.Ranked
	add := func(a actions.Annotation, cat result.Category) {
		a.Title = oneLine(a.Title, maxTitle)
		cands = append(cands, actions.Ranked{Annotation: a, Rank: cat.Priority()})
	}
	if r.Error != nil || r.Deploy == nil {
		add(runError(r), runCategory(r))
	}
	if d := r.Deploy; d != nil {
		for _, c := range d.ComponentFailures {
			a := actions.Annotation{Level: actions.LevelError, File: p.File(c)}
			if c.IsWarning() {
				a.Level = actions.LevelWarning
			}
			if a.File != "" {
				a.Line, a.Col = c.Line, c.Column
			}
			a.Title = componentName(c) + ": " + c.Problem
			a.Message = withDiagnosis(c.Problem, c.Diagnosis)
			if a.File == "" && c.FileName != "" {
				a.Message = c.FileName + ": " + a.Message
			}
			add(a, c.Category.Or(result.CategoryMetadata))
		}
		for _, t := range d.TestFailures {
			file, line := p.testLocation(t)
			a := actions.Annotation{Level: actions.LevelError, File: file, Line: line}
			msg := t.Message
			if t.StackTrace != "" {
				msg += "\n" + t.StackTrace
			}
			if r.IsFlaky(t.FullName()) {
				a.Level = actions.LevelWarning
				a.Title = "Flaky test " + t.FullName() + ": failed, then passed when re-run alone"
				a.Message = "This test failed in the deployment and passed when re-run alone; fix its dependence on data, order or timing.\n" + msg
				add(a, result.CategoryTransient)
				continue
			}
			a.Title = t.FullName() + " failed: " + t.Message
			a.Message = withDiagnosis(msg, t.Diagnosis)
			add(a, t.Category.Or(result.CategoryTest))
		}
		// Flaky tests the deploy result no longer lists.
		listed := map[string]bool{}
		for _, t := range d.TestFailures {
			listed[t.FullName()] = true
		}
		for _, name := range r.FlakyTests {
			if !listed[name] {
				cls := name
				if i := strings.LastIndexByte(name, '.'); i > 0 {
					cls = name[:i]
				}
				add(actions.Annotation{Level: actions.LevelWarning, File: p.ClassFile(cls),
					Title:   "Flaky test " + name + ": failed, then passed when re-run alone",
					Message: "This test failed in the deployment and passed when re-run alone; fix its dependence on data, order or timing."}, result.CategoryTransient)
			}
		}
		covByName := map[string]result.ClassCoverage{}
		for _, c := range d.Coverage {
			covByName[strings.ToLower(c.Name)] = c
		}
		warned := map[string]bool{}
		for _, w := range d.CoverageWarnings {
			a := actions.Annotation{Level: actions.LevelWarning, Title: "Code coverage: " + w.Message}
			if w.Name != "" {
				warned[strings.ToLower(w.Name)] = true
				a.File = p.ClassFile(w.Name)
				a.Title = w.Name + ": " + w.Message
				if c, ok := covByName[strings.ToLower(w.Name)]; ok && a.File != "" && len(c.UncoveredLines) > 0 {
					a.Line = c.UncoveredLines[0]
				}
			}
			a.Message = withDiagnosis(w.Message, w.Diagnosis)
			add(a, w.Category.Or(result.CategoryCoverage))
		}
		for _, c := range d.Coverage {
			if c.Locations <= 0 || c.Percent() >= threshold || warned[strings.ToLower(c.Name)] {
				continue
			}
			a := actions.Annotation{Level: actions.LevelWarning, File: p.ClassFile(c.Name)}
			if a.File != "" && len(c.UncoveredLines) > 0 {
				a.Line = c.UncoveredLines[0]
			}
			a.Title = fmt.Sprintf("%s: coverage %s is below %s", c.Name, pct(c.Percent()), pct(threshold))
			a.Message = fmt.Sprintf("%d of %d lines covered. Uncovered lines: %s. Add tests that run them.", c.Covered(), c.Locations, lineRanges(c.UncoveredLines, 40))
			add(a, result.CategoryCoverage)
		}
	}
	hasError := false
	for _, c := range cands {
		if c.Level == actions.LevelError {
			hasError = true
			break
		}
	}
	if !hasError {
		add(runError(r), runCategory(r))
	}
	return cands
}

func successNotice(r *result.Run) (actions.Annotation, bool) {
	n := r.DeploymentAttempts()
	retried := r.Status == result.StatusRecovered || n > 1
	if !retried && len(r.FlakyTests) == 0 {
		return actions.Annotation{}, false
	}
	a := actions.Annotation{Level: actions.LevelNotice, Title: "deploy-guard " + string(r.Status)}
	var parts []string
	if retried {
		if n > 1 {
			a.Title = fmt.Sprintf("deploy-guard %s after %d attempts", r.Status, n)
		}
		parts = append(parts, r.Message)
	}
	if len(r.FlakyTests) > 0 {
		parts = append(parts, "Flaky tests (failed, then passed when re-run alone): "+strings.Join(r.FlakyTests, ", ")+". Fix them before they block a release.")
	}
	a.Message = strings.TrimSpace(strings.Join(parts, "\n"))
	return a, true
}

func runCategory(r *result.Run) result.Category {
	if r.Error != nil && r.Error.Category != "" {
		return r.Error.Category
	}
	if r.Category != "" {
		return r.Category
	}
	return result.CategoryUnknown
}

func runError(r *result.Run) actions.Annotation {
	c := runCategory(r)
	msg := r.Message
	if r.ErrorText != "" && !strings.Contains(msg, r.ErrorText) {
		msg = strings.TrimSpace(msg + "\n" + r.ErrorText)
	}
	d := result.Diagnosis{}
	if r.Error != nil {
		d = *r.Error
	}
	if d.Fix == "" {
		if pb, ok := playbookFor(c); ok {
			d.Fix = pb.Fix
		}
	}
	if msg == "" {
		msg = "deploy-guard " + string(r.Status)
	}
	return actions.Annotation{Level: actions.LevelError, Title: fmt.Sprintf("deploy-guard %s (%s): %s", r.Status, c, r.Message), Message: withDiagnosis(msg, d)}
}

func componentName(c result.ComponentFailure) string {
	n := c.FullName
	if n == "" {
		n = c.FileName
	}
	return n
}

func withDiagnosis(text string, d result.Diagnosis) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(text))
	if d.Explanation != "" || d.Fix != "" {
		b.WriteByte('\n')
		b.WriteString(strings.TrimSpace(d.Explanation))
		if d.Fix != "" {
			if d.Explanation != "" {
				b.WriteByte(' ')
			}
			b.WriteString("Fix: ")
			b.WriteString(strings.TrimSpace(d.Fix))
		}
	}
	return b.String()
}

// oneLine returns the first line of s, trimmed and cut to n bytes.
func oneLine(s string, n int) string {
	return safetext.Truncate(strings.TrimSpace(safetext.FirstLine(strings.TrimSpace(s))), n)
}

func pct(f float64) string {
	return strconv.FormatFloat(f, 'f', 1, 64) + "%"
}

// frame is one "Class.X.m: line N, column M" entry of an Apex stack trace.
type frame struct {
	kind  string   // Class or Trigger
	parts []string // dotted path after the kind
	line  int
	col   int
}

var frameRE = regexp.MustCompile(`\b(Class|Trigger)\.([A-Za-z0-9_.<>]+): line (\d+), column (\d+)`)

func parseFrames(st string) []frame {
	var out []frame
	for _, m := range frameRE.FindAllStringSubmatch(st, -1) {
		line, _ := strconv.Atoi(m[3])
		col, _ := strconv.Atoi(m[4])
		out = append(out, frame{kind: m[1], parts: strings.Split(m[2], "."), line: line, col: col})
	}
	return out
}

// testLocation returns the file and line for a failed test: the frame of
// the test class itself when the stack has one, otherwise the first frame,
// otherwise the test class file without a line.
func (p Project) testLocation(t result.TestFailure) (string, int) {
	frames := parseFrames(t.StackTrace)
	for _, f := range frames {
		if f.kind != "Class" {
			continue
		}
		for _, part := range f.parts {
			if strings.EqualFold(part, t.Class) {
				if file := p.ClassFile(t.Class); file != "" {
					return file, f.line
				}
				return "", 0
			}
		}
	}
	if len(frames) > 0 {
		f := frames[0]
		parts := f.parts
		if t.Namespace != "" && len(parts) > 1 && strings.EqualFold(parts[0], t.Namespace) {
			parts = parts[1:]
		}
		var file string
		if f.kind == "Trigger" {
			file = p.componentFile("ApexTrigger", parts[len(parts)-1])
		} else {
			for i := 0; i < len(parts) && i < 2 && file == ""; i++ {
				file = p.componentFile("ApexClass", parts[i])
			}
		}
		if file != "" {
			return file, f.line
		}
	}
	return p.ClassFile(t.Class), 0
}

// lineRanges abbreviates ascending line numbers: "3, 5-7, 9 … (+12 more)".
// It writes only the ranges it shows: a class of a large org lists
// thousands of uncovered lines.
func lineRanges(lines []int, maxGroups int) string {
	if len(lines) == 0 {
		return "none listed"
	}
	var b []byte
	shown, more := 0, 0
	for i := 0; i < len(lines); {
		j := i
		for j+1 < len(lines) && lines[j+1] == lines[j]+1 {
			j++
		}
		if maxGroups > 0 && shown == maxGroups {
			more++
		} else {
			if shown > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, int64(lines[i]), 10)
			if j > i {
				b = append(b, '-')
				b = strconv.AppendInt(b, int64(lines[j]), 10)
			}
			shown++
		}
		i = j + 1
	}
	if more > 0 {
		b = fmt.Appendf(b, " … (+%d more ranges)", more)
	}
	return string(b)
}
