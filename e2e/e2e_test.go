// Package e2e runs the built deploy-guard binary, the real pinned Salesforce
// CLI and the org emulator together, one emulator per test, the way the
// GitHub runner runs the action. `make test` installs the CLI first; when it
// is missing these tests fail in CI (CI or DEPLOY_GUARD_REQUIRE_E2E set) and
// skip elsewhere.
//
// With DEPLOY_GUARD_IMAGE set to a built image, the same cases run through
// that image the way the runner runs a Docker action (harness image mode);
// `make image-test` builds the image and runs a selection of them.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/harness"
	"github.com/org/deploy-guard/pkg/orgsim"
)

var (
	binary, sfBin string
	root          = ".."
	// image, when set, runs every case through this image instead.
	image = os.Getenv("DEPLOY_GUARD_IMAGE")
	// sgdBin is the sfdx-git-delta wrapper; sgdErr says why it is missing.
	sgdBin string
	sgdErr error
)

func TestMain(m *testing.M) {
	os.Exit(setup(m))
}

func setup(m *testing.M) int {
	if image != "" {
		fmt.Fprintln(os.Stderr, "e2e: running the cases through the image", image)
		return m.Run()
	}
	sf, err := harness.FindSF(root)
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("DEPLOY_GUARD_REQUIRE_E2E") != "" {
			fmt.Fprintln(os.Stderr, "e2e: FAIL:", err)
			return 1
		}
		fmt.Fprintln(os.Stderr, "e2e: skipped:", err)
		return 0
	}
	if sfBin, err = filepath.Abs(sf); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sgdBin, sgdErr = harness.FindSGD(root)
	dir, err := os.MkdirTemp("", "deploy-guard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if binary, err = harness.Build(context.Background(), root, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func scenario(t testing.TB, name string) *orgsim.Scenario {
	t.Helper()
	sc, err := orgsim.LoadScenario(filepath.Join(root, "testdata", "scenarios"), name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// run runs the action on the sample project with fast retry settings.
func run(t testing.TB, cfg harness.Config) *harness.Result {
	t.Helper()
	if cfg.Binary == "" {
		cfg.Binary = binary
	}
	cfg.SF, cfg.SGD = sfBin, sgdBin
	if image != "" {
		cfg.Image, cfg.ActionYML = image, filepath.Join(root, "action.yml")
	}
	if cfg.Project == "" {
		cfg.Project = filepath.Join(root, "testdata", "project")
	}
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	inputs := map[string]string{
		"manifest": "manifest/package.xml", "test-level": "RunLocalTests",
		"retry-delay": "1s", "max-retry-delay": "2s", "wait": "5",
	}
	for k, v := range cfg.Inputs {
		if v == "" {
			delete(inputs, k)
			continue
		}
		inputs[k] = v
	}
	cfg.Inputs = inputs
	res, err := harness.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, tail(res))
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("action output:\n%s\norg requests: %v\noutputs: %v", res.Stdout, res.Org.Ops(), res.Outputs)
		}
	})
	// A later step of the job, running as the runner's user, must be able
	// to remove or overwrite whatever the action left behind. Checked
	// through the image, where it matters (root in the container, uid 1001
	// outside); the native runs of the rollback case still leave sf's
	// .sf/orgs/<id>/localSourceTracking in the project.
	if image == "" {
		return res
	}
	if len(res.NewInWorkspace) > 0 {
		t.Errorf("the run left files in the workspace outside the artifacts folder: %v", res.NewInWorkspace)
	}
	if len(res.ForeignOwned) > 0 {
		t.Errorf("the runner's user (uid %d) does not own: %v", harness.RunnerUID, res.ForeignOwned)
	}
	return res
}

func tail(res *harness.Result) string {
	if res == nil {
		return ""
	}
	return res.Stdout
}

type want struct {
	exit             int
	status, category string
	attempts         string
	deploys          int // deploy calls the org received
	outputs          map[string]string
	summary          []string
	annotations      []harness.Annotation // each must be present (Level, File, Line; Title/Message substrings)
	testRuns         int                  // runTestsAsynchronous calls
	jobs             string               // the org's jobs in order: deploy or check (check-only), comma-separated
}

func check(t *testing.T, res *harness.Result, w want) {
	t.Helper()
	if res.ExitCode != w.exit {
		t.Errorf("exit code %d, want %d", res.ExitCode, w.exit)
	}
	for k, v := range map[string]string{"status": w.status, "failure-category": w.category, "attempts": w.attempts} {
		if v != "" && res.Outputs[k] != v {
			t.Errorf("output %s = %q, want %q", k, res.Outputs[k], v)
		}
	}
	for k, v := range w.outputs {
		if res.Outputs[k] != v {
			t.Errorf("output %s = %q, want %q", k, res.Outputs[k], v)
		}
	}
	if n := res.Org.Count("soap:deploy") + res.Org.Count("soap:deployRecentValidation"); w.deploys >= 0 && n != w.deploys {
		t.Errorf("the org received %d deploy calls, want %d", n, w.deploys)
	}
	if n := res.Org.Count("tooling:runTestsAsynchronous"); n != w.testRuns {
		t.Errorf("the org received %d test runs, want %d", n, w.testRuns)
	}
	if w.jobs != "" {
		var jobs []string
		for _, d := range res.Org.Deployments() {
			jobs = append(jobs, map[bool]string{false: "deploy", true: "check"}[d.CheckOnly])
		}
		if got := strings.Join(jobs, ","); got != w.jobs {
			t.Errorf("the org ran jobs %s, want %s", got, w.jobs)
		}
	}
	for _, s := range w.summary {
		if !strings.Contains(res.Summary, s) {
			t.Errorf("summary lacks %q", s)
		}
	}
	for _, a := range w.annotations {
		if !hasAnnotation(res.Annotations, a) {
			t.Errorf("no annotation like %+v among %+v", a, res.Annotations)
		}
	}
}

func hasAnnotation(list []harness.Annotation, w harness.Annotation) bool {
	for _, a := range list {
		if a.Level == w.Level && a.File == w.File && (w.Line == 0 || a.Line == w.Line) && (w.Col == 0 || a.Col == w.Col) &&
			strings.Contains(a.Title, w.Title) && strings.Contains(a.Message, w.Message) {
			return true
		}
	}
	return false
}

const classes = "force-app/main/default/classes/"

func TestScenarios(t *testing.T) {
	cases := []struct {
		scenario string
		inputs   map[string]string
		auth     string
		want     want
	}{
		{scenario: "success", want: want{status: "succeeded", category: "none", attempts: "1", deploys: 1,
			summary: []string{"succeeded"}}},
		{scenario: "success", auth: harness.AuthURL, want: want{status: "succeeded", category: "none", attempts: "1", deploys: 1,
			summary: []string{"succeeded"}}},
		// An unknown symbol in Apex is a missing dependency (or a typo): the
		// catalog files it under dependency, as the fixtures' sources do.
		{scenario: "compile-error", want: want{exit: 1, status: "failed", category: "dependency", attempts: "1", deploys: 1,
			outputs:     map[string]string{"failed-component": "ApexClass:InvoiceService"},
			annotations: []harness.Annotation{{Level: "error", File: classes + "InvoiceService.cls", Line: 5, Col: 20, Message: "Variable does not exist"}},
			summary:     []string{"Variable does not exist: inv.Amount"}}},
		{scenario: "missing-dependency", want: want{exit: 1, status: "failed", category: "dependency", attempts: "1", deploys: 1,
			annotations: []harness.Annotation{
				{Level: "error", File: "force-app/main/default/layouts/Invoice__c-Invoice Layout.layout-meta.xml", Message: "no CustomField named Invoice__c.Status__c"},
				{Level: "error", File: classes + "TaxCalculator.cls", Line: 3, Message: "Invalid type: RegionRates"},
			}}},
		// A failed test is re-run against the new code, in a check-only
		// deployment of the same content: it fails again, nothing is redeployed.
		{scenario: "test-failure", want: want{exit: 1, status: "failed", category: "test", attempts: "1", deploys: 2, jobs: "deploy,check",
			outputs:     map[string]string{"failed-tests": "TaxCalculatorTest.usTax", "flaky-tests": ""},
			annotations: []harness.Annotation{{Level: "error", File: classes + "TaxCalculatorTest.cls", Line: 10, Message: "Expected: 7, Actual: 7.25"}}}},
		{scenario: "coverage", want: want{exit: 1, status: "failed", category: "coverage", attempts: "1", deploys: 1,
			summary: []string{"Average test coverage across all Apex Classes and Triggers is 26%", "TaxCalculator"}}},
		{scenario: "coverage", inputs: map[string]string{"test-level": "RunSpecifiedTests", "tests": "InvoiceServiceTest,TaxCalculatorTest"},
			want: want{exit: 1, status: "failed", category: "coverage", deploys: 1,
				annotations: []harness.Annotation{{Level: "warning", File: classes + "TaxCalculator.cls", Message: "28%"}}}},
		{scenario: "governor-limits", want: want{exit: 1, status: "failed", category: "limits", deploys: 2, jobs: "deploy,check",
			outputs:     map[string]string{"failed-tests": "InvoiceServiceTest.addsTax"},
			annotations: []harness.Annotation{{Level: "error", File: classes + "InvoiceServiceTest.cls", Line: 19, Message: "Too many SOQL queries"}}}},
		// A regression in an existing test passes on the org's old code; run
		// against the new code it fails, so it is not called flaky.
		{scenario: "regression-existing-test", want: want{exit: 1, status: "failed", category: "test", attempts: "1", deploys: 2, jobs: "deploy,check",
			outputs: map[string]string{"failed-tests": "TaxCalculatorTest.usTax", "flaky-tests": ""}}},
		{scenario: "flaky-test", want: want{status: "recovered", category: "none", attempts: "2", deploys: 3, jobs: "deploy,check,deploy",
			outputs: map[string]string{"flaky-tests": "InvoiceServiceTest.addsTax"}, summary: []string{"InvoiceServiceTest.addsTax"}}},
		{scenario: "transient-lock", want: want{status: "recovered", attempts: "3", deploys: 3}},
		{scenario: "transient-503", want: want{status: "recovered", attempts: "2", deploys: 2}},
		{scenario: "transient-reset", want: want{status: "recovered", attempts: "2", deploys: 2}},
		{scenario: "transient-lock", inputs: map[string]string{"max-attempts": "2"}, want: want{exit: 1, status: "failed", category: "transient", attempts: "2", deploys: 2}},
		{scenario: "expired-session", want: want{exit: 1, status: "failed", category: "auth", deploys: -1}},
		// The layout names a field that is not in the org ("Invalid field ... in related list"): a dependency.
		{scenario: "partial-success", inputs: map[string]string{"test-level": "NoTestRun"}, want: want{exit: 1, status: "failed", category: "dependency", deploys: 1,
			annotations: []harness.Annotation{{Level: "error", File: "force-app/main/default/layouts/Invoice__c-Invoice Layout.layout-meta.xml"}}}},
		{scenario: "deploy-in-progress", want: want{status: "recovered", attempts: "2", deploys: 2}},
		{scenario: "demo", want: want{status: "recovered", attempts: "3", deploys: 4, jobs: "deploy,check,deploy",
			outputs: map[string]string{"flaky-tests": "InvoiceServiceTest.addsTax"}}},
	}
	for _, tc := range cases {
		name := tc.scenario
		if tc.auth != "" {
			name += "_" + tc.auth
		}
		if len(tc.inputs) > 0 {
			name += fmt.Sprint(tc.inputs)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := run(t, harness.Config{Scenario: scenario(t, tc.scenario), Inputs: tc.inputs, Auth: tc.auth})
			check(t, res, tc.want)
			if tc.want.exit == 0 && res.Outputs["deploy-id"] == "" {
				t.Error("no deploy-id output")
			}
		})
	}
}

// A deployment slower than --wait is resumed, never submitted twice.
func TestSlowDeployIsResumedNotRedeployed(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "slow-deploy"), Inputs: map[string]string{"wait": "1", "test-level": "NoTestRun"}})
	check(t, res, want{status: "succeeded", attempts: "1", deploys: 1})
	if n := res.Org.Count("soap:checkDeployStatus"); n < 3 {
		t.Errorf("only %d status polls", n)
	}
	if !strings.Contains(res.Stdout, "sf project deploy report --job-id "+res.Outputs["deploy-id"]+" --wait 1") {
		t.Error("the log does not show the wait on the same job")
	}
}

// The org accepts the deployment but the answer is lost (connection reset):
// the action asks the org, follows the job it finds, and ends with that
// job's real outcome. A second submission would have succeeded.
func TestLostSubmitAnswerIsNotDeployedTwice(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "lost-submit-answer")})
	check(t, res, want{exit: 1, status: "failed", category: "dependency", attempts: "1", deploys: 1,
		outputs: map[string]string{"failed-component": "ApexClass:InvoiceService"}})
	var accepted string
	for _, r := range res.Org.Requests() {
		if r.Op == "soap:deploy" {
			accepted = r.DeployID
		}
	}
	if accepted == "" || res.Outputs["deploy-id"] != accepted {
		t.Errorf("deploy-id %q, want the job the org accepted (%q)", res.Outputs["deploy-id"], accepted)
	}
	if n := res.Org.Count("tooling:query:DeployRequest"); n != 1 {
		t.Errorf("%d DeployRequest queries, want 1", n)
	}
	if !strings.Contains(res.Summary, "had accepted it as job "+accepted) {
		t.Error("the summary does not say the lost submission was found in the org")
	}
}

// When the time budget runs out the action reports the job to check later.
func TestTimeBudgetExhaustedReportsJob(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "slow-deploy"), Inputs: map[string]string{"wait": "1", "time-budget": "20s", "test-level": "NoTestRun"}})
	check(t, res, want{exit: 1, status: "failed", category: "timeout", deploys: 1})
	id := res.Outputs["deploy-id"]
	if id == "" || !strings.Contains(res.Summary, "sf project deploy report --job-id "+id) {
		t.Errorf("deploy-id %q; the summary must give the command to check on it", id)
	}
}

// SIGTERM during a deployment cancels the job in the org and exits quickly.
func TestCancelOnSIGTERM(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "slow-deploy"), Inputs: map[string]string{"wait": "1", "test-level": "NoTestRun"},
		Interrupt: func(org *orgsim.Server) bool { return org.Count("soap:checkDeployStatus") >= 1 }})
	check(t, res, want{exit: 1, status: "canceled", deploys: 1})
	if n := res.Org.Count("soap:cancelDeploy"); n != 1 {
		t.Errorf("%d cancelDeploy calls, want 1", n)
	}
	if res.Interrupted.IsZero() {
		t.Fatal("never interrupted")
	}
	if !strings.Contains(res.Summary, "canceled") {
		t.Error("summary does not say canceled")
	}
	assertCanceledInOrg(t, res)
}

// assertCanceledInOrg checks that the org really cancelled the run's job.
func assertCanceledInOrg(t *testing.T, res *harness.Result) {
	t.Helper()
	jobs := res.Org.Deployments()
	if len(jobs) != 1 || !jobs[0].Canceled || jobs[0].ID != res.Outputs["deploy-id"] {
		t.Errorf("the org's jobs %+v: want the one job %s, cancelled", jobs, res.Outputs["deploy-id"])
	}
}

// SIGINT (the first signal of a cancelled workflow) with Slack and an OTLP
// collector that never answer: the action cancels the job, writes every
// output and the summary, skips the side channels, and exits long before
// the endpoints' 30 s hang would let it.
func TestCancelOnSIGINTWithUnresponsiveSideChannels(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-time.After(30 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	res := run(t, harness.Config{Scenario: scenario(t, "slow-deploy"), Signal: syscall.SIGINT,
		Inputs:    map[string]string{"wait": "1", "test-level": "NoTestRun", "slack-webhook-url": hang.URL + "/services/T0/B0/X", "otlp-endpoint": hang.URL, "alert-on": "auth"},
		Interrupt: func(org *orgsim.Server) bool { return org.Count("soap:checkDeployStatus") >= 1 }})
	if res.Interrupted.IsZero() {
		t.Fatal("never interrupted")
	}
	if took := res.Exited.Sub(res.Interrupted); took >= 30*time.Second {
		t.Errorf("the action exited %s after SIGINT: the runner would have killed it first", took)
	}
	check(t, res, want{exit: 1, status: "canceled", category: "none", attempts: "1", deploys: 1})
	for _, name := range []string{"report-path", "events-path", "deploy-id"} {
		if res.Outputs[name] == "" {
			t.Errorf("output %s not written", name)
		}
	}
	if p := res.Outputs["report-path"]; p != "" {
		if _, err := os.Stat(filepath.Join(res.Workspace, p)); err != nil {
			t.Errorf("report: %v", err)
		}
	}
	if !strings.Contains(res.Summary, "cancel") {
		t.Error("summary not written")
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests to Slack or the collector after a cancellation, want none", n)
	}
	assertCanceledInOrg(t, res)
}

// The phased fallback deploys the foundation types, then everything.
func TestPhasedFallback(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "foundation-first"), Inputs: map[string]string{"fallback": "phased", "manifest": "", "test-level": "NoTestRun"}})
	check(t, res, want{status: "recovered", deploys: 3})
	reqs := res.Org.Requests()
	_ = reqs
	if !strings.Contains(res.Stdout, "--metadata CustomObject") {
		t.Error("the foundation phase did not deploy the foundation types")
	}
}

// A failed health check after a deployment deploys the rollback source.
func TestHealthCheckTriggersRollback(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "health-check-failure"),
		Inputs: map[string]string{"test-level": "NoTestRun", "health-check-tests": "TaxCalculatorTest", "rollback-source-dir": "force-app"}})
	check(t, res, want{exit: 1, status: "failed", deploys: 2, testRuns: 1})
	if !strings.Contains(strings.ToLower(res.Summary), "rollback") && !strings.Contains(strings.ToLower(res.Summary), "rolled back") {
		t.Error("the summary does not report the rollback")
	}
}

// Validate, then quick-deploy the validated job on the same org.
func TestValidateThenQuickDeploy(t *testing.T) {
	t.Parallel()
	org, err := orgsim.Start(scenario(t, "success"), orgsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer org.Close()
	v := run(t, harness.Config{Org: org, Inputs: map[string]string{"mode": "validate"}})
	check(t, v, want{status: "validated", deploys: 1})
	id := v.Outputs["deploy-id"]
	q := run(t, harness.Config{Org: org, Inputs: map[string]string{"mode": "quick", "job-id": id, "manifest": "", "test-level": ""}})
	check(t, q, want{status: "succeeded", deploys: 2})
	if n := org.Count("soap:deployRecentValidation"); n != 1 {
		t.Errorf("%d quick deploys, want 1", n)
	}
	// `quick --async` leaves no job in the CLI's cache: the job is followed
	// with report --wait, in a handful of sf calls and no error rows.
	attempts := attemptEvents(t, q)
	if len(attempts) > 4 {
		t.Errorf("%d sf calls for one quick deploy, want a handful: %v", len(attempts), attempts)
	}
	for _, a := range attempts {
		if !strings.HasSuffix(a, ":none") && !strings.HasSuffix(a, ":") {
			t.Errorf("a successful quick deploy shows an error row: %v", attempts)
		}
	}
	// The validation is used up: a second quick deploy fails clearly...
	again := run(t, harness.Config{Org: org, Inputs: map[string]string{"mode": "quick", "job-id": id, "manifest": "", "test-level": ""}})
	if again.ExitCode == 0 || !strings.Contains(again.Summary, id) {
		t.Errorf("a spent validation must fail and name the job: exit %d", again.ExitCode)
	}
	// ...unless a full deploy is allowed as the fallback.
	fb := run(t, harness.Config{Org: org, Inputs: map[string]string{"mode": "quick", "job-id": id, "quick-fallback": "true"}})
	if fb.Outputs["status"] != "recovered" && fb.Outputs["status"] != "succeeded" {
		t.Errorf("quick-fallback: status %q", fb.Outputs["status"])
	}
}

// attemptEvents returns the run's attempts as "kind:category", in order
// (every sf call but the login is one).
func attemptEvents(t *testing.T, res *harness.Result) []string {
	t.Helper()
	var attempts []string
	for _, c := range sfCalls(t, res) {
		attempts = append(attempts, c.Kind+":"+c.Category)
	}
	return attempts
}

// The event log alone is enough to rebuild the attempts timeline.
func TestEventLogRebuildsTimeline(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "transient-lock")})
	attempts := attemptEvents(t, res)
	// Three deploy submissions: two locked, the third resumed to success.
	deploys := 0
	for _, a := range attempts {
		if strings.HasPrefix(a, "deploy:") {
			deploys++
		}
	}
	if deploys != 3 {
		t.Errorf("attempt events %v: want 3 deploy attempts", attempts)
	}
}

// No byte of a secret reaches stdout, outputs, summary, artifacts or the
// workspace, even with debug logging on.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	for _, auth := range []string{harness.AuthAccessToken, harness.AuthURL} {
		res := run(t, harness.Config{Scenario: scenario(t, "compile-error"), Auth: auth, Env: []string{"ACTIONS_STEP_DEBUG=true", "RUNNER_DEBUG=1"}})
		secrets := []string{orgsim.AccessToken, orgsim.RefreshToken}
		// ::add-mask:: lines are how a secret is registered with the runner,
		// which consumes them; everything else must be clean.
		var shown []string
		for _, line := range strings.Split(res.Stdout, "\n") {
			if !strings.HasPrefix(line, "::add-mask::") {
				shown = append(shown, line)
			}
		}
		places := map[string]string{"stdout": strings.Join(shown, "\n"), "summary": res.Summary, "outputs": fmt.Sprint(res.Outputs)}
		filepath.WalkDir(res.Workspace, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				places[p] = string(b)
			}
			return nil
		})
		for where, text := range places {
			for _, s := range secrets {
				if strings.Contains(text, s) || strings.Contains(text, s[:24]) {
					t.Errorf("%s: a secret (%s...) leaked into %s", auth, s[:8], where)
				}
			}
		}
		if !strings.Contains(res.Stdout, "::debug::") {
			t.Error("debug logging was not on")
		}
	}
}

// The CLI prints the emulator's answers in the same shape as for a real org.
func TestCLIPrintsRealShapes(t *testing.T) {
	t.Parallel()
	res := run(t, harness.Config{Scenario: scenario(t, "compile-error")})
	dir := filepath.Join(res.Workspace, "deploy-guard-artifacts")
	var final map[string]any
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		b, _ := os.ReadFile(p)
		var doc map[string]any
		if json.Unmarshal(b, &doc) == nil {
			if r, ok := doc["result"].(map[string]any); ok && r["details"] != nil {
				final = doc
			}
		}
		return nil
	})
	if final == nil {
		t.Fatal("no saved sf result with details in the artifacts")
	}
	fixture, err := os.ReadFile(filepath.Join(root, "testdata", "sf", "captured-deploy-start-component-failure-cli2.150.6.json"))
	if err != nil {
		t.Fatal(err)
	}
	var real map[string]any
	if err := json.Unmarshal(fixture, &real); err != nil {
		t.Fatal(err)
	}
	got, wantKeys := shape(final["result"], ""), shape(real["result"], "")
	// The CLI adds zipSize and zipFileCount itself, and only when it built
	// the zip in the same command, and deployUrl in start/resume; the action
	// reads the final result from `deploy report --wait`, which has none.
	delete(wantKeys, "zipSize")
	delete(wantKeys, "zipFileCount")
	delete(wantKeys, "deployUrl")
	for k, typ := range wantKeys {
		if got[k] != typ {
			t.Errorf("%s: the CLI printed %q for the emulator, %q for a real org", k, got[k], typ)
		}
	}
}

// shape maps key paths to JSON types.
func shape(v any, prefix string) map[string]string {
	out := map[string]string{}
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := strings.TrimPrefix(prefix+"."+k, ".")
			out[p] = fmt.Sprintf("%T", c)
			for kk, vv := range shape(c, p) {
				out[kk] = vv
			}
		}
	case []any:
		for _, c := range x {
			for kk, vv := range shape(c, prefix+"[]") {
				out[kk] = vv
			}
		}
	}
	return out
}

var _ = time.Second
