package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// Each raw sf output is written once, with secrets masked, and result-path
// names the one that decided the outcome instead of a second copy.
func TestRawOutputsWrittenOnce(t *testing.T) {
	const leaked = "5Aep861refreshtokensecret"
	failed := `{"status":1,"name":"DeployFailed","message":"Deploy failed","result":{"id":"` + testID +
		`","status":"Failed","done":true,"success":false,"details":{"componentFailures":[{"componentType":"ApexClass","fullName":"A","fileName":"classes/A.cls","problem":"Variable does not exist: ` + leaked + `","problemType":"Error","lineNumber":3,"columnNumber":1}]}}}`
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml", config.InputMaxAttempts: "1"})
	e.answer = func(inv sfcli.Invocation) (*sfcli.Output, error) {
		if strings.Join(inv.Args[:3], " ") == "project deploy report" {
			return reply(failed, 1)
		}
		return happySF(inv)
	}
	if code := e.run(); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, e.stdout.String())
	}
	rp := e.outputs()["result-path"]
	if !strings.HasPrefix(rp, "deploy-guard-artifacts/sf-") || !strings.HasSuffix(rp, "-wait.json") {
		t.Fatalf("result-path %q, want the raw output of the wait call that decided", rp)
	}
	b, err := os.ReadFile(filepath.Join(e.workspace, rp))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), leaked) || !strings.Contains(string(b), "Variable does not exist: ***") {
		t.Errorf("result file is not the redacted sf output:\n%s", b)
	}
	entries, _ := os.ReadDir(filepath.Join(e.workspace, "deploy-guard-artifacts"))
	copies := 0
	for _, de := range entries {
		if de.Name() == "result.json" {
			t.Errorf("result.json is a second copy of a raw output")
		}
		if c, err := os.ReadFile(filepath.Join(e.workspace, "deploy-guard-artifacts", de.Name())); err == nil && strings.Contains(string(c), `"componentFailures"`) && strings.HasPrefix(de.Name(), "sf-") {
			copies++
		}
	}
	if copies != 1 {
		t.Errorf("the failed result is in %d raw files, want 1", copies)
	}
}
