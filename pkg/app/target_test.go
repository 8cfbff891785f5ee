package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
)

// targetFlags are the flags of a deploy or validate command that say what
// it deploys, in order ("--source-dir force-app").
func targetFlags(args []string) string {
	var out []string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--source-dir", "--manifest", "--metadata", "--metadata-dir":
			out = append(out, args[i]+" "+args[i+1])
		}
	}
	return strings.Join(out, " ")
}

// TestEveryDeployCommandDeploysTheSameContent: with no source input, every
// command of a run that deploys or validates (the deployment, the flaky
// rerun, the deploy after it, fallback validate, the full phase of phased
// and partial, the rollback) names what it deploys; all but the first phase
// and the rollback name exactly the package directories, as the first
// deployment does. A bare `sf project deploy validate` is refused by the
// CLI as usage.
func TestEveryDeployCommandDeploysTheSameContent(t *testing.T) {
	componentFailure := `{"status":1,"result":{"id":"` + testID + `","status":"Failed","done":true,"success":false,"details":{"componentFailures":[{"componentType":"CustomField","fullName":"Invoice__c.Total__c","problem":"no CustomObject named Invoice__c found","problemType":"Error"}]}}}`
	success := fixture(t, "real-sf/03-sfv2-deploy-start-success-2024.json")
	checkOnlyPass := `{"status":0,"result":{"id":"` + testID + `","status":"Succeeded","done":true,"success":true,"checkOnly":true,"details":{"runTestResult":{"numTestsRun":1,"successes":[{"name":"InvoiceTest","methodName":"addsTax"}]}}}}`
	healthFail := `{"status":100,"result":{"summary":{"outcome":"Failed","testsRan":1,"passing":0,"failing":1,"testRunId":"707000000000001AAA"},"tests":[{"ApexClass":{"Name":"SmokeTest"},"MethodName":"works","Outcome":"Fail","Message":"boom"}]}}`
	pkgs := "--source-dir force-app --source-dir lib"
	cases := []struct {
		name   string
		inputs map[string]string
		script servedSF
		status string
		// kinds are the attempt kinds of the deploy and validate commands,
		// in order, each with the target it must name.
		want []string
	}{
		{name: "flaky rerun, then deploy again", inputs: map[string]string{config.InputRerunFailedTests: "true"},
			script: servedSF{"wait": {{failedTestResult("InvoiceTest", "addsTax", "UNABLE_TO_LOCK_ROW"), 1}, {checkOnlyPass, 0}, {success, 0}}},
			status: "recovered", want: []string{"deploy " + pkgs, "validate " + pkgs, "deploy " + pkgs}},
		{name: "fallback validate", inputs: map[string]string{config.InputFallback: "validate"},
			script: servedSF{"wait": {{componentFailure, 1}}},
			status: "failed", want: []string{"deploy " + pkgs, "validate " + pkgs}},
		{name: "phased", inputs: map[string]string{config.InputFallback: "phased"},
			script: servedSF{"wait": {{componentFailure, 1}, {success, 0}}},
			status: "recovered", want: []string{"deploy " + pkgs, "deploy --metadata CustomObject --metadata CustomField", "deploy " + pkgs}},
		{name: "partial", inputs: map[string]string{config.InputFallback: "partial"},
			script: servedSF{"wait": {{componentFailure, 1}, {success, 0}}},
			status: "recovered", want: []string{"deploy " + pkgs, "deploy --metadata ApexClass", "deploy " + pkgs}},
		{name: "mode validate", inputs: map[string]string{config.InputMode: "validate"},
			script: servedSF{"wait": {{checkOnlyPass, 0}}},
			status: "validated", want: []string{"validate " + pkgs}},
		{name: "mode dry-run", inputs: map[string]string{config.InputMode: "dry-run"},
			script: servedSF{"wait": {{checkOnlyPass, 0}}},
			status: "validated", want: []string{"deploy " + pkgs}},
		{name: "health check fails: the rollback deploys its own project's package directories",
			inputs: map[string]string{config.InputHealthCheckTests: "SmokeTest", config.InputRollbackSourceDir: "last-good"},
			script: servedSF{"wait": {{success, 0}}, "apex run test": {{healthFail, 100}}},
			status: "failed", want: []string{"deploy " + pkgs, "deploy --source-dir src"}},
		{name: "an explicit source-dir is used as given", inputs: map[string]string{config.InputSourceDir: "lib", config.InputMode: "validate"},
			script: servedSF{"wait": {{checkOnlyPass, 0}}},
			status: "validated", want: []string{"validate --source-dir lib"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inputs := map[string]string{config.InputAuthURL: testAuthURL, config.InputMaxAttempts: "1", config.InputRerunFailedTests: "false"}
			for k, v := range tc.inputs {
				inputs[k] = v
			}
			e := newEnv(t, inputs)
			os.WriteFile(filepath.Join(e.workspace, "sfdx-project.json"), []byte(`{"packageDirectories":[{"path":"force-app","default":true},{"path":"./lib/"}]}`), 0o644)
			os.MkdirAll(filepath.Join(e.workspace, "lib"), 0o755)
			rb := filepath.Join(e.workspace, "last-good")
			os.MkdirAll(filepath.Join(rb, "src"), 0o755)
			os.WriteFile(filepath.Join(rb, "sfdx-project.json"), []byte(`{"packageDirectories":[{"path":"src"}]}`), 0o644)
			e.answer = tc.script.answer(t)
			code := e.run()
			if out := e.outputs(); out["status"] != tc.status {
				t.Errorf("status %q (exit %d), want %q\n%s", out["status"], code, tc.status, e.stdout.String())
			}
			var got []string
			for _, c := range e.calls {
				if len(c.Args) < 3 || c.Args[0] != "project" || c.Args[1] != "deploy" || (c.Args[2] != "start" && c.Args[2] != "validate") {
					continue
				}
				kind := map[string]string{"start": "deploy", "validate": "validate"}[c.Args[2]]
				if c.Args[2] == "start" && slices.Contains(c.Args, "--dry-run") && !strings.Contains(tc.name, "dry-run") {
					t.Errorf("--dry-run in %q", c.Args)
				}
				got = append(got, kind+" "+targetFlags(c.Args))
				if targetFlags(c.Args) == "" {
					t.Errorf("a command names nothing to deploy (sf refuses it as usage): %q", c.Args)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("deploy commands:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// The rollback runs sf in rollback-source-dir; a folder without its own
// sfdx-project.json is deployed as itself.
func TestRollbackTarget(t *testing.T) {
	ws := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "proj", "pkg"), 0o755)
	os.WriteFile(filepath.Join(ws, "proj", "sfdx-project.json"), []byte(`{"packageDirectories":[{"path":"pkg"},{"path":"more"}]}`), 0o644)
	os.MkdirAll(filepath.Join(ws, "proj", "more"), 0o755)
	os.MkdirAll(filepath.Join(ws, "plain"), 0o755)
	for _, tc := range []struct {
		dir  string
		want []string
	}{{"", nil}, {filepath.Join(ws, "proj"), []string{"pkg", "more"}}, {filepath.Join(ws, "plain"), []string{"."}}} {
		a := &action{rollbackDir: tc.dir}
		if got := a.rollbackTarget(); !slices.Equal(got.SourceDirs, tc.want) {
			t.Errorf("rollbackTarget(%q) = %q, want %q", tc.dir, got.SourceDirs, tc.want)
		}
	}
}

// quick-fallback deploys the package directories in full: without an
// sfdx-project.json there is nothing to name, so the run stops before sf.
func TestQuickFallbackNeedsAProject(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputMode: "quick", config.InputJobID: testID, config.InputQuickFallback: "true"})
	os.Remove(filepath.Join(e.workspace, "sfdx-project.json"))
	e.answer = happySF
	if code := e.run(); code != ExitConfig || len(e.calls) != 0 {
		t.Fatalf("exit %d after %d sf calls, want %d before any", code, len(e.calls), ExitConfig)
	}
	if out := e.outputs(); out["failure-category"] != "config" || !strings.Contains(e.summary(), "quick-fallback") || !strings.Contains(e.summary(), "working-directory") {
		t.Errorf("category %q; the summary must name quick-fallback and working-directory:\n%s", out["failure-category"], e.summary())
	}
}
