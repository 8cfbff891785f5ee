package orgsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

var (
	fromRE   = regexp.MustCompile(`(?i)\bFROM\s+(\w+)`)
	selectRE = regexp.MustCompile(`(?is)^\s*SELECT\s+(.*?)\s+FROM\b`)
	sinceRE  = regexp.MustCompile(`(?i)\bCreatedDate\s*>=?\s*(\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:?\d\d))`)
	quoteRE  = regexp.MustCompile(`'([^']*)'`)
)

// rest answers the REST and Tooling API resources the CLI uses.
func (s *Server) rest(w http.ResponseWriter, r *http.Request, c *call, tooling bool, res string) {
	api := "rest"
	if tooling {
		api = "tooling"
	}
	switch {
	case res == "query" || res == "query/" || strings.HasPrefix(res, "query/"):
		q := r.URL.Query().Get("q")
		obj := ""
		if m := fromRE.FindStringSubmatch(q); m != nil {
			obj = m[1]
		}
		c.op = api + ":query:" + obj
		if r.URL.Query().Get("columns") == "true" {
			// `sf data query` asks for the query's columns to lay out its result.
			c.op += ":columns"
			writeJSON(w, http.StatusOK, columnsOf(q, obj))
			return
		}
		if obj == "ScratchOrgInfo" { // not a Dev Hub
			writeJSON(w, http.StatusBadRequest, []map[string]string{{"errorCode": "INVALID_TYPE", "message": "sObject type 'ScratchOrgInfo' is not supported."}})
			return
		}
		writeJSON(w, http.StatusOK, s.query(tooling, obj, q))
	case res == "sobjects/SourceMember/describe" || res == "sobjects/SourceMember/describe/":
		c.op = api + ":describe:SourceMember"
		writeJSON(w, http.StatusNotFound, []map[string]string{{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}})
	case strings.HasPrefix(res, "sobjects/") && strings.HasSuffix(strings.TrimSuffix(res, "/"), "/describe"):
		name := strings.Split(res, "/")[1]
		c.op = api + ":describe:" + name
		writeJSON(w, http.StatusOK, describe(name))
	case strings.HasPrefix(res, "sobjects/User/"):
		c.op = "rest:sobject:User"
		writeJSON(w, http.StatusOK, map[string]any{
			"attributes": map[string]string{"type": "User"}, "Id": UserID, "Username": Username,
			"Email": Username, "Name": "CI User", "FirstName": "CI", "LastName": "User",
			"ProfileId": "00e000000000001AAA", "IsActive": true, "TimeZoneSidKey": "Europe/Berlin",
		})
	case res == "runTestsAsynchronous" || res == "runTestsAsynchronous/":
		c.op = "tooling:runTestsAsynchronous"
		s.runTests(w, r, c)
	case res == "sobjects" || res == "sobjects/":
		c.op = api + ":sobjects"
		writeJSON(w, http.StatusOK, map[string]any{"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": []any{}})
	case res == "" || res == "/":
		c.op = api + ":resources"
		writeJSON(w, http.StatusOK, map[string]string{"sobjects": "/services/data/v" + APIVersion + "/sobjects", "query": "/services/data/v" + APIVersion + "/query", "tooling": "/services/data/v" + APIVersion + "/tooling"})
	default:
		c.op = api + ":unknown:" + res
		writeJSON(w, http.StatusNotFound, []map[string]string{{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}})
	}
}

// columnsOf answers a query's `columns=true` request: the selected fields,
// in order, as the REST API describes them.
func columnsOf(q, obj string) map[string]any {
	cols := []map[string]any{}
	if m := selectRE.FindStringSubmatch(q); m != nil {
		for _, f := range strings.Split(m[1], ",") {
			if f = strings.TrimSpace(f); f != "" {
				cols = append(cols, map[string]any{"aggregate": false, "apexType": nil, "booleanType": false, "columnName": f,
					"custom": false, "displayName": f, "foreignKeyName": nil, "insertable": false, "joinColumns": []any{},
					"numberType": false, "textType": false, "updatable": false})
			}
		}
	}
	return map[string]any{"columnMetadata": cols, "entityName": obj, "groupBy": false, "idSelected": true, "keyPrefix": nil}
}

func describe(name string) map[string]any {
	fields := []map[string]any{{"name": "Id", "type": "id"}}
	if name == "ApexTestRunResult" {
		for _, f := range []string{"AsyncApexJobId", "Status", "ClassesCompleted", "ClassesEnqueued", "MethodsEnqueued", "StartTime", "EndTime", "TestTime", "TestSetupTime", "UserId"} {
			fields = append(fields, map[string]any{"name": f, "type": "string"})
		}
	}
	return map[string]any{"name": name, "fields": fields, "queryable": true}
}

type queryResult struct {
	TotalSize int              `json:"totalSize"`
	Done      bool             `json:"done"`
	Records   []map[string]any `json:"records"`
}

func records(rs ...map[string]any) queryResult {
	if rs == nil {
		rs = []map[string]any{}
	}
	return queryResult{TotalSize: len(rs), Done: true, Records: rs}
}

func attrs(typ, id string) map[string]string {
	return map[string]string{"type": typ, "url": "/services/data/v" + APIVersion + "/sobjects/" + typ + "/" + id}
}

// query answers SOQL by the object queried: the records the CLI needs to
// log in and run tests; an empty result for anything else.
func (s *Server) query(tooling bool, obj, q string) queryResult {
	switch obj {
	case "Organization":
		return records(map[string]any{"attributes": attrs("Organization", OrgID), "Id": OrgID, "Name": "Deploy Guard Emulated Org",
			"IsSandbox": s.scenario.Sandbox, "TrialExpirationDate": nil, "NamespacePrefix": nil, "OrganizationType": "Enterprise Edition", "InstanceName": "SIM1"})
	case "User":
		return records(map[string]any{"attributes": attrs("User", UserID), "Id": UserID, "Username": Username, "Name": "CI User",
			"Email": Username, "ProfileId": "00e000000000001AAA", "IsActive": true})
	case "ApexClass":
		return s.org.queryApexClass(q)
	case "ApexTestRunResult":
		return s.org.queryRun(q)
	case "ApexTestQueueItem":
		return s.org.queryQueue(q)
	case "ApexTestResult":
		return s.org.queryResults(q)
	case "ApexCodeCoverageAggregate", "ApexCodeCoverage":
		return s.org.queryCoverage()
	case "DeployRequest":
		if tooling {
			return s.org.queryDeployRequests(q)
		}
	case "ApexOrgWideCoverage":
		return records(map[string]any{"attributes": attrs("ApexOrgWideCoverage", "715000000000001AAA"), "PercentCovered": 90})
	}
	return records()
}

// testRun is one runTestsAsynchronous job.
type testRun struct {
	ID       string
	Created  time.Time
	Tests    []string // Class.method
	Polls    int
	Results  []testOutcome
	QueueIDs map[string]string // class → queue item id
	ClassIDs map[string]string // class → ApexClass id
}

type testOutcome struct {
	ID, Class, Method string
	Pass              bool
	Script            TestScript
	QueueID           string
}

func (s *Server) runTests(w http.ResponseWriter, r *http.Request, c *call) {
	var req struct {
		Tests []struct {
			ClassName   string   `json:"className"`
			ClassID     string   `json:"classId"`
			TestMethods []string `json:"testMethods"`
		} `json:"tests"`
		ClassNames string `json:"classNames"`
		TestLevel  string `json:"testLevel"`
	}
	if err := json.Unmarshal(drain(r), &req); err != nil {
		writeJSON(w, http.StatusBadRequest, []map[string]string{{"errorCode": "JSON_PARSER_ERROR", "message": err.Error()}})
		return
	}
	var tests []string
	for _, t := range req.Tests {
		if len(t.TestMethods) == 0 {
			tests = append(tests, s.org.methodsOf(t.ClassName)...)
		}
		for _, m := range t.TestMethods {
			tests = append(tests, t.ClassName+"."+m)
		}
	}
	for _, cn := range strings.Split(req.ClassNames, ",") {
		if cn = strings.TrimSpace(cn); cn != "" {
			tests = append(tests, s.org.methodsOf(cn)...)
		}
	}
	if len(tests) == 0 {
		writeJSON(w, http.StatusBadRequest, []map[string]string{{"errorCode": "INVALID_INPUT", "message": "No test classes or methods were given"}})
		return
	}
	run := s.org.startTestRun(tests)
	c.deployID = run.ID
	writeJSON(w, http.StatusOK, run.ID)
}

func (o *org) methodsOf(class string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	if c := o.classes[class]; c != nil {
		for _, m := range c.Methods {
			out = append(out, class+"."+m)
		}
	}
	return out
}

func (o *org) startTestRun(tests []string) *testRun {
	o.mu.Lock()
	defer o.mu.Unlock()
	run := &testRun{ID: o.id("707"), Created: o.now(), Tests: tests, QueueIDs: map[string]string{}, ClassIDs: map[string]string{}}
	for _, t := range tests {
		cls, method, _ := strings.Cut(t, ".")
		if run.QueueIDs[cls] == "" {
			run.QueueIDs[cls] = o.id("709")
			run.ClassIDs[cls] = o.id("01p")
		}
		pass, script := o.runTest(t, true)
		run.Results = append(run.Results, testOutcome{ID: o.id("07M"), Class: cls, Method: method, Pass: pass, Script: script, QueueID: run.QueueIDs[cls]})
	}
	o.testRuns[run.ID] = run
	return run
}

// runByQuery finds the run a query names by one of its quoted ids.
func (o *org) runByQuery(q string) *testRun {
	for _, m := range quoteRE.FindAllStringSubmatch(q, -1) {
		if r, ok := o.testRuns[m[1]]; ok {
			return r
		}
		for _, r := range o.testRuns {
			for _, qid := range r.QueueIDs {
				if qid == m[1] {
					return r
				}
			}
		}
	}
	return nil
}

// runStatus is an async test run's status as the CLI polls it: Processing
// until its first poll (or, with RealTime, until its tests have had their
// time), then Completed.
func (o *org) runStatus(r *testRun) string {
	done := r.Polls >= 1
	if o.sc.RealTime {
		done = o.now().Sub(r.Created) >= time.Duration(len(r.Tests))*o.testTime()
	}
	if done {
		return "Completed"
	}
	return "Processing"
}

func (o *org) queryRun(q string) queryResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.runByQuery(q)
	if r == nil {
		return records()
	}
	status := o.runStatus(r)
	r.Polls++
	total := float64(len(r.Tests)) * float64(o.testTime().Milliseconds())
	return records(map[string]any{"attributes": attrs("ApexTestRunResult", "05m"+r.ID[3:]), "AsyncApexJobId": r.ID, "Status": status,
		"ClassesCompleted": len(r.QueueIDs), "ClassesEnqueued": len(r.QueueIDs), "MethodsEnqueued": len(r.Tests),
		"StartTime": stamp(r.Created), "EndTime": stamp(r.Created.Add(time.Duration(total) * time.Millisecond)),
		"TestTime": total, "TestSetupTime": 0, "UserId": UserID})
}

func (o *org) queryQueue(q string) queryResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.runByQuery(q)
	if r == nil {
		return records()
	}
	status := o.runStatus(r)
	var classes []string
	for cls := range r.QueueIDs {
		classes = append(classes, cls)
	}
	sort.Strings(classes)
	var rs []map[string]any
	for _, cls := range classes {
		rs = append(rs, map[string]any{"attributes": attrs("ApexTestQueueItem", r.QueueIDs[cls]), "Id": r.QueueIDs[cls], "Status": status,
			"ApexClassId": r.ClassIDs[cls], "TestRunResultId": "05m" + r.ID[3:], "ParentJobId": r.ID})
	}
	return records(rs...)
}

func (o *org) queryResults(q string) queryResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.runByQuery(q)
	if r == nil {
		return records()
	}
	var rs []map[string]any
	for _, t := range r.Results {
		outcome, msg, st := "Pass", any(nil), any(nil)
		if !t.Pass {
			f := failureOf(t.ID, t.Class, t.Method, t.Script, 0)
			outcome, msg, st = "Fail", f.Message, f.StackTrace
		}
		rs = append(rs, map[string]any{"attributes": attrs("ApexTestResult", t.ID), "Id": t.ID, "QueueItemId": t.QueueID,
			"StackTrace": st, "Message": msg, "RunTime": o.testTime().Milliseconds(), "TestTimestamp": stamp(r.Created),
			"AsyncApexJobId": r.ID, "MethodName": t.Method, "Outcome": outcome, "ApexLogId": nil, "IsTestSetup": false,
			"ApexClass": map[string]any{"attributes": attrs("ApexClass", r.ClassIDs[t.Class]), "Id": r.ClassIDs[t.Class], "Name": t.Class, "NamespacePrefix": nil}})
	}
	return records(rs...)
}

func (o *org) queryApexClass(q string) queryResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	var rs []map[string]any
	for _, m := range quoteRE.FindAllStringSubmatch(q, -1) {
		if c, ok := o.classes[m[1]]; ok {
			id := fmt.Sprintf("01p%012dAAA", len(c.Name))
			rs = append(rs, map[string]any{"attributes": attrs("ApexClass", id), "Id": id, "Name": c.Name, "NamespacePrefix": nil})
		}
	}
	return records(rs...)
}

func (o *org) queryCoverage() queryResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	var rs []map[string]any
	var names []string
	for name, c := range o.classes {
		if !c.Test {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		lines, unc := o.coverageOf(o.classes[name])
		var covered []int
		u := map[int]bool{}
		for _, l := range unc {
			u[l] = true
		}
		for l := 1; l <= lines; l++ {
			if !u[l] {
				covered = append(covered, l)
			}
		}
		id := fmt.Sprintf("01p%012dAAB", len(name))
		rs = append(rs, map[string]any{"attributes": attrs("ApexCodeCoverageAggregate", id),
			"ApexClassOrTrigger": map[string]any{"Id": id, "Name": name},
			"NumLinesCovered":    lines - len(unc), "NumLinesUncovered": len(unc),
			"Coverage": map[string]any{"coveredLines": covered, "uncoveredLines": unc}})
	}
	return records(rs...)
}

// queryDeployRequests answers the Tooling API's DeployRequest: the org's
// deployments, newest first, from `CreatedDate >= <datetime>` on when the
// query says so. The org has one user: a query that names another user (by
// a quoted username or id) finds nothing.
func (o *org) queryDeployRequests(q string) queryResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range quoteRE.FindAllStringSubmatch(q, -1) {
		if v := m[1]; v != Username && v != UserID && v != UserID[:15] {
			return records()
		}
	}
	var since time.Time
	if m := sinceRE.FindStringSubmatch(q); m != nil {
		t, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			t, _ = time.Parse("2006-01-02T15:04:05.000-0700", m[1])
		}
		since = t
	}
	var jobs []*job
	for _, j := range o.jobs {
		if !j.Created.Before(since.Truncate(time.Second)) {
			jobs = append(jobs, j)
		}
	}
	sort.Slice(jobs, func(a, b int) bool { return jobs[a].Number > jobs[b].Number })
	var rs []map[string]any
	for _, j := range jobs {
		status := "Pending"
		if j.Result != nil {
			status = j.Result.Status
		} else if j.Polls > 0 || j.duration > 0 {
			status = "InProgress"
		}
		rs = append(rs, map[string]any{"attributes": attrs("DeployRequest", j.ID), "Id": j.ID, "Status": status,
			"CheckOnly": j.CheckOnly, "CreatedDate": stamp(j.Created), "CreatedById": UserID, "StartDate": stamp(j.Created.Add(100 * time.Millisecond))})
	}
	return records(rs...)
}
