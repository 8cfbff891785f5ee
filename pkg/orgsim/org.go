package orgsim

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// org is the emulated org's state: deployments, validations, Apex classes
// and test runs, and how often each test method has run.
type org struct {
	sc  *Scenario
	now func() time.Time

	mu       sync.Mutex
	seq      int
	deploys  int // deploy and deployRecentValidation calls that made a job
	calls    int // every deploy call, faulted or not (faults are keyed by it)
	jobs     map[string]*job
	classes  map[string]*apexClass // classes the org has (deployed or in a validation)
	testRuns map[string]*testRun
	runCount map[string]int // test method → times run
	logged   bool
	// present are the components the org has ("Type:FullName"): the
	// scenario's, plus what succeeded deployments added, minus deletions.
	present map[string]bool
}

// job is one deployment.
type job struct {
	ID        string
	Number    int
	CheckOnly bool
	Options   deployOptions
	Payload   *payload
	Created   time.Time
	Polls     int
	Canceled  bool
	Result    *DeployResult // final; nil while in progress
	// APIVersion is the version in the SOAP path of the deploy call.
	APIVersion string
	// Deleted are the components the job deleted ("Type:FullName").
	Deleted []string
	// duration the job stays in progress (wall time); 0 = by polls.
	duration time.Duration
}

type deployOptions struct {
	CheckOnly       bool     `xml:"checkOnly"`
	RollbackOnError *bool    `xml:"rollbackOnError"`
	TestLevel       string   `xml:"testLevel"`
	RunTests        []string `xml:"runTests"`
	IgnoreWarnings  bool     `xml:"ignoreWarnings"`
	SinglePackage   bool     `xml:"singlePackage"`
	PurgeOnDelete   bool     `xml:"purgeOnDelete"`
	// APIVersion is not a deploy option but the version in the SOAP path.
	APIVersion string `xml:"-"`
}

func newOrg(sc *Scenario, now func() time.Time) *org {
	o := &org{sc: sc, now: now, jobs: map[string]*job{}, classes: map[string]*apexClass{},
		testRuns: map[string]*testRun{}, runCount: map[string]int{}, present: map[string]bool{}}
	for _, c := range sc.Components {
		o.present[c] = true
	}
	return o
}

func (o *org) loggedIn() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.logged
}

func (o *org) markLoggedIn() {
	o.mu.Lock()
	o.logged = true
	o.mu.Unlock()
}

// id makes a Salesforce-looking 18-character id with the given key prefix.
func (o *org) id(prefix string) string {
	o.seq++
	return fmt.Sprintf("%s%012dAAA", prefix, o.seq)
}

// nextCall counts a deploy call and returns its number and fault, if any.
func (o *org) nextCall() (int, Fault) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls++
	return o.calls, o.sc.fault(o.calls)
}

// startDeploy creates a job for a deploy call.
func (o *org) startDeploy(p *payload, opts deployOptions) *job {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.deploys++
	j := &job{ID: o.id("0Af"), Number: o.deploys, CheckOnly: opts.CheckOnly, Options: opts, Payload: p, Created: o.now()}
	j.duration = o.sc.Duration.Duration
	if o.sc.RealTime {
		j.duration += time.Duration(len(o.testsFor(j))) * o.testTime()
		if l := opts.TestLevel; l == "RunLocalTests" || l == "RunAllTestsInOrg" {
			j.duration += o.sc.SuiteTime.Duration
		}
	}
	o.jobs[j.ID] = j
	// The org knows the deployment's Apex classes from now on, so the tests
	// of a failed deployment can be re-run on their own.
	for name, c := range p.Classes {
		if _, ok := o.classes[name]; !ok {
			o.classes[name] = c
		}
	}
	return j
}

// quickDeploy starts a deployment from a validated job.
func (o *org) quickDeploy(validationID string) (*job, error) {
	o.mu.Lock()
	v, ok := o.jobs[validationID]
	o.mu.Unlock()
	if !ok || !v.CheckOnly || v.Result == nil || v.Result.Status != "Succeeded" {
		return nil, fmt.Errorf("INVALID_ID_FIELD: No validated deploy found with Id %s; the validation may have expired (10 days), failed, or been quick-deployed already", validationID)
	}
	opts := v.Options
	opts.CheckOnly = false
	opts.TestLevel = "NoTestRun" // tests ran during the validation
	o.mu.Lock()
	v.CheckOnly = false // a validation can be quick-deployed once
	o.mu.Unlock()
	return o.startDeploy(v.Payload, opts), nil
}

func (o *org) cancel(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	j, ok := o.jobs[id]
	if ok && j.Result == nil {
		j.Canceled = true
	}
	return ok
}

func (o *org) testTime() time.Duration {
	if o.sc.TestTime.Duration > 0 {
		return o.sc.TestTime.Duration
	}
	return 20 * time.Millisecond
}

// status answers checkDeployStatus: the job's in-progress view, or its final
// result once enough polls or time have passed.
func (o *org) status(id string) (*DeployResult, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	j, ok := o.jobs[id]
	if !ok {
		return nil, false
	}
	if j.Result != nil {
		return j.Result, true
	}
	j.Polls++
	polls := o.sc.Polls
	if polls <= 0 {
		polls = 1
	}
	done := j.Canceled
	if !done {
		if j.duration > 0 {
			done = o.now().Sub(j.Created) >= j.duration
		} else {
			done = j.Polls > polls
		}
	}
	if !done {
		return o.inProgress(j), true
	}
	j.Result = o.finish(j)
	if j.Result.Status == "Succeeded" || j.Result.Status == "SucceededPartial" {
		for name, c := range j.Payload.Classes {
			o.classes[name] = c
		}
		if !j.CheckOnly {
			o.apply(j)
		}
	}
	return j.Result, true
}

func (o *org) base(j *job) *DeployResult {
	rollback := true
	if j.Options.RollbackOnError != nil {
		rollback = *j.Options.RollbackOnError
	}
	return &DeployResult{
		CheckOnly: j.CheckOnly, CreatedBy: UserID[:15], CreatedByName: "CI User",
		CreatedDate: stamp(j.Created), ID: j.ID, IgnoreWarnings: j.Options.IgnoreWarnings,
		LastModifiedDate: stamp(o.now()), NumberComponentsTotal: len(j.Payload.Components), NumberFiles: j.Payload.Files,
		RollbackOnError: rollback, StartDate: stamp(j.Created.Add(100 * time.Millisecond)),
		RunTestsEnabled: len(o.testsFor(j)) > 0, NumberTestsTotal: len(o.testsFor(j)),
	}
}

func (o *org) inProgress(j *job) *DeployResult {
	r := o.base(j)
	if j.Polls <= 1 && j.duration == 0 {
		r.Status = "Pending"
		return r
	}
	r.Status = "InProgress"
	r.StateDetail = "Processing Type: Apex Class"
	r.NumberComponentsDeployed = len(j.Payload.Components) / 2
	return r
}

// testsFor lists the "Class.method" tests a deployment runs by its level.
func (o *org) testsFor(j *job) []string {
	level := j.Options.TestLevel
	var classes []string
	switch level {
	case "RunSpecifiedTests":
		for _, t := range j.Options.RunTests {
			classes = append(classes, strings.TrimSpace(t))
		}
	case "RunLocalTests", "RunAllTestsInOrg":
		seen := map[string]bool{}
		for name, c := range j.Payload.Classes {
			if c.Test {
				seen[name] = true
			}
		}
		for name, c := range o.classes {
			if c.Test {
				seen[name] = true
			}
		}
		for name := range seen {
			classes = append(classes, name)
		}
	default:
		return nil
	}
	sort.Strings(classes)
	var tests []string
	for _, spec := range classes {
		cls, method, hasMethod := strings.Cut(spec, ".")
		if hasMethod {
			tests = append(tests, cls+"."+method)
			continue
		}
		c := j.Payload.Classes[cls]
		if c == nil {
			c = o.classes[cls]
		}
		if c == nil {
			continue
		}
		for _, m := range c.Methods {
			tests = append(tests, cls+"."+m)
		}
	}
	return tests
}

// runTest runs one test method and returns whether it passed and its
// script. onOrgCode is set for runs against the org's current code (not
// inside a deployment).
func (o *org) runTest(name string, onOrgCode bool) (bool, TestScript) {
	o.runCount[name]++
	n := o.runCount[name]
	cls, _, _ := strings.Cut(name, ".")
	script, ok := o.sc.Tests[name]
	if !ok {
		script, ok = o.sc.Tests[cls+".*"]
	}
	outcomes := script.Outcomes
	if onOrgCode && len(script.OrgOutcomes) > 0 {
		outcomes = script.OrgOutcomes
	}
	if !ok || len(outcomes) == 0 {
		return true, script
	}
	i := min(n, len(outcomes)) - 1
	return outcomes[i] == "pass", script
}

func (o *org) coverageOf(c *apexClass) (lines int, uncovered []int) {
	if cv, ok := o.sc.Coverage[c.Name]; ok {
		return cv.Lines, append([]int(nil), cv.Uncovered...)
	}
	lines = c.Lines
	if lines < 1 {
		lines = 1
	}
	// 90% covered: the last tenth of the lines are not.
	for l := lines - lines/10 + 1; l <= lines; l++ {
		uncovered = append(uncovered, l)
	}
	return lines, uncovered
}

// finish computes a job's final result.
func (o *org) finish(j *job) *DeployResult {
	r := o.base(j)
	r.Done = true
	r.CompletedDate = stamp(o.now())
	if j.Canceled {
		r.Status = "Canceled"
		r.CanceledBy, r.CanceledByName = UserID[:15], "CI User"
		r.Details = &DeployDetails{}
		return r
	}
	if j.Number <= o.sc.InProgress {
		r.Status = "Failed"
		r.ErrorStatusCode = "ALREADY_IN_PROCESS"
		r.ErrorMessage = "The changes you requested require salesforce.com to temporarily lock your organization's administration setup. However, the administration setup has already been locked by another change. Please wait for the previous action to finish, then try again later."
		r.Details = &DeployDetails{}
		return r
	}
	d := &DeployDetails{}
	r.Details = d
	failed := map[string]bool{}
	for _, cf := range o.sc.ComponentFailures {
		if !matchesDeploy(cf.Deploys, j.Number, false) {
			continue
		}
		c := component{Type: cf.Type, FullName: cf.Name}
		for _, pc := range j.Payload.Components {
			if pc.FullName == cf.Name && (cf.Type == "" || cf.Type == pc.Type) {
				c = pc
				break
			}
		}
		if c.Type == "" {
			c.Type = "ApexClass"
		}
		if c.FileName == "" {
			c.FileName = guessFileName(c.Type, c.FullName)
		}
		pt := "Error"
		if cf.Warning {
			pt = "Warning"
		} else {
			failed[c.Type+":"+c.FullName] = true
		}
		d.ComponentFailures = append(d.ComponentFailures, DeployMessage{
			Changed: false, ColumnNumber: cf.Column, ComponentType: c.Type, CreatedDate: stamp(o.now()),
			FileName: c.FileName, FullName: c.FullName, LineNumber: cf.Line, Problem: cf.Problem, ProblemType: pt, Success: false,
		})
	}
	deletions := o.deletions(j, d, failed)
	r.NumberComponentErrors = len(failed)
	// A real org always answers with a runTestResult, zeroed when no test ran.
	d.RunTestResult = &RunTestsResult{}
	if len(failed) > 0 && r.RollbackOnError && !o.sc.Partial {
		r.Status = "Failed"
		return r
	}
	for _, c := range j.Payload.Components {
		if failed[c.Type+":"+c.FullName] {
			continue
		}
		d.ComponentSuccesses = append(d.ComponentSuccesses, DeployMessage{
			Changed: true, ComponentType: c.Type, CreatedDate: stamp(o.now()), FileName: c.FileName,
			FullName: c.FullName, ID: o.id(keyPrefix(c.Type)), Success: true,
		})
	}
	d.ComponentSuccesses = append(d.ComponentSuccesses, deletions...)
	d.ComponentSuccesses = append(d.ComponentSuccesses, DeployMessage{FileName: "package.xml", FullName: "package.xml", CreatedDate: stamp(o.now()), Success: true})
	r.NumberComponentsDeployed = len(j.Payload.Components) + len(deletions) - len(failed)
	tests := o.testsFor(j)
	testsFailed := false
	if len(tests) > 0 {
		rt := d.RunTestResult
		var total float64
		for _, name := range tests {
			pass, script := o.runTest(name, false)
			cls, method, _ := strings.Cut(name, ".")
			ms := float64(o.testTime().Milliseconds())
			total += ms
			if pass {
				rt.Successes = append(rt.Successes, RunTestSuccess{ID: o.id("01p"), MethodName: method, Name: cls, Namespace: nilString(), TestCategory: nilString(), Time: ms})
				continue
			}
			rt.Failures = append(rt.Failures, failureOf(o.id("01p"), cls, method, script, ms))
		}
		rt.NumTestsRun = len(tests)
		rt.NumFailures = len(rt.Failures)
		rt.TotalTime = total
		r.NumberTestsCompleted = len(rt.Successes)
		r.NumberTestErrors = len(rt.Failures)
		testsFailed = len(rt.Failures) > 0
		o.addCoverage(j, rt)
	}
	coverageFailed := len(d.RunTestResult.CodeCoverageWarnings) > 0 && !testsFailed
	switch {
	case len(failed) > 0 || testsFailed || coverageFailed:
		if len(failed) > 0 && o.sc.Partial && !testsFailed && !coverageFailed {
			r.Status = "SucceededPartial"
			r.Success = true
			return r
		}
		r.Status = "Failed"
		if !r.RollbackOnError {
			break
		}
		r.NumberComponentsDeployed = 0
	default:
		r.Status = "Succeeded"
		r.Success = true
	}
	return r
}

func failureOf(id, cls, method string, script TestScript, ms float64) RunTestFailure {
	msg := script.Message
	if msg == "" {
		msg = "System.AssertException: Assertion Failed: Expected: 1, Actual: 0"
	}
	st := script.StackTrace
	if st == "" {
		st = fmt.Sprintf("Class.%s.%s: line 12, column 1", cls, method)
	}
	return RunTestFailure{ID: id, Message: msg, MethodName: method, Name: cls, Namespace: nilString(), PackageName: cls, StackTrace: st, Time: ms, Type: "Class"}
}

// addCoverage reports coverage for the deployment's non-test classes and the
// warnings a real org gives: per class under 75% for RunSpecifiedTests, the
// org-wide average otherwise.
func (o *org) addCoverage(j *job, rt *RunTestsResult) {
	var names []string
	for name, c := range j.Payload.Classes {
		if !c.Test {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var covered, total int
	for _, name := range names {
		c := j.Payload.Classes[name]
		lines, unc := o.coverageOf(c)
		cc := CodeCoverageResult{ID: o.id(keyPrefix("ApexClass")), Name: name, Namespace: nilString(), NumLocations: lines, NumLocationsNotCovered: len(unc), Type: "Class"}
		if c.Trigger {
			cc.Type = "Trigger"
		}
		for _, l := range unc {
			cc.LocationsNotCovered = append(cc.LocationsNotCovered, CodeLocation{Line: l, Time: -1})
		}
		rt.CodeCoverage = append(rt.CodeCoverage, cc)
		covered += lines - len(unc)
		total += lines
		pct := 100 * (lines - len(unc)) / lines
		if j.Options.TestLevel == "RunSpecifiedTests" && pct < 75 {
			kind := "Class"
			if c.Trigger {
				kind = "Trigger"
			}
			rt.CodeCoverageWarnings = append(rt.CodeCoverageWarnings, CodeCoverageWarning{ID: cc.ID, Name: nilOr(name),
				Namespace: nilString(), Message: fmt.Sprintf("Test coverage of selected Apex %s is %d%%, at least 75%% test coverage is required", kind, pct)})
		}
	}
	if total > 0 && j.Options.TestLevel != "RunSpecifiedTests" {
		if pct := 100 * covered / total; pct < 75 {
			rt.CodeCoverageWarnings = append(rt.CodeCoverageWarnings, CodeCoverageWarning{ID: o.id("01p"), Name: nilString(), Namespace: nilString(),
				Message: fmt.Sprintf("Average test coverage across all Apex Classes and Triggers is %d%%, at least 75%% test coverage is required.", pct)})
		}
	}
}

func keyPrefix(typ string) string {
	switch typ {
	case "ApexClass":
		return "01p"
	case "ApexTrigger":
		return "01q"
	case "CustomObject":
		return "01I"
	case "CustomField":
		return "00N"
	default:
		return "0Ds"
	}
}

func guessFileName(typ, name string) string {
	switch typ {
	case "CustomObject":
		return "objects/" + name + ".object"
	case "CustomField", "ValidationRule", "RecordType", "ListView", "FieldSet", "WebLink":
		obj, _, _ := strings.Cut(name, ".")
		return "objects/" + obj + ".object"
	}
	for dir, td := range typeDirs {
		if td.Type == typ {
			if td.Suffix == "" {
				return dir + "/" + name
			}
			return dir + "/" + name + td.Suffix
		}
	}
	return "package.xml"
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// deletions answers a job's destructive changes: a component the org has is
// deleted (a success with deleted=true); one it lacks is a warning, which
// fails the deployment unless it ignores warnings, as a real org does.
func (o *org) deletions(j *job, d *DeployDetails, failed map[string]bool) []DeployMessage {
	var out []DeployMessage
	for _, c := range append(append([]component(nil), j.Payload.Pre...), j.Payload.Post...) {
		key := c.Type + ":" + c.FullName
		if !o.present[key] {
			d.ComponentFailures = append(d.ComponentFailures, DeployMessage{
				ComponentType: c.Type, CreatedDate: stamp(o.now()), FileName: guessFileName(c.Type, c.FullName), FullName: c.FullName,
				Problem: fmt.Sprintf("No %s named: %s found", c.Type, c.FullName), ProblemType: "Warning",
			})
			if !j.Options.IgnoreWarnings {
				failed[key] = true
			}
			continue
		}
		out = append(out, DeployMessage{
			Changed: true, ComponentType: c.Type, CreatedDate: stamp(o.now()), Deleted: true,
			FileName: guessFileName(c.Type, c.FullName), FullName: c.FullName, ID: o.id(keyPrefix(c.Type)), Success: true,
		})
	}
	return out
}

// apply changes the org by a succeeded deployment: the pre-destructive
// deletions, the deployed components, then the post-destructive deletions.
func (o *org) apply(j *job) {
	del := func(cs []component) {
		for _, c := range cs {
			key := c.Type + ":" + c.FullName
			if !o.present[key] {
				continue
			}
			delete(o.present, key)
			if c.Type == "ApexClass" || c.Type == "ApexTrigger" {
				delete(o.classes, c.FullName)
			}
			j.Deleted = append(j.Deleted, key)
		}
	}
	del(j.Payload.Pre)
	for _, c := range j.Payload.Components {
		o.present[c.Type+":"+c.FullName] = true
	}
	for name, c := range j.Payload.Classes {
		o.classes[name] = c
	}
	del(j.Payload.Post)
}
