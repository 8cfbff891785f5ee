package result

import (
	"errors"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
)

// ErrNotJSON is returned when a document is not valid JSON.
var ErrNotJSON = errors.New("not a valid JSON document")

// ParseDeploy builds a Deploy from the `result` object of a deploy command
// (start, validate, quick, resume, report). It accepts every shape seen in the
// wild: lists as arrays, single objects or absent; numbers and booleans as
// JSON values or strings; nil markers as null or {"$":{"xsi:nil":"true"}}.
func ParseDeploy(raw []byte) (*Deploy, error) {
	if !gjson.ValidBytes(raw) {
		return nil, ErrNotJSON
	}
	r := gjson.ParseBytes(raw)
	if !r.IsObject() {
		return nil, errors.New("deploy result is not a JSON object")
	}
	d := &Deploy{
		ID:                 str(r.Get("id")),
		Status:             str(r.Get("status")),
		Done:               r.Get("done").Bool(),
		Success:            r.Get("success").Bool(),
		CheckOnly:          r.Get("checkOnly").Bool(),
		ComponentsTotal:    num(r.Get("numberComponentsTotal")),
		ComponentsDeployed: num(r.Get("numberComponentsDeployed")),
		ComponentErrors:    num(r.Get("numberComponentErrors")),
		TestsTotal:         num(r.Get("numberTestsTotal")),
		TestsCompleted:     num(r.Get("numberTestsCompleted")),
		TestErrors:         num(r.Get("numberTestErrors")),
		ErrorMessage:       str(r.Get("errorMessage")),
		ErrorStatusCode:    str(r.Get("errorStatusCode")),
		StateDetail:        str(r.Get("stateDetail")),
		DeployURL:          str(r.Get("deployUrl")),
		CreatedDate:        str(r.Get("createdDate")),
		CompletedDate:      str(r.Get("completedDate")),
	}
	details := r.Get("details")
	files := failedFiles(r.Get("files"))
	seen := map[ComponentFailure]bool{}
	for _, f := range details.Get("componentFailures").Array() {
		if !f.IsObject() {
			continue
		}
		cf := ComponentFailure{
			Type:        str(f.Get("componentType")),
			FullName:    str(f.Get("fullName")),
			FileName:    str(f.Get("fileName")),
			Line:        num(f.Get("lineNumber")),
			Column:      num(f.Get("columnNumber")),
			Problem:     str(f.Get("problem")),
			ProblemType: str(f.Get("problemType")),
		}
		// Some captured outputs repeat the same failure; report it once.
		if seen[cf] {
			continue
		}
		seen[cf] = true
		if ff, ok := files.match(cf); ok {
			cf.FilePath = ff.path
			if cf.Line == 0 {
				cf.Line, cf.Column = ff.line, ff.col
			}
		}
		d.ComponentFailures = append(d.ComponentFailures, cf)
		d.Components = append(d.Components, Component{Type: cf.Type, FullName: cf.FullName, FileName: cf.FileName})
	}
	for _, s := range details.Get("componentSuccesses").Array() {
		typ, name := str(s.Get("componentType")), str(s.Get("fullName"))
		if typ == "" && name == "package.xml" {
			continue
		}
		d.ComponentSuccesses++
		d.Components = append(d.Components, Component{Type: typ, FullName: name, FileName: str(s.Get("fileName"))})
	}
	parseRunTestResult(d, details.Get("runTestResult"))
	return d, nil
}

func parseRunTestResult(d *Deploy, rt gjson.Result) {
	if !rt.Exists() || !rt.IsObject() {
		return
	}
	d.TestsRun = num(rt.Get("numTestsRun"))
	d.TestTimeMS = rt.Get("totalTime").Float()
	seen := map[string]bool{}
	for _, f := range rt.Get("failures").Array() {
		tf := TestFailure{
			Class:      str(f.Get("name")),
			Namespace:  str(f.Get("namespace")),
			Method:     str(f.Get("methodName")),
			Message:    str(f.Get("message")),
			StackTrace: str(f.Get("stackTrace")),
			TimeMS:     f.Get("time").Float(),
		}
		// Some captured outputs repeat the same failure; report it once.
		key := tf.FullName() + "\x00" + tf.Message
		if seen[key] {
			continue
		}
		seen[key] = true
		d.TestFailures = append(d.TestFailures, tf)
	}
	for _, s := range rt.Get("successes").Array() {
		d.TestSuccesses = append(d.TestSuccesses, TestSuccess{
			Class:     str(s.Get("name")),
			Namespace: str(s.Get("namespace")),
			Method:    str(s.Get("methodName")),
			TimeMS:    s.Get("time").Float(),
		})
	}
	for _, c := range rt.Get("codeCoverage").Array() {
		cc := ClassCoverage{
			Name:       str(c.Get("name")),
			Type:       str(c.Get("type")),
			Locations:  num(c.Get("numLocations")),
			NotCovered: num(c.Get("numLocationsNotCovered")),
		}
		for _, l := range c.Get("locationsNotCovered").Array() {
			if n := num(l.Get("line")); n > 0 {
				cc.UncoveredLines = append(cc.UncoveredLines, n)
			}
		}
		sort.Ints(cc.UncoveredLines)
		d.Coverage = append(d.Coverage, cc)
	}
	for _, w := range rt.Get("codeCoverageWarnings").Array() {
		d.CoverageWarnings = append(d.CoverageWarnings, CoverageWarning{
			Name:    str(w.Get("name")),
			Message: str(w.Get("message")),
		})
	}
}

// ParseTestRun builds a TestRun from the `result` of `sf apex run test --json`.
func ParseTestRun(raw []byte) (*TestRun, error) {
	if !gjson.ValidBytes(raw) {
		return nil, ErrNotJSON
	}
	r := gjson.ParseBytes(raw)
	if !r.IsObject() {
		return nil, errors.New("test run result is not a JSON object")
	}
	sum := r.Get("summary")
	tr := &TestRun{
		TestRunID: firstNonEmpty(str(sum.Get("testRunId")), str(r.Get("testRunId"))),
		Outcome:   str(sum.Get("outcome")),
		Passing:   num(sum.Get("passing")),
		Failing:   num(sum.Get("failing")),
		TestsRan:  num(sum.Get("testsRan")),
	}
	for _, t := range r.Get("tests").Array() {
		class := str(t.Get("ApexClass.Name"))
		ns := str(t.Get("ApexClass.NamespacePrefix"))
		method := str(t.Get("MethodName"))
		switch str(t.Get("Outcome")) {
		case "Pass":
			tr.Passes = append(tr.Passes, TestSuccess{Class: class, Namespace: ns, Method: method, TimeMS: t.Get("RunTime").Float()})
		case "Fail", "CompileFail":
			tr.Failures = append(tr.Failures, TestFailure{
				Class: class, Namespace: ns, Method: method,
				Message:    str(t.Get("Message")),
				StackTrace: str(t.Get("StackTrace")),
				TimeMS:     t.Get("RunTime").Float(),
			})
		}
	}
	return tr, nil
}

// str returns a JSON string value, or "" for null, objects (the xml2js nil
// marker) and arrays. Numbers and booleans are returned in their JSON form.
func str(r gjson.Result) string {
	switch r.Type {
	case gjson.String:
		return r.Str
	case gjson.Number, gjson.True, gjson.False:
		return r.Raw
	}
	return ""
}

// num reads a number that may be a JSON number or a numeric string ("3", "3511.0").
func num(r gjson.Result) int {
	return int(r.Float())
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

type fileFailure struct {
	typ, name, path string
	line, col       int
}

type fileFailures []fileFailure

func failedFiles(files gjson.Result) fileFailures {
	var out fileFailures
	for _, f := range files.Array() {
		if str(f.Get("state")) != "Failed" {
			continue
		}
		out = append(out, fileFailure{
			typ:  str(f.Get("type")),
			name: str(f.Get("fullName")),
			path: str(f.Get("filePath")),
			line: num(f.Get("lineNumber")),
			col:  num(f.Get("columnNumber")),
		})
	}
	return out
}

// match finds the files[] entry for a component failure: same type and name,
// preferring the entry on the same line.
func (fs fileFailures) match(cf ComponentFailure) (fileFailure, bool) {
	var found fileFailure
	ok := false
	for _, f := range fs {
		if f.name != cf.FullName || (f.typ != "" && cf.Type != "" && f.typ != cf.Type) {
			continue
		}
		if !ok || (f.line == cf.Line && found.line != cf.Line) {
			found, ok = f, true
		}
	}
	if !ok || strings.TrimSpace(found.path) == "" {
		return fileFailure{}, false
	}
	return found, true
}
