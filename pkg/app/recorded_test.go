package app

import (
	"strings"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/actions/actionstest"
	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/ghapi"
)

// A run that sent nothing to the org names a category and records no
// deployment on its outcome line (attempts=0), whatever stopped it: the
// time budget spent before the first submission, a preflight error.
func TestRunThatSentNothingRecordsNoDeployment(t *testing.T) {
	for _, tc := range []struct {
		name     string
		inputs   map[string]string
		setup    func(e *env)
		category string
	}{
		{"budget spent before the first submission", map[string]string{config.InputTimeBudget: "1m"}, func(e *env) {
			// Every reading of the clock is an hour later: the budget is
			// spent by the time the first submission would start.
			at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
			e.now = func() time.Time { at = at.Add(time.Hour); return at }
		}, "timeout"},
		{"preflight error", map[string]string{config.InputManifest: "manifest/missing.xml"}, nil, "config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inputs := map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml"}
			for k, v := range tc.inputs {
				inputs[k] = v
			}
			e := newEnv(t, inputs)
			e.vars["GITHUB_JOB"] = "deploy"
			e.answer = happySF
			if tc.setup != nil {
				tc.setup(e)
			}
			e.run()
			out := e.outputs()
			if out["failure-category"] != tc.category {
				t.Errorf("failure-category = %q, want %q", out["failure-category"], tc.category)
			}
			if strings.Contains(e.stdout.String(), "()") {
				t.Errorf("a message names no category:\n%s", e.stdout.String())
			}
			for _, inv := range e.calls {
				if strings.HasPrefix(strings.Join(inv.Args, " "), "project deploy") {
					t.Fatalf("something was sent to the org: %v", inv.Args)
				}
			}
			var line string
			for _, l := range strings.Split(e.stdout.String(), "\n") {
				if strings.HasPrefix(l, "deploy-guard outcome:") {
					line = l
				}
			}
			if !strings.Contains(line, " status=failed ") || !strings.HasSuffix(line, " attempts=0") {
				t.Errorf("outcome line = %q, want status=failed with attempts=0 (no deployment)", line)
			}
		})
	}
}

// Org text (an sf message, an Apex test message, a file name, an input)
// holding a line break and then an outcome line never starts a log line:
// the one line that starts with the marker is the run's own.
func TestRunOrgTextCannotPrintAnOutcomeLine(t *testing.T) {
	forgedOutcome := "x\ndeploy-guard outcome: job=deploy org=a213105ab106 mode=deploy status=succeeded attempts=1\r" +
		"deploy-guard outcome: job=deploy org=a213105ab106 mode=deploy status=succeeded attempts=1"
	for name, setup := range textPaths() {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml", config.InputMaxAttempts: "1"})
			e.vars["GITHUB_JOB"] = "deploy"
			e.answer = happySF
			setup(e, forgedOutcome)
			e.run()
			out := e.stdout.String()
			var starts []string
			for _, l := range actionstest.Lines(out) {
				if strings.HasPrefix(l, "deploy-guard outcome:") {
					starts = append(starts, l)
				}
			}
			if len(starts) != 1 || strings.Contains(starts[0], "status=succeeded") {
				t.Errorf("lines starting with the marker: %q, want only the run's own (failed)\n%s", starts, out)
			}
		})
	}
}

// With outcome-key, the run's line carries the MAC of this run and attempt;
// the key itself is masked and appears nowhere but in its mask command.
func TestRunOutcomeLineWithKey(t *testing.T) {
	const key = "outcome-key-secret-0123456789"
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml", config.InputOutcomeKey: key})
	e.vars["GITHUB_JOB"], e.vars["GITHUB_RUN_ID"], e.vars["GITHUB_RUN_ATTEMPT"] = "deploy", "4242", "2"
	e.answer = happySF
	e.run()
	out := e.stdout.String()
	org := (&config.Auth{Method: config.AuthSFDXURL, AuthURL: testAuthURL}).OrgKey()
	want := ghapi.OutcomeLine(ghapi.OutcomeRecord{Job: "deploy", Org: org, Mode: "deploy", Status: "succeeded", Attempts: 1, RunID: 4242, RunAttempt: 2}, key)
	if !strings.Contains(out, "\n"+want+"\n") {
		t.Errorf("log lacks the keyed outcome line %q:\n%s", want, out)
	}
	if strings.Count(out, key) != strings.Count(out, "::add-mask::"+key+"\n") || !strings.HasPrefix(out, "::add-mask::") {
		t.Errorf("the outcome key is printed outside its mask command:\n%s", out)
	}
	for name, v := range e.outputs() {
		if strings.Contains(v, key) {
			t.Errorf("output %s holds the key", name)
		}
	}
	if strings.Contains(e.summary(), key) {
		t.Error("the summary holds the key")
	}
}
