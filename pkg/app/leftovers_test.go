package app

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// What sf writes into the project (.sf/, .sfdx/) is removed at the end of
// every run, whatever its outcome; what was there before stays.
func TestRunRemovesWhatSFLeftInTheProject(t *testing.T) {
	cases := []struct {
		name   string
		inputs map[string]string
		script servedSF
		exit   int
	}{
		{name: "succeeded", exit: ExitOK},
		{name: "deployment failed", script: servedSF{"wait": {{failedTestResult("InvoiceTest", "addsTax", "boom"), 1}}}, exit: ExitFailed},
		{name: "sf refused a command (exit 3)", script: servedSF{"project deploy start": {{exactlyOne, 2}}}, exit: ExitInternal},
		{name: "login failed", script: servedSF{"org login": {{`{"name":"AuthError","message":"bad","exitCode":1,"status":1}`, 1}}}, exit: ExitFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputRerunFailedTests: "false"})
			ws := e.workspace
			os.MkdirAll(filepath.Join(ws, ".sf"), 0o755)
			os.WriteFile(filepath.Join(ws, ".sf", "config.json"), []byte(`{"org-api-version":"62.0"}`), 0o644)
			answer := tc.script.answer(t)
			e.answer = func(inv sfcli.Invocation) (*sfcli.Output, error) {
				// What the real CLI writes on its first call in a project.
				os.MkdirAll(filepath.Join(ws, ".sf", "orgs", "00D000000000001EAA", "localSourceTracking", "objects"), 0o755)
				os.MkdirAll(filepath.Join(ws, ".sfdx"), 0o755)
				os.WriteFile(filepath.Join(ws, ".sfdx", "sfdx-config.json"), []byte("{}"), 0o644)
				return answer(inv)
			}
			if code := e.run(); code != tc.exit {
				t.Fatalf("exit %d, want %d\n%s", code, tc.exit, e.stdout.String())
			}
			for _, gone := range []string{".sf/orgs", ".sfdx"} {
				if _, err := os.Lstat(filepath.Join(ws, gone)); !os.IsNotExist(err) {
					t.Errorf("%s was left in the workspace", gone)
				}
			}
			if b, err := os.ReadFile(filepath.Join(ws, ".sf", "config.json")); err != nil || len(b) == 0 {
				t.Errorf("the committed .sf/config.json was removed: %v", err)
			}
			if e.outputs()["status"] == "" {
				t.Error("no status output")
			}
		})
	}
}
