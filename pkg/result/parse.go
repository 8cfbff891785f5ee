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
// JSON values or strings; nil markers as null or {"$":{"xsi:nil":"true"}};
// and a result that is itself a list of files (legacy push and deploy).
func ParseDeploy(raw []byte) (*Deploy, error) {
	if !gjson.ValidBytes(raw) {
		return nil, ErrNotJSON
	}
	return ParseDeployValue(gjson.ParseBytes(raw))
}

// ParseDeployValue is ParseDeploy for a value already parsed out of a
// validated document (the sf envelope): it skips validating and copying
// again, which on a 50 MB result is a third of the work.
func ParseDeployValue(r gjson.Result) (*Deploy, error) {
	if r.IsArray() {
		return parseFileList(r)
	}
	if !r.IsObject() {
		return nil, errors.New("deploy result is not a JSON object")
	}
	f := fieldsOf(r, "id", "status", "done", "success", "checkOnly", "numberComponentsTotal", "numberComponentsDeployed",
		"numberComponentErrors", "numberTestsTotal", "numberTestsCompleted", "numberTestErrors", "errorMessage",
		"errorStatusCode", "stateDetail", "deployUrl", "createdDate", "completedDate", "details", "files")
	d := &Deploy{
		ID:                 str(f[0]),
		Status:             str(f[1]),
		Done:               f[2].Bool(),
		Success:            f[3].Bool(),
		CheckOnly:          f[4].Bool(),
		ComponentsTotal:    num(f[5]),
		ComponentsDeployed: num(f[6]),
		ComponentErrors:    num(f[7]),
		TestsTotal:         num(f[8]),
		TestsCompleted:     num(f[9]),
		TestErrors:         num(f[10]),
		ErrorMessage:       str(f[11]),
		ErrorStatusCode:    str(f[12]),
		StateDetail:        str(f[13]),
		DeployURL:          str(f[14]),
		CreatedDate:        str(f[15]),
		CompletedDate:      str(f[16]),
	}
	details := fieldsOf(f[17], "componentFailures", "componentSuccesses", "runTestResult")
	files := failedFiles(f[18])
	seen := map[ComponentFailure]bool{}
	eachOf(details[0], func(f gjson.Result) {
		if !f.IsObject() {
			return
		}
		v := fieldsOf(f, "componentType", "fullName", "fileName", "lineNumber", "columnNumber", "problem", "problemType")
		cf := ComponentFailure{
			Type:        str(v[0]),
			FullName:    str(v[1]),
			FileName:    str(v[2]),
			Line:        num(v[3]),
			Column:      num(v[4]),
			Problem:     str(v[5]),
			ProblemType: str(v[6]),
		}
		// Some captured outputs repeat the same failure; report it once.
		if seen[cf] {
			return
		}
		seen[cf] = true
		if ff, ok := files.match(cf); ok {
			cf.FilePath = ff.path
			if cf.Line == 0 {
				cf.Line, cf.Column = ff.line, ff.col
			}
		}
		d.ComponentFailures = append(d.ComponentFailures, cf)
		d.Components = append(d.Components, Component{Type: cf.Type, FullName: cf.FullName, FileName: cf.FileName, Failed: true})
	})
	eachOf(details[1], func(s gjson.Result) {
		v := fieldsOf(s, "componentType", "fullName", "fileName")
		typ, name := str(v[0]), str(v[1])
		if typ == "" && name == "package.xml" {
			return
		}
		d.ComponentSuccesses++
		d.Components = append(d.Components, Component{Type: typ, FullName: name, FileName: str(v[2])})
	})
	parseRunTestResult(d, details[2])
	return d, nil
}

// parseFileList builds a finished Deploy from a result that is a list of
// files, as `sfdx force:source:push`/`deploy` and early `sf` versions print
// it: [{type, fullName, filePath, state, error, problemType, lineNumber,
// columnNumber}]. An entry with an error (or state Failed) is a component
// failure; the deployment failed when any failure is not a warning. A list
// without a single object says nothing about a deployment: an error.
func parseFileList(r gjson.Result) (*Deploy, error) {
	d := &Deploy{Done: true}
	failed, entries := false, 0
	eachOf(r, func(e gjson.Result) {
		if !e.IsObject() {
			return
		}
		entries++
		v := fieldsOf(e, "type", "componentType", "fullName", "filePath", "fileName", "state", "error", "problem",
			"problemType", "lineNumber", "columnNumber")
		typ, name := firstNonEmpty(str(v[0]), str(v[1])), str(v[2])
		problem := firstNonEmpty(str(v[6]), str(v[7]))
		if problem == "" && str(v[5]) != "Failed" {
			d.ComponentSuccesses++
			d.Components = append(d.Components, Component{Type: typ, FullName: name, FileName: firstNonEmpty(str(v[4]), str(v[3]))})
			return
		}
		cf := ComponentFailure{
			Type:        typ,
			FullName:    name,
			FileName:    firstNonEmpty(str(v[4]), str(v[3])),
			FilePath:    str(v[3]),
			Line:        num(v[9]),
			Column:      num(v[10]),
			Problem:     problem,
			ProblemType: firstNonEmpty(str(v[8]), "Error"),
		}
		if !strings.EqualFold(cf.ProblemType, "Warning") {
			failed = true
			d.ComponentErrors++
		}
		d.ComponentFailures = append(d.ComponentFailures, cf)
		d.Components = append(d.Components, Component{Type: cf.Type, FullName: cf.FullName, FileName: cf.FileName, Failed: true})
	})
	d.ComponentsTotal = len(d.Components)
	d.Success = !failed
	d.Status = "Succeeded"
	if failed {
		d.Status = "Failed"
	}
	if entries == 0 {
		return nil, errors.New("deploy result is a list without files")
	}
	return d, nil
}

func parseRunTestResult(d *Deploy, rt gjson.Result) {
	if !rt.Exists() || !rt.IsObject() {
		return
	}
	f := fieldsOf(rt, "numTestsRun", "totalTime", "failures", "successes", "codeCoverage", "codeCoverageWarnings")
	d.TestsRun = num(f[0])
	d.TestTimeMS = f[1].Float()
	seen := map[string]bool{}
	eachOf(f[2], func(t gjson.Result) {
		v := fieldsOf(t, "name", "namespace", "methodName", "message", "stackTrace", "time")
		tf := TestFailure{
			Class:      str(v[0]),
			Namespace:  str(v[1]),
			Method:     str(v[2]),
			Message:    str(v[3]),
			StackTrace: str(v[4]),
			TimeMS:     v[5].Float(),
		}
		// Some captured outputs repeat the same failure; report it once.
		key := tf.FullName() + "\x00" + tf.Message
		if seen[key] {
			return
		}
		seen[key] = true
		d.TestFailures = append(d.TestFailures, tf)
	})
	eachOf(f[3], func(s gjson.Result) {
		v := fieldsOf(s, "name", "namespace", "methodName", "time")
		d.TestSuccesses = append(d.TestSuccesses, TestSuccess{Class: str(v[0]), Namespace: str(v[1]), Method: str(v[2]), TimeMS: v[3].Float()})
	})
	d.Coverage = append(d.Coverage, coverageOf(f[4])...)
	eachOf(f[5], func(w gjson.Result) {
		v := fieldsOf(w, "name", "message")
		d.CoverageWarnings = append(d.CoverageWarnings, CoverageWarning{Name: str(v[0]), Message: str(v[1])})
	})
}

// coverageOf reads a codeCoverage list. Most of a large result's bytes are
// in it, so the common shape is read in one pass (scanCoverage); anything
// else goes through gjson.
func coverageOf(r gjson.Result) []ClassCoverage {
	if cov, ok := scanCoverage(r.Raw); ok {
		return cov
	}
	return gjsonCoverage(r)
}

// gjsonCoverage is coverageOf for any shape.
func gjsonCoverage(r gjson.Result) []ClassCoverage {
	var out []ClassCoverage
	eachOf(r, func(c gjson.Result) {
		v := fieldsOf(c, "name", "type", "numLocations", "numLocationsNotCovered", "locationsNotCovered")
		cc := ClassCoverage{Name: str(v[0]), Type: str(v[1]), Locations: num(v[2]), NotCovered: num(v[3])}
		cc.UncoveredLines = uncoveredLines(v[4])
		sort.Ints(cc.UncoveredLines)
		out = append(out, cc)
	})
	return out
}

// uncoveredLines reads the line numbers of a locationsNotCovered list. The
// lists are most of a large result's bytes, so the common shape (an array of
// flat objects without escapes) is scanned directly; anything else goes
// through gjson.
func uncoveredLines(r gjson.Result) []int {
	if lines, ok := scanLines(r); ok {
		return lines
	}
	var lines []int
	eachOf(r, func(l gjson.Result) {
		if n := num(l.Get("line")); n > 0 {
			lines = append(lines, n)
		}
	})
	return lines
}

// scanLines is the fast path of uncoveredLines: it accepts only an array of
// objects with no nesting, no escapes and exactly one "line" key each, with
// a plain or quoted non-negative integer value.
func scanLines(r gjson.Result) ([]int, bool) {
	raw := r.Raw
	if !r.IsArray() || strings.Count(raw, "[") != 1 || strings.ContainsRune(raw, '\\') {
		return nil, false
	}
	objects := strings.Count(raw, "{")
	if objects != strings.Count(raw, "}") {
		return nil, false
	}
	lines := make([]int, 0, objects)
	for rest := raw; ; {
		i := strings.Index(rest, `"line"`)
		if i < 0 {
			break
		}
		rest = strings.TrimLeft(rest[i+len(`"line"`):], " \t\r\n")
		if !strings.HasPrefix(rest, ":") {
			return nil, false
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n\"")
		n, digits := 0, 0
		for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' && digits < 9 {
			n = n*10 + int(rest[digits]-'0')
			digits++
		}
		if digits == 0 {
			return nil, false
		}
		rest = rest[digits:]
		if n > 0 {
			lines = append(lines, n)
		}
	}
	if len(lines) > objects {
		return nil, false
	}
	return lines, true
}

// fieldsOf reads the named fields of object r in one pass, in the order of
// keys; absent fields are zero Results. gjson's Get scans the object from
// its start for every key, and to its end for an absent one: on a 50 MB
// result, twenty Gets were most of the parse time.
func fieldsOf(r gjson.Result, keys ...string) []gjson.Result {
	out := make([]gjson.Result, len(keys))
	if !r.IsObject() {
		return out
	}
	left := len(keys)
	r.ForEach(func(k, v gjson.Result) bool {
		for i, name := range keys {
			if k.Str == name && !out[i].Exists() {
				out[i] = v
				left--
				break
			}
		}
		return left > 0
	})
	return out
}

// eachOf calls fn for every element of a list that sf printed as an array,
// a single object (older output) or not at all.
func eachOf(r gjson.Result, fn func(gjson.Result)) {
	switch {
	case r.IsArray():
		r.ForEach(func(_, v gjson.Result) bool {
			fn(v)
			return true
		})
	case r.Exists() && r.Type != gjson.Null:
		fn(r)
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
