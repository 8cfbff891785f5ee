package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
)

// A stub sf for fault tests: login always works; "deploy start" does what
// the case says.
const stubLogin = `#!/bin/sh
if [ "$1 $2" = "org login" ]; then cat >/dev/null; echo '{"status":0,"result":{"username":"ci@example.com"}}'; exit 0; fi
if [ "$3" = "report" ]; then echo '{"status":0,"result":{"id":"0Af000000000001AAA","status":"Succeeded","done":true,"details":{}}}'; exit 0; fi
`

// runWithStub runs the whole action with the real process runner against a
// stub sf whose "deploy start" branch is body.
func runWithStub(t *testing.T, body string, inputs map[string]string, vars ...string) (*env, int) {
	t.Helper()
	e := newEnv(t, inputs)
	for i := 0; i+1 < len(vars); i += 2 {
		e.vars[vars[i]] = vars[i+1]
	}
	bin := filepath.Join(t.TempDir(), "sf")
	if err := os.WriteFile(bin, []byte(stubLogin+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	code := e.runScript(bin)
	return e, code
}

func TestFaultsFromSF(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		wantCode int
		wantLog  string
	}{
		{"not JSON", `echo 'Error: something broke'; exit 1`, ExitFailed, "no JSON"},
		{"truncated JSON", `printf '{"status":0,"result":{"id":"0Af0000'; exit 1`, ExitFailed, "no JSON"},
		{"noise before JSON", `echo 'Warning: update available'; echo '{"status":0,"result":{"id":"0Af000000000001AAA","status":"Queued"}}'`, ExitOK, "status=succeeded"},
		{"killed by a signal", `kill -9 $$`, ExitFailed, "killed"},
		{"200 MB of output", `head -c 209715200 /dev/zero | tr '\0' 'x'; exit 1`, ExitFailed, "more than 128 MB"},
		{"grandchild holds stdout", `sleep 60 & echo '{"status":0,"result":{"id":"0Af000000000001AAA","status":"Queued"}}'`, ExitOK, "status=succeeded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, code := runWithStub(t, tc.body, map[string]string{config.InputAuthURL: testAuthURL, config.InputMaxAttempts: "1"})
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s", code, tc.wantCode, e.stdout.String())
			}
			out := e.outputs()
			if out["status"] == "" || out["failure-category"] == "" || out["attempts"] == "" {
				t.Errorf("outputs not written: %v", out)
			}
			if tc.wantCode != ExitOK && out["status"] != "failed" {
				t.Errorf("status = %q: a broken sf is never a success", out["status"])
			}
			if !strings.Contains(e.stdout.String(), tc.wantLog) {
				t.Errorf("log lacks %q:\n%.2000s", tc.wantLog, e.stdout.String())
			}
			if e.summary() == "" {
				t.Error("no summary")
			}
		})
	}
}

func TestFaultSFMissing(t *testing.T) {
	e2 := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL})
	e2.vars["DEPLOY_GUARD_SF_BIN"] = "sf"
	code := Run(context.Background(), Deps{
		Getenv:  func(k string) string { return e2.vars[k] },
		Environ: func() []string { return []string{"PATH=" + t.TempDir()} },
		Stdout:  &e2.stdout,
		TempDir: t.TempDir(),
	})
	if code != ExitConfig {
		t.Fatalf("exit %d, want %d", code, ExitConfig)
	}
	if out := e2.outputs(); out["failure-category"] != "config" {
		t.Errorf("outputs = %v", out)
	}
	if !strings.Contains(e2.stdout.String(), "Salesforce CLI (sf) was not found") {
		t.Errorf("log:\n%s", e2.stdout.String())
	}
}

// TestSecretsEchoedBySF: an old CLI (or a debug log) prints the token and the
// auth URL back; with step debug on, no byte of any secret may reach stdout,
// the outputs, the summary, the artifacts or the workspace.
func TestSecretsEchoedBySF(t *testing.T) {
	body := `echo "debug: using force://PlatformCLI:clientsecret123:5Aep861refreshtokensecret@example.my.salesforce.com" >&2
echo '{"status":1,"name":"sf:UNABLE_TO_LOCK_ROW","message":"token 5Aep861refreshtokensecret rejected","exitCode":1}'; exit 1`
	e, _ := runWithStub(t, body, map[string]string{config.InputAuthURL: testAuthURL, config.InputMaxAttempts: "1", config.InputGitHubToken: "ghs_supersecrettoken1"},
		"ACTIONS_STEP_DEBUG", "true")
	if !bytes.Contains(e.stdout.Bytes(), []byte("::debug::")) {
		t.Fatal("debug logging was not on")
	}
	sinks := map[string][]byte{"stdout": e.stdout.Bytes(), "summary": []byte(e.summary())}
	sinks["outputs"], _ = os.ReadFile(e.vars["GITHUB_OUTPUT"])
	filepath.WalkDir(e.workspace, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			sinks[p], _ = os.ReadFile(p)
		}
		return nil
	})
	for name, data := range sinks {
		for _, secret := range []string{"clientsecret123", "5Aep861refreshtokensecret", "ghs_supersecrettoken1", testAuthURL} {
			for _, line := range bytes.Split(data, []byte("\n")) {
				if bytes.Contains(line, []byte(secret)) && !bytes.HasPrefix(line, []byte("::add-mask::")) {
					t.Errorf("%s leaks %q: %s", name, secret, line)
				}
			}
		}
	}
}
