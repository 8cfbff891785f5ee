package app

import (
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

const exactlyOne = `{"name":"Error","message":"Exactly one of the following must be provided: --manifest, --metadata, --metadata-dir, --source-dir\nSee more help with --help","exitCode":2,"status":2}`

// A command sf refuses as usage is deploy-guard's own failure: never
// retried, exit 3, category unknown, "deploy-guard itself failed" with the
// command and the CLI's words; config when the target-org input caused it.
func TestUsageRefusalIsTheActionsOwnFailure(t *testing.T) {
	orgUnknown := `{"name":"NamedOrgNotFoundError","message":"Parsing --target-org \n        No authorization information found for prod.\nSee more help with --help","exitCode":1,"status":1}`
	cases := []struct {
		name     string
		inputs   map[string]string
		script   servedSF
		exit     int
		category string
		summary  []string
		// calls counts the sf calls per key ("project deploy start").
		calls map[string]int
	}{
		{name: "deploy refused: not retried", inputs: map[string]string{config.InputMaxAttempts: "3"},
			script: servedSF{"project deploy start": {{exactlyOne, 2}}},
			exit:   ExitInternal, category: "unknown", summary: []string{"deploy-guard itself failed", "sf project deploy start --async --target-org deploy-guard", "Exactly one of the following must be provided"},
			calls: map[string]int{"project deploy start": 1}},
		{name: "validate refused", inputs: map[string]string{config.InputMode: "validate", config.InputMaxAttempts: "3"},
			script: servedSF{"project deploy validate": {{exactlyOne, 2}}},
			exit:   ExitInternal, category: "unknown", summary: []string{"deploy-guard itself failed", "sf project deploy validate --async"},
			calls: map[string]int{"project deploy validate": 1}},
		{name: "flaky rerun refused: tried once, never judged as the deployment's failure", inputs: map[string]string{config.InputRerunFailedTests: "true"},
			script: servedSF{"wait": {{failedTestResult("InvoiceTest", "addsTax", "UNABLE_TO_LOCK_ROW"), 1}}, "project deploy validate": {{exactlyOne, 2}}},
			exit:   ExitInternal, category: "unknown", summary: []string{"deploy-guard itself failed", "--test-level RunSpecifiedTests --tests InvoiceTest", "Exactly one of the following"},
			calls: map[string]int{"project deploy start": 1, "project deploy validate": 1}},
		{name: "a wait refused with exit 1 parser words", inputs: map[string]string{config.InputMaxAttempts: "3"},
			script: servedSF{"wait": {{`{"name":"Error","message":"Nonexistent flag: --wait\nSee more help with --help","exitCode":1,"status":1}`, 1}}},
			exit:   ExitInternal, category: "unknown", summary: []string{"deploy-guard itself failed", "sf project deploy report --job-id", "Nonexistent flag: --wait"},
			calls: map[string]int{"project deploy start": 1, "wait": 1}},
		{name: "login refused", script: servedSF{"org login": {{`{"name":"Error","message":"Nonexistent flag: --sfdx-url-file\nSee more help with --help","exitCode":2,"status":2}`, 2}}},
			exit: ExitInternal, category: "unknown", summary: []string{"deploy-guard itself failed", "sf org login sfdx-url", "Nonexistent flag: --sfdx-url-file"},
			calls: map[string]int{"org login": 1, "project deploy start": 0}},
		{name: "target-org unknown to sf: the input caused it", inputs: map[string]string{config.InputAuthURL: "", config.InputTargetOrg: "prod"},
			script: servedSF{"project deploy start": {{orgUnknown, 1}}},
			exit:   ExitConfig, category: "config", summary: []string{`input "target-org"`, "No authorization information found for prod"},
			calls: map[string]int{"project deploy start": 1}},
		{name: "an org sf forgot after deploy-guard's own login: auth, not retried", inputs: map[string]string{config.InputMaxAttempts: "3"},
			script: servedSF{"project deploy start": {{orgUnknown, 1}}},
			exit:   ExitFailed, category: "auth", summary: []string{"sf no longer knows the org", "No authorization information found for prod"},
			calls: map[string]int{"project deploy start": 1}},
		{name: "a refused value of an input: config naming the input", inputs: map[string]string{config.InputMaxAttempts: "3"},
			script: servedSF{"project deploy start": {{`{"name":"Error","message":"Expected --test-level-NoTestRun to be one of: RunAllTestsInOrg, RunLocalTests, RunSpecifiedTests\nSee more help with --help","exitCode":2,"status":2}`, 2}}},
			exit:   ExitConfig, category: "config", summary: []string{`input "test-level"`, "Expected --test-level-NoTestRun to be one of"},
			calls: map[string]int{"project deploy start": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inputs := map[string]string{config.InputAuthURL: testAuthURL, config.InputRerunFailedTests: "false", config.InputFallback: "validate"}
			for k, v := range tc.inputs {
				if v == "" {
					delete(inputs, k)
					continue
				}
				inputs[k] = v
			}
			e := newEnv(t, inputs)
			e.answer = tc.script.answer(t)
			code := e.run()
			out := e.outputs()
			if code != tc.exit || out["status"] != "failed" || out["failure-category"] != tc.category {
				t.Errorf("exit %d status %q category %q; want %d failed %q\n%s", code, out["status"], out["failure-category"], tc.exit, tc.category, e.stdout.String())
			}
			sum := mdEscape.ReplaceAllString(e.summary(), "$1")
			for _, want := range tc.summary {
				if !strings.Contains(sum, want) {
					t.Errorf("summary lacks %q:\n%s", want, sum)
				}
			}
			got := map[string]int{}
			for _, c := range e.calls {
				got[callKey(c)]++
			}
			for k, n := range tc.calls {
				if got[k] != n {
					t.Errorf("%d calls of %s, want %d (all: %v)", got[k], k, n, got)
				}
			}
		})
	}
}

// callKey names a call the way servedSF scripts it.
func callKey(inv sfcli.Invocation) string {
	if inv.Args[0] == "org" {
		return "org login"
	}
	key := strings.Join(inv.Args[:3], " ")
	if key == "project deploy report" {
		for _, a := range inv.Args {
			if a == "--wait" {
				return "wait"
			}
		}
	}
	return key
}
