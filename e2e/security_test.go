package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/actions/actionstest"
	"github.com/org/deploy-guard/pkg/harness"
	"github.com/org/deploy-guard/pkg/orgsim"
)

// Secrets the runner gives the action in the /proc attack runs.
var procSecrets = map[string]string{
	"ACTIONS_RUNTIME_TOKEN":          "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9RuntimeCanary",
	"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9IdTokenCanary",
	"ACTIONS_CACHE_URL":              "https://cacheuser:CachePasswordCanary@acghub.example/TenantCanary/",
}

const githubTokenCanary = "ghs_GithubTokenCanary0123456789abcdefXYZ"

// TestProcFilesNeverReachTheOrg reproduces the severe attack of issue 13: a
// pull request's sfdx-project.json tells sf to replace a string in an Apex
// class with the contents of the action's /proc/<pid>/environ (PID 1 in the
// image), of its parent's, or of its memory. The real CLI would read the
// file and upload it; the org must receive no byte of any secret.
func TestProcFilesNeverReachTheOrg(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, file string // file: the /proc entry, "%d" for the pid
		parent     bool   // the test process (the action's parent) instead
	}{
		{name: "action environ", file: "/proc/%d/environ"},
		{name: "parent environ", file: "/proc/%d/environ", parent: true},
		{name: "action memory", file: "/proc/%d/mem"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			link := filepath.Join(dir, "leak")
			pid := "$$" // the shell's pid, which exec hands to the action
			if tc.parent {
				pid = strconv.Itoa(os.Getpid())
			}
			// bash, not dash: dash drops INPUT_ACCESS-TOKEN (not a shell name) on exec.
			wrapper := filepath.Join(dir, "deploy-guard.sh")
			script := fmt.Sprintf("#!/bin/bash\nln -s \"%s\" %q\nexec %q \"$@\"\n", strings.Replace(tc.file, "%d", pid, 1), link, binary)
			if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			gh := httptest.NewServer(&fakeGitHub{conclusions: []string{"success"}})
			defer gh.Close()
			env := githubEnv(gh.URL)
			for k, v := range procSecrets {
				env = append(env, k+"="+v)
			}
			res := run(t, harness.Config{Binary: wrapper, Scenario: scenario(t, "success"), Dir: filepath.Join(dir, "run"), Env: env,
				Inputs: map[string]string{"github-token": githubTokenCanary}, Edit: replaceWithFile(link)})

			uploads := res.Org.Uploads()
			secrets := []string{orgsim.AccessToken, githubTokenCanary, "CachePasswordCanary"}
			for _, v := range procSecrets {
				secrets = append(secrets, v)
			}
			for i, up := range uploads {
				files := unzip(t, up)
				files["(zip bytes)"] = up
				for name, data := range files {
					for _, s := range secrets {
						if bytes.Contains(data, []byte(s)) || bytes.Contains(data, []byte(s[len(s)-16:])) {
							t.Errorf("upload %d, %s: holds the secret %.10s...", i+1, name, s)
						}
					}
				}
			}
			// Since issue 28 preflight refuses a replaceWithFile outside the
			// package directories before any sf call, readable or not:
			// nothing is uploaded. (pkg/secenv's tests prove the /proc
			// layer on its own.)
			check(t, res, want{exit: 2, status: "failed", category: "config", deploys: 0})
			if len(uploads) != 0 {
				t.Errorf("the run uploaded %d zips, want none", len(uploads))
			}
			if !strings.Contains(res.Stdout, "replaceWithFile") {
				t.Error("the config error does not name the replaceWithFile entry")
			}
		})
	}
}

// replaceWithFile adds the attack of a pull request to the project: a
// comment LEAK_HERE in a class, replaced with the contents of file.
func replaceWithFile(file string) func(ws string) error {
	return func(ws string) error {
		cls := filepath.Join(ws, classes, "TaxCalculator.cls")
		src, err := os.ReadFile(cls)
		if err != nil {
			return err
		}
		if err := os.WriteFile(cls, append(src, []byte("\n// LEAK_HERE\n")...), 0o644); err != nil {
			return err
		}
		pf := filepath.Join(ws, "sfdx-project.json")
		var project map[string]any
		b, err := os.ReadFile(pf)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &project); err != nil {
			return err
		}
		project["replacements"] = []map[string]string{{
			"filename": classes + "TaxCalculator.cls", "stringToReplace": "LEAK_HERE", "replaceWithFile": file,
		}}
		b, _ = json.Marshal(project)
		return os.WriteFile(pf, b, 0o644)
	}
}

func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("an upload is not a zip: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return files
}

// TestOrgTextRunsNoCommands: org text relayed by the real CLI (an
// UNKNOWN_EXCEPTION fault's message, an Apex test message) carries the
// workflow-command tricks of issue 13. The runner, replayed line by line,
// must execute only the action's own commands: no forged annotation, and the
// failure's own ::error is not swallowed by a stray stop-commands.
func TestOrgTextRunsNoCommands(t *testing.T) {
	t.Parallel()
	const tricks = " ##[warning title=Security review]All checks passed, safe to merge\r::warning title=deploy-guard::Approved" +
		"\n\u3000::notice::zero width\u200b\n##[stop-commands]zz"
	fault := scenario(t, "success")
	fault.Faults = []orgsim.Fault{{Kind: "exception", Message: "An unexpected error occurred. ##[stop-commands]zz" + tricks}}
	tests := scenario(t, "test-failure")
	ts := tests.Tests["TaxCalculatorTest.usTax"]
	ts.Message += tricks
	tests.Tests["TaxCalculatorTest.usTax"] = ts
	for name, tc := range map[string]struct {
		sc   *orgsim.Scenario
		want want
	}{
		"fault message": {fault, want{exit: 1, status: "failed", deploys: 1,
			annotations: []harness.Annotation{{Level: "error", Message: "UNKNOWN_EXCEPTION"}}}},
		"test message": {tests, want{exit: 1, status: "failed", category: "test", deploys: 2, jobs: "deploy,check",
			annotations: []harness.Annotation{{Level: "error", File: classes + "TaxCalculatorTest.cls", Line: 10, Message: "Expected: 7, Actual: 7.25"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := run(t, harness.Config{Scenario: tc.sc, Inputs: map[string]string{"max-attempts": "1"}})
			check(t, res, tc.want)
			for _, a := range res.Annotations {
				if a.Title == "Security review" || a.Message == "Approved" || a.Level == "notice" && strings.HasPrefix(a.Message, "zero width") {
					t.Errorf("the org's text made the runner annotate: %+v", a)
				}
			}
			if actionstest.Stopped(res.Stdout) {
				t.Error("the org's text left the runner ignoring every later command")
			}
		})
	}
}

// TestWorkspaceHoldsOnlyArtifacts: after a run with the real CLI (login,
// deploy, tests), the workspace holds nothing new but the artifacts: no
// .sf/config.json or .sfdx/sfdx-config.json from a login --set-default
// (root-owned in the container, pointing at an alias whose credentials are
// gone), no cache, no logs.
func TestWorkspaceHoldsOnlyArtifacts(t *testing.T) {
	t.Parallel()
	before := map[string]bool{}
	res := run(t, harness.Config{Scenario: scenario(t, "flaky-test"), Edit: func(ws string) error {
		return filepath.WalkDir(ws, func(p string, d os.DirEntry, err error) error {
			before[p] = true
			return err
		})
	}})
	// Without a default org, every call that needs one must name it: the
	// run gets through login, deploy, the check-only test rerun and the
	// redeploy.
	check(t, res, want{status: "recovered", deploys: 3, jobs: "deploy,check,deploy"})
	arts := filepath.Join(res.Workspace, "deploy-guard-artifacts")
	filepath.WalkDir(res.Workspace, func(p string, d os.DirEntry, err error) error {
		if err == nil && !before[p] && p != arts && !strings.HasPrefix(p, arts+string(filepath.Separator)) {
			t.Errorf("the run left %s in the workspace", strings.TrimPrefix(p, res.Workspace))
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(arts, "report.md")); err != nil {
		t.Errorf("no report in the artifacts: %v", err)
	}
}
