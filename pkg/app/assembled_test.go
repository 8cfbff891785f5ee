package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/org/deploy-guard/internal/testkit"
	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/ghapi"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// These tests look at what the action assembles from all its steps, as a
// workflow sees it: the outputs, the annotations and the step summary.

// fixedNow is the clock of the assembled runs, so the goldens are stable.
var fixedNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// runAt runs the action with a fixed clock, so the goldens are stable.
func (e *env) runAt() int {
	e.now = func() time.Time { return fixedNow }
	return e.run()
}

// annotations are the annotation commands the action printed.
func (e *env) annotations() []string {
	var out []string
	for _, l := range strings.Split(e.stdout.String(), "\n") {
		if strings.HasPrefix(l, "::error") || strings.HasPrefix(l, "::warning") || strings.HasPrefix(l, "::notice") {
			out = append(out, l)
		}
	}
	return out
}

// github is a fake GitHub API (and Slack webhook) for assembled runs.
type github struct {
	failedRuns int
	slackFails bool
	mu         chan struct{}
	bodies     map[string][]string
}

func newGitHub(t *testing.T, failedRuns int, slackFails bool) (*github, string) {
	g := &github{failedRuns: failedRuns, slackFails: slackFails, mu: make(chan struct{}, 1), bodies: map[string][]string{}}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, srv.URL
}

func (g *github) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var body strings.Builder
	if req.Body != nil {
		b := make([]byte, 1<<20)
		n, _ := req.Body.Read(b)
		body.Write(b[:n])
	}
	g.mu <- struct{}{}
	key := req.Method + " " + req.URL.Path
	g.bodies[key] = append(g.bodies[key], body.String())
	<-g.mu
	switch {
	case strings.HasSuffix(req.URL.Path, "/jobs"):
		// Each failed run has one job, whose log records a failed deployment
		// of this job to this org (see ghapi.OutcomeLine).
		// The step that ran deploy-guard spans the line's timestamp. Run 42
		// is the current run: its job is the one in progress.
		id, _ := strconv.Atoi(strings.Split(req.URL.Path, "/")[6])
		step := map[string]any{"number": 2, "name": "Run org/deploy-guard@v1", "status": "completed", "conclusion": "failure",
			"started_at": "2026-01-01T00:00:00Z", "completed_at": "2026-01-01T00:00:00Z"}
		job := map[string]any{"id": id * 10, "run_id": id, "name": "deploy", "steps": []any{step},
			"status": "completed", "conclusion": "failure", "completed_at": fixedNow.Add(-time.Duration(id-99)*time.Hour + 5*time.Minute).Format(time.RFC3339)}
		if id == 42 {
			job = map[string]any{"id": id * 10, "run_id": id, "name": "deploy", "status": "in_progress",
				"steps": []any{map[string]any{"number": 2, "name": "Run org/deploy-guard@v1", "status": "in_progress"}}}
		}
		json.NewEncoder(w).Encode(map[string]any{"total_count": 1, "jobs": []any{job}})
	case strings.HasPrefix(req.URL.Path, "/repos/") && strings.HasSuffix(req.URL.Path, "/logs"):
		w.Header().Set("Location", "http://"+req.Host+"/raw"+req.URL.Path)
		w.WriteHeader(http.StatusFound)
	case strings.HasPrefix(req.URL.Path, "/raw/"):
		org := (&config.Auth{Method: config.AuthSFDXURL, AuthURL: testAuthURL}).OrgKey()
		fmt.Fprintf(w, "2026-01-01T00:00:00.0000000Z %s\n", ghapi.OutcomeLine(ghapi.OutcomeRecord{Job: "deploy", Org: org, Mode: "deploy", Status: "failed", Attempts: 1}, ""))
	case strings.HasSuffix(req.URL.Path, "/runs"):
		var runs []map[string]any
		for i := 0; i < g.failedRuns; i++ {
			id := 100 + i
			runs = append(runs, map[string]any{"id": id, "run_attempt": 1, "status": "completed", "conclusion": "failure", "event": "push",
				"html_url": fmt.Sprintf("https://github.com/acme/crm/actions/runs/%d", id), "display_title": fmt.Sprintf("change %d", i),
				"created_at": fixedNow.Add(-time.Duration(i+1) * time.Hour).Format(time.RFC3339), "updated_at": fixedNow.Add(-time.Duration(i+1)*time.Hour + 5*time.Minute).Format(time.RFC3339)})
		}
		json.NewEncoder(w).Encode(map[string]any{"total_count": len(runs), "workflow_runs": runs})
	case req.Method == "GET" && strings.HasSuffix(req.URL.Path, "/issues"):
		fmt.Fprint(w, `[]`)
	case req.Method == "POST" && strings.HasSuffix(req.URL.Path, "/issues"):
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"number":7,"html_url":"https://github.com/acme/crm/issues/7"}`)
	case strings.HasPrefix(req.URL.Path, "/slack") && !g.slackFails:
		fmt.Fprint(w, "ok")
	default:
		http.Error(w, "no such hook", http.StatusNotFound)
	}
}

func (g *github) posted(key string) string {
	g.mu <- struct{}{}
	defer func() { <-g.mu }()
	return strings.Join(g.bodies[key], "\n")
}

// withGitHub points the run at the fake GitHub API, as the runner would
// (acme/crm's deploy.yml on main, run 42, attempt 1); extra are KEY, VALUE
// pairs that add to or override those variables.
func (e *env) withGitHub(url string, extra ...string) {
	vars := append([]string{"GITHUB_API_URL", url, "GITHUB_SERVER_URL", "https://github.com", "GITHUB_REPOSITORY", "acme/crm",
		"GITHUB_WORKFLOW_REF", "acme/crm/.github/workflows/deploy.yml@refs/heads/main", "GITHUB_REF_NAME", "main",
		"GITHUB_RUN_ID", "42", "GITHUB_RUN_ATTEMPT", "1", "GITHUB_JOB", "deploy"}, extra...)
	for i := 0; i+1 < len(vars); i += 2 {
		e.vars[vars[i]] = vars[i+1]
	}
}

// scriptedSF answers a login, then each deployment with the next deploy
// result, and each check-only rerun of failed tests with the next of checks.
func scriptedSF(deploys []string, checks ...string) func(inv sfcli.Invocation) (*sfcli.Output, error) {
	n, m := 0, 0
	checking := false
	return func(inv sfcli.Invocation) (*sfcli.Output, error) {
		switch strings.Join(inv.Args[:3], " ") {
		case "project deploy validate":
			checking = true
			return reply(`{"status":0,"result":{"id":"`+checkID+`","status":"Queued","done":false}}`, 0)
		case "project deploy report":
			if checking {
				checking = false
				if m >= len(checks) {
					return nil, fmt.Errorf("unexpected check-only run %d", m+1)
				}
				m++
				return reply(checks[m-1], exitOf(checks[m-1]))
			}
			if n >= len(deploys) {
				return nil, fmt.Errorf("unexpected deploy %d", n+1)
			}
			n++
			return reply(deploys[n-1], exitOf(deploys[n-1]))
		}
		return happySF(inv)
	}
}

// checkID is the job of a check-only rerun.
const checkID = "0Af000000000777AAA"

func exitOf(doc string) int {
	var d struct{ Status int }
	json.Unmarshal([]byte(doc), &d)
	return d.Status
}

// failedDeploy is a finished, failed deploy result with the given details.
func failedDeploy(details string) string {
	return `{"status":1,"result":{"id":"` + testID + `","status":"Failed","done":true,"success":false,"details":{` + details + `}}}`
}

func componentJSON(typ, name, problemType, problem string, line int) string {
	b, _ := json.Marshal(map[string]any{"componentType": typ, "fullName": name, "fileName": "classes/" + name + ".cls",
		"problem": problem, "problemType": problemType, "lineNumber": fmt.Sprint(line), "columnNumber": "1"})
	return string(b)
}

func testFailureJSON(class, method, message string) string {
	return fmt.Sprintf(`{"name":%q,"methodName":%q,"message":%q,"stackTrace":"Class.%s.%s: line 3, column 1","time":"12"}`, class, method, message, class, method)
}

// checkOnlyJSON is the result of a check-only rerun of failed tests: the
// tests named in passed pass, the others in failed fail.
func checkOnlyJSON(passed []string, failed ...string) string {
	var ok, ko []string
	for _, t := range passed {
		class, method, _ := strings.Cut(t, ".")
		ok = append(ok, fmt.Sprintf(`{"name":%q,"methodName":%q,"time":1}`, class, method))
	}
	for _, t := range failed {
		class, method, _ := strings.Cut(t, ".")
		ko = append(ko, testFailureJSON(class, method, "boom"))
	}
	status, exit := "Succeeded", 0
	if len(failed) > 0 {
		status, exit = "Failed", 1
	}
	return fmt.Sprintf(`{"status":%d,"result":{"id":%q,"status":%q,"done":true,"checkOnly":true,"details":{"componentFailures":[],"runTestResult":{"numTestsRun":%d,"numFailures":%d,"successes":[%s],"failures":[%s]}}}}`,
		exit, checkID, status, len(ok)+len(ko), len(ko), strings.Join(ok, ","), strings.Join(ko, ","))
}

// soqlInLoop is an Apex class preflight warns about.
const soqlInLoop = "public class Loop%d {\n    public static void run(List<Id> ids) {\n        for (Id i : ids) {\n            Account a = [SELECT Id FROM Account WHERE Id = :i];\n        }\n    }\n}\n"

func writeClasses(t *testing.T, ws string, n int) {
	dir := filepath.Join(ws, "force-app", "main", "default", "classes")
	os.MkdirAll(dir, 0o755)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("Loop%d", i)
		os.WriteFile(filepath.Join(dir, name+".cls"), []byte(fmt.Sprintf(soqlInLoop, i)), 0o644)
		os.WriteFile(filepath.Join(dir, name+".cls-meta.xml"), []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ApexClass xmlns=\"http://soap.sforce.com/2006/04/metadata\"><apiVersion>62.0</apiVersion><status>Active</status></ApexClass>\n"), 0o644)
	}
}

// Drift: preflight, the breaker and the metrics each put their own heading
// on their section and the summary added another, so every run with a
// github-token showed "Circuit breaker" and "Deployment metrics" twice.
func TestAssembledSummaryHasEachHeadingOnce(t *testing.T) {
	_, url := newGitHub(t, 1, false)
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputGitHubToken: "ghs_headingstoken"})
	e.withGitHub(url)
	writeClasses(t, e.workspace, 1)
	e.answer = happySF
	if code := e.runAt(); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	sum := e.summary()
	for _, h := range []string{"Preflight", "Circuit breaker", "Deployment metrics"} {
		if n := strings.Count(sum, h+"\n"); n != 1 {
			t.Errorf("heading %q appears %d times, want once:\n%s", h, n, sum)
		}
	}
	for _, l := range strings.Split(sum, "\n") {
		if strings.HasPrefix(l, "### ") && strings.Count(sum, l+"\n") > 1 && !strings.HasPrefix(l, "#### ") {
			t.Errorf("heading %q repeated", l)
		}
	}
}

// Drift: a warning is not a failure, and neither is a flaky test. The
// failed-component output took the first component problem even when it
// was a warning; Slack and the post-mortem listed flaky tests as failed
// while failed-tests and the summary left them out.
func TestAssembledFailuresAgreeAcrossSinks(t *testing.T) {
	run := func(t *testing.T, sf func(inv sfcli.Invocation) (*sfcli.Output, error)) (*env, *github) {
		g, url := newGitHub(t, 0, false)
		e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputGitHubToken: "ghs_agreetoken",
			config.InputPostMortem: "true", config.InputSlackWebhookURL: url + "/slack/T0/B0/agree"})
		e.withGitHub(url)
		e.answer = sf
		if code := e.runAt(); code != ExitFailed {
			t.Fatalf("exit %d\n%s", code, e.stdout.String())
		}
		return e, g
	}
	t.Run("a warning before the error", func(t *testing.T) {
		e, g := run(t, scriptedSF([]string{failedDeploy(`"componentFailures":[` +
			componentJSON("CustomObject", "Invoice__c", "warning", "Setting sharingModel is deprecated", 1) + `,` +
			componentJSON("ApexClass", "Invoice", "Error", "Variable does not exist: amount", 3) + `]`)}))
		if got := e.outputs()["failed-component"]; got != "ApexClass:Invoice" {
			t.Errorf("failed-component = %q, want the first error, not the warning before it", got)
		}
		if slack := g.posted("POST /slack/T0/B0/agree"); !strings.Contains(slack, "ApexClass Invoice") || strings.Contains(slack, "sharingModel") {
			t.Errorf("Slack must name the error, not the warning:\n%s", slack)
		}
		if issue := g.posted("POST /repos/acme/crm/issues"); !strings.Contains(issue, "Failed components (1)") || strings.Contains(issue, "sharingModel") {
			t.Errorf("the post-mortem must list the error alone as failed:\n%s", issue)
		}
	})
	t.Run("a flaky test beside a failed one", func(t *testing.T) {
		deploy := failedDeploy(`"runTestResult":{"numTestsRun":2,"numFailures":2,"failures":[` + testFailureJSON("FlakyTest", "sometimes", "UNABLE_TO_LOCK_ROW") + `,` +
			testFailureJSON("HardTest", "always", "System.AssertException: Assertion Failed") + `]}`)
		e, g := run(t, scriptedSF([]string{deploy}, checkOnlyJSON([]string{"FlakyTest.sometimes"}, "HardTest.always")))
		out := e.outputs()
		if out["failed-tests"] != "HardTest.always" || out["flaky-tests"] != "FlakyTest.sometimes" {
			t.Fatalf("failed-tests = %q, flaky-tests = %q", out["failed-tests"], out["flaky-tests"])
		}
		if out["failure-category"] != "test" || strings.Contains(e.summary(), "failed (test): 2 test failures") {
			t.Errorf("failure-category = %q; the headline must judge the failures left once the flaky test is set apart:\n%s", out["failure-category"], e.summary())
		}
		if slack := g.posted("POST /slack/T0/B0/agree"); !strings.Contains(slack, "`HardTest.always`") || strings.Contains(slack, "FlakyTest.sometimes") {
			t.Errorf("Slack lists failed tests other than failed-tests (%q):\n%s", out["failed-tests"], slack)
		}
		if issue := g.posted("POST /repos/acme/crm/issues"); !strings.Contains(issue, "Failed tests (1)") || !strings.Contains(issue, "Flaky tests") {
			t.Errorf("the post-mortem must count one failed test and list the flaky one apart:\n%s", issue)
		}
	})
}

// Drift: the runner keeps 10 annotations per type per step. Each source
// capped on its own and side channels annotated directly, so the runner
// dropped some silently and the "more" notice undercounted.
func TestAssembledAnnotationsStayWithinTheRunnersCap(t *testing.T) {
	var comps []string
	for i := 0; i < 10; i++ {
		comps = append(comps, componentJSON("CustomObject", fmt.Sprintf("Old%d__c", i), "Warning", "Setting sharingModel is deprecated", 1))
	}
	for i := 0; i < 12; i++ {
		comps = append(comps, componentJSON("ApexClass", fmt.Sprintf("Broken%d", i), "Error", "Variable does not exist: amount", 3))
	}
	tests := []struct {
		name  string
		setup func(e *env)
		sf    func(inv sfcli.Invocation) (*sfcli.Output, error)
		// first is the first annotation; notice what the count says.
		first, notice string
	}{
		// 12 errors + 10 warnings + the Slack warning, 20 shown.
		{name: "deployment and a side channel", sf: scriptedSF([]string{failedDeploy(`"componentFailures":[` + strings.Join(comps, ",") + `]`)}),
			first: "::error", notice: "3 more failures"},
		// Preflight: the error first; the Slack warning and 9 of 12 hygiene
		// warnings, 3 counted.
		{name: "preflight", setup: func(e *env) {
			e.vars[config.EnvName(config.InputManifest)] = "manifest/package.xml"
			os.WriteFile(filepath.Join(e.workspace, "manifest", "package.xml"), []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\"><types><members>PaymentService</members><name>ApexClass</name></types><version>62.0</version></Package>\n"), 0o644)
			writeClasses(t, e.workspace, 12)
		}, sf: happySF, first: "::error col=65,file=manifest/package.xml", notice: "3 more failures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, url := newGitHub(t, 0, true)
			e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputGitHubToken: "ghs_captoken",
				config.InputSlackWebhookURL: url + "/slack/T0/B0/gone"})
			e.withGitHub(url)
			if tt.setup != nil {
				tt.setup(e)
			}
			e.answer = tt.sf
			if code := e.runAt(); code == ExitOK {
				t.Fatalf("exit %d\n%s", code, e.stdout.String())
			}
			anns := e.annotations()
			per := map[string]int{}
			notice := ""
			for _, a := range anns {
				rest := a[2:]
				level := rest[:strings.IndexAny(rest, " :")]
				per[level]++
				if strings.Contains(a, "more failures") {
					notice = a
				}
			}
			for level, n := range per {
				if n > 10 {
					t.Errorf("%d %s annotations: the runner drops all past 10 silently", n, level)
				}
			}
			if len(anns) == 0 || !strings.HasPrefix(anns[0], tt.first) {
				t.Errorf("annotations must start with %q:\n%s", tt.first, strings.Join(anns, "\n"))
			}
			if !strings.Contains(e.stdout.String(), "could not post to Slack") {
				t.Errorf("the Slack failure must be annotated (it is deploy-guard's own trouble):\n%s", strings.Join(anns, "\n"))
			}
			if !strings.Contains(notice, tt.notice) {
				t.Errorf("notice %q: want it to say %q", notice, tt.notice)
			}
		})
	}
}

// The assembled goldens: outputs, annotations and summary of whole runs.
func TestAssembledGolden(t *testing.T) {
	type scenario struct {
		name   string
		inputs map[string]string
		// failedRuns in the fake history; -1 runs without a github-token.
		failedRuns int
		setup      func(e *env)
		sf         func(inv sfcli.Invocation) (*sfcli.Output, error)
		code       int
	}
	manifestNaming := func(class string) func(e *env) {
		return func(e *env) {
			os.WriteFile(filepath.Join(e.workspace, "manifest", "package.xml"), []byte(`<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types>
        <members>`+class+`</members>
        <name>ApexClass</name>
    </types>
    <version>62.0</version>
</Package>
`), 0o644)
			writeClasses(t, e.workspace, 2)
		}
	}
	loginFailed := func(inv sfcli.Invocation) (*sfcli.Output, error) {
		if inv.Args[0] == "org" {
			return reply(`{"status":1,"name":"RefreshTokenAuthError","message":"Error authenticating with the refresh token due to: expired access/refresh token","exitCode":1}`, 1)
		}
		return happySF(inv)
	}
	flakyFirst := failedDeploy(`"runTestResult":{"numTestsRun":3,"numFailures":1,"failures":[` + testFailureJSON("InvoiceTest", "concurrentUpdate", "System.DmlException: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record") + `]}`)
	succeeded := `{"status":0,"result":{"id":"` + testID + `","status":"Succeeded","done":true,"success":true,"details":{"componentSuccesses":[{"componentType":"ApexClass","fullName":"Invoice"}]}}}`
	var comps []string
	comps = append(comps, componentJSON("CustomObject", "Invoice__c", "Warning", "Setting sharingModel is deprecated", 1))
	for i := 0; i < 11; i++ {
		comps = append(comps, componentJSON("ApexClass", fmt.Sprintf("Invoice%d", i), "Error", "Variable does not exist: amount", 3+i))
	}
	scenarios := []scenario{
		{name: "breaker-open", inputs: map[string]string{config.InputManifest: "manifest/package.xml"}, failedRuns: 4, sf: happySF, code: ExitFailed},
		{name: "preflight-failure", inputs: map[string]string{config.InputManifest: "manifest/package.xml"}, failedRuns: 1,
			setup: manifestNaming("PaymentService"), sf: happySF, code: ExitConfig},
		{name: "login-failure", failedRuns: 0, sf: loginFailed, code: ExitFailed},
		{name: "deployment-failure", inputs: map[string]string{config.InputPostMortem: "true"}, failedRuns: 2,
			sf: scriptedSF([]string{failedDeploy(`"componentFailures":[` + strings.Join(comps, ",") + `]`)}), code: ExitFailed},
		{name: "flaky-recovery", inputs: map[string]string{config.InputSlackOnRecovery: "true"}, failedRuns: 0,
			sf: scriptedSF([]string{flakyFirst, succeeded}, checkOnlyJSON([]string{"InvoiceTest.concurrentUpdate"})), code: ExitOK},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			_, url := newGitHub(t, sc.failedRuns, false)
			in := map[string]string{config.InputAuthURL: testAuthURL, config.InputGitHubToken: "ghs_goldentoken",
				config.InputSlackWebhookURL: url + "/slack/T0/B0/golden"}
			for k, v := range sc.inputs {
				in[k] = v
			}
			e := newEnv(t, in)
			e.withGitHub(url)
			if sc.setup != nil {
				sc.setup(e)
			}
			e.answer = sc.sf
			code := e.runAt()
			if code != sc.code {
				t.Fatalf("exit %d, want %d\n%s", code, sc.code, e.stdout.String())
			}
			out := e.outputs()
			names := make([]string, 0, len(out))
			for k := range out {
				names = append(names, k)
			}
			sort.Strings(names)
			var b strings.Builder
			fmt.Fprintf(&b, "# exit %d\n\n# outputs\n\n", code)
			for _, k := range names {
				fmt.Fprintf(&b, "%s=%s\n", k, out[k])
			}
			b.WriteString("\n# annotations\n\n")
			for _, a := range e.annotations() {
				b.WriteString(a + "\n")
			}
			b.WriteString("\n# summary\n\n")
			b.WriteString(e.summary())
			got := stable(b.String(), e.workspace)
			testkit.Golden(t, filepath.Join("testdata", "assembled", sc.name+".golden"), []byte(got))
		})
	}
}

// durations measured by preflight on the real clock.
var measured = regexp.MustCompile(`checked in [0-9.]+(ns|µs|ms|s)`)

func stable(s, workspace string) string {
	s = strings.ReplaceAll(s, workspace, "$WORKSPACE")
	return measured.ReplaceAllString(s, "checked in <duration>")
}
