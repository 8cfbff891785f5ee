package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/sfcli"
)

// ignore-errors goes to the org only when the org says it is a sandbox or
// a scratch org; a production org, an error or an empty answer refuse it
// with a config error before any deployment is submitted.
func TestIgnoreErrorsNeedsASandbox(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string
		exit   int
		// deployed says a deployment was submitted with --ignore-errors.
		deployed bool
		want     string
	}{
		{"sandbox", `{"status":0,"result":{"records":[{"IsSandbox":true,"TrialExpirationDate":null}]}}`, 0, true, ""},
		{"scratch", `{"status":0,"result":{"records":[{"IsSandbox":false,"TrialExpirationDate":"2026-12-30"}]}}`, 0, true, ""},
		{"production", `{"status":0,"result":{"records":[{"IsSandbox":false,"TrialExpirationDate":null}]}}`, 0, false, "the target org is a production org"},
		{"no record", `{"status":0,"result":{"records":[]}}`, 0, false, "did not say whether it is a sandbox"},
		{"query error", `{"status":1,"name":"INVALID_TYPE","message":"sObject type 'Organization' is not supported.","exitCode":1}`, 1, false, "could not ask the org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, map[string]string{"auth-url": testAuthURL, "manifest": "manifest/package.xml", "ignore-errors": "true", "preflight": "false"})
			e.answer = func(inv sfcli.Invocation) (*sfcli.Output, error) {
				if strings.Join(inv.Args[:2], " ") == "data query" {
					return reply(tc.answer, tc.exit)
				}
				return happySF(inv)
			}
			code := e.run()
			var started []string
			for _, c := range e.calls {
				if strings.Join(c.Args[:3], " ") == "project deploy start" {
					started = c.Args
				}
			}
			if tc.deployed {
				if code != 0 || !strings.Contains(strings.Join(started, " "), "--ignore-errors") {
					t.Fatalf("exit %d, deploy %v; want a deployment with --ignore-errors\n%s", code, started, e.stdout.String())
				}
				return
			}
			if code != ExitConfig || started != nil {
				t.Fatalf("exit %d, deploy %v; want exit %d and no deployment", code, started, ExitConfig)
			}
			if out := e.outputs(); out["failure-category"] != "config" {
				t.Errorf("failure-category = %q", out["failure-category"])
			}
			if s := e.summary(); !strings.Contains(s, tc.want) || !strings.Contains(s, "Remove ignore-errors") {
				t.Errorf("summary does not say %q and the fix:\n%s", tc.want, s)
			}
		})
	}
}

// The coverage reports sf writes are copied into the artifacts under
// sf-coverage/, regular files only: a link sf (or a planted file) left in
// its folder is not followed out of it.
func TestCoverageReportsCopied(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(secret, []byte("not for the artifacts"), 0o600)
	withTests := `{"status":0,"result":{"id":"` + testID + `","status":"Succeeded","done":true,"numberTestsTotal":1,"details":{"componentSuccesses":[{"componentType":"ApexClass","fullName":"A"}],"runTestResult":{"numTestsRun":1,"successes":[{"name":"ATest","methodName":"m","time":1}],"codeCoverage":[{"name":"A","type":"Class","numLocations":4,"numLocationsNotCovered":1}]}}}}`
	e := newEnv(t, map[string]string{"auth-url": testAuthURL, "manifest": "manifest/package.xml", "preflight": "false", "coverage-formatters": "json,html", "test-level": "RunLocalTests"})
	var reportArgs []string
	e.answer = func(inv sfcli.Invocation) (*sfcli.Output, error) {
		if slices.Contains(inv.Args, "--results-dir") {
			reportArgs = inv.Args
			dir := filepath.Join(inv.Args[slices.Index(inv.Args, "--results-dir")+1], "coverage")
			os.MkdirAll(filepath.Join(dir, "html"), 0o755)
			os.WriteFile(filepath.Join(dir, "coverage.json"), []byte(`{"A":{}}`), 0o644)
			os.WriteFile(filepath.Join(dir, "html", "index.html"), []byte("<html></html>"), 0o644)
			os.Symlink(secret, filepath.Join(dir, "leak.json"))
			return reply(withTests, 0)
		}
		if strings.Join(inv.Args[:3], " ") == "project deploy report" {
			return reply(withTests, 0)
		}
		return happySF(inv)
	}
	if code := e.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	if got := strings.Join(reportArgs, " "); !strings.Contains(got, "--coverage-formatters json --coverage-formatters html") || !strings.Contains(got, "--job-id "+testID) {
		t.Errorf("coverage report command = %q", got)
	}
	art := filepath.Join(e.workspace, "deploy-guard-artifacts", "sf-coverage")
	for _, f := range []string{"coverage.json", "html/index.html"} {
		if _, err := os.Stat(filepath.Join(art, f)); err != nil {
			t.Errorf("%s not copied: %v", f, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(art, "leak.json")); err == nil {
		t.Error("a link in sf's results folder was copied into the artifacts")
	}
}
