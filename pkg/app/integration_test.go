package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// failingSF answers a login and a deployment that fails on one component
// whose name is chosen by the test (pull-request authors choose it).
func failingSF(component string) func(inv sfcli.Invocation) (*sfcli.Output, error) {
	return func(inv sfcli.Invocation) (*sfcli.Output, error) {
		switch strings.Join(inv.Args[:3], " ") {
		case "project deploy report":
			name, _ := json.Marshal(component)
			return reply(`{"status":1,"result":{"id":"`+testID+`","status":"Failed","done":true,"success":false,"numberComponentErrors":1,
				"details":{"componentFailures":[{"componentType":"ApexClass","fullName":`+string(name)+`,"fileName":"classes/Invoice.cls",
				"problem":"Variable does not exist: amount","problemType":"Error","lineNumber":"3","columnNumber":"9"}]}}}`, 1)
		}
		return happySF(inv)
	}
}

func TestRunWithoutProjectFileSendsNothing(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml"})
	os.Remove(filepath.Join(e.workspace, "sfdx-project.json"))
	e.answer = happySF
	if code := e.run(); code != ExitConfig {
		t.Fatalf("exit %d, want %d", code, ExitConfig)
	}
	out := e.outputs()
	if out["status"] != "failed" || out["failure-category"] != "config" {
		t.Errorf("outputs %v", out)
	}
	if !strings.Contains(e.stdout.String(), "no sfdx-project.json") || !strings.Contains(e.stdout.String(), "working-directory") {
		t.Errorf("the error must name the file and the input:\n%s", e.stdout.String())
	}
	if len(e.calls) != 0 {
		t.Errorf("sf was called: %v", e.calls)
	}
}

func TestRunManifestNamingMissingClassFailsInPreflight(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml"})
	os.WriteFile(filepath.Join(e.workspace, "manifest", "package.xml"), []byte(`<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types>
        <members>PaymentService</members>
        <name>ApexClass</name>
    </types>
    <version>62.0</version>
</Package>
`), 0o644)
	e.answer = happySF
	if code := e.run(); code != ExitConfig {
		t.Fatalf("exit %d, want %d\n%s", code, ExitConfig, e.stdout.String())
	}
	if out := e.outputs(); out["failure-category"] != "config" {
		t.Errorf("failure-category %q", out["failure-category"])
	}
	if !strings.Contains(e.stdout.String(), "::error col=9,file=manifest/package.xml,line=4,") || !strings.Contains(e.stdout.String(), "PaymentService") {
		t.Errorf("no annotation at the manifest line naming the class:\n%s", e.stdout.String())
	}
	if len(e.calls) != 0 {
		t.Errorf("preflight failed but sf was called: %v", e.calls)
	}
}

// A component named with go-githubactions' fixed delimiter and a newline
// cannot forge outputs: later steps read exactly what the action wrote.
func TestRunOutputDelimiterInComponentName(t *testing.T) {
	evil := "Evil\n_GitHubActionsFileCommandDelimeter_\nstatus=succeeded\nfailure-category<<EOF\nnone\nEOF"
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml"})
	e.answer = failingSF(evil)
	if code := e.run(); code != ExitFailed {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	out := e.outputs()
	if out["status"] != "failed" || out["failure-category"] == "none" {
		t.Fatalf("forged outputs: status=%q failure-category=%q", out["status"], out["failure-category"])
	}
	if out["failed-component"] != "ApexClass:"+evil {
		t.Errorf("failed-component = %q, want the name verbatim", out["failed-component"])
	}
	var names []string
	for k := range out {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.ContainsAny(n, "\n=") || n == "EOF" || n == "none" {
			t.Errorf("a forged output name %q", n)
		}
	}
}

func TestRunFullSummaryFileStillPasses(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL})
	e.answer = happySF
	e.vars["GITHUB_STEP_SUMMARY"] = "/dev/full"
	if code := e.run(); code != ExitOK {
		t.Fatalf("a deploy that succeeded must pass even if the summary cannot be written: exit %d", code)
	}
	if !strings.Contains(e.stdout.String(), "could not write the step summary") {
		t.Error("no warning about the summary")
	}
	if e.outputs()["status"] != "succeeded" {
		t.Error("outputs not written")
	}
}

// recorder is a fake GitHub API and Slack webhook that keeps every body.
type recorder struct {
	mu     sync.Mutex
	bodies []string
	paths  []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.paths = append(r.paths, req.Method+" "+req.URL.Path)
	r.mu.Unlock()
	switch {
	case strings.HasSuffix(req.URL.Path, "/runs"):
		fmt.Fprint(w, `{"total_count":0,"workflow_runs":[]}`)
	case req.Method == "GET" && strings.HasSuffix(req.URL.Path, "/issues"):
		fmt.Fprint(w, `[]`)
	case req.Method == "POST" && strings.HasSuffix(req.URL.Path, "/issues"):
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"number":7,"html_url":"https://github.com/acme/crm/issues/7"}`)
	case strings.HasPrefix(req.URL.Path, "/slack"):
		fmt.Fprint(w, "ok")
	default:
		http.NotFound(w, req)
	}
}

// On failure the post-mortem and the Slack message go out, carry the
// failure, and no secret, even one the org echoed back.
func TestRunNotifiesOnFailureWithoutSecrets(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	const token, hook = "ghs_notifysecrettoken123", "/slack/T0/B0/hooksecretpath"
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml",
		config.InputGitHubToken: token, config.InputPostMortem: "true", config.InputSlackWebhookURL: srv.URL + hook})
	e.withGitHub(srv.URL)
	e.answer = failingSF("InvoiceService (token 5Aep861refreshtokensecret)")
	if code := e.run(); code != ExitFailed {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	if got := e.outputs()["post-mortem-url"]; got != "https://github.com/acme/crm/issues/7" {
		t.Errorf("post-mortem-url = %q\n%s", got, e.stdout.String())
	}
	posted := map[string]bool{}
	for i, p := range rec.paths {
		posted[p] = true
		for _, s := range []string{token, "hooksecretpath", "5Aep861refreshtokensecret", "clientsecret123"} {
			if strings.Contains(rec.bodies[i], s) {
				t.Errorf("%s: body contains the secret %q", p, s)
			}
		}
	}
	if !posted["POST /repos/acme/crm/issues"] || !posted["POST "+hook] {
		t.Errorf("requests %v: want the issue and the Slack message", rec.paths)
	}
}

// Credentials that sf reads from a file (a JWT key; an auth URL, since the
// CLI gives stdin only 10 ms) go in a 0600 file outside the workspace,
// never in argv, and the file is gone after login.
func TestRunCredentialFiles(t *testing.T) {
	key := "-----BEGIN RSA PRIVATE KEY-----\nMIIEjwtkeybodysecret0123456789\n-----END RSA PRIVATE KEY-----"
	for _, tc := range []struct {
		name, login, flag, secret string
		inputs                    map[string]string
	}{
		{"jwt", "org login jwt", "--jwt-key-file", "MIIEjwtkeybodysecret",
			map[string]string{config.InputJWTKey: key, config.InputClientID: "3MVGclientid", config.InputUsername: "ci@example.com"}},
		{"auth-url", "org login sfdx-url", "--sfdx-url-file", "5Aep861refreshtokensecret",
			map[string]string{config.InputAuthURL: testAuthURL}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.inputs)
			var file, content string
			var mode os.FileMode
			e.answer = func(inv sfcli.Invocation) (*sfcli.Output, error) {
				if strings.Join(inv.Args[:3], " ") == tc.login {
					for i, a := range inv.Args {
						if strings.Contains(a, tc.secret) {
							t.Errorf("the credential is in argv: %v", inv.Args)
						}
						if a == tc.flag && i+1 < len(inv.Args) {
							file = inv.Args[i+1]
							if st, err := os.Stat(file); err == nil {
								mode = st.Mode().Perm()
							}
							b, _ := os.ReadFile(file)
							content = string(b)
						}
					}
					if len(inv.Stdin) > 0 {
						t.Errorf("login wrote %d bytes to stdin", len(inv.Stdin))
					}
					return reply(`{"status":0,"result":{"username":"ci@example.com"}}`, 0)
				}
				return happySF(inv)
			}
			if code := e.run(); code != ExitOK {
				t.Fatalf("exit %d\n%s", code, e.stdout.String())
			}
			if file == "" {
				t.Fatalf("sf %s was not given %s", tc.login, tc.flag)
			}
			if !strings.Contains(content, tc.secret) {
				t.Errorf("the file held %q, not the credential", content)
			}
			if mode != 0o600 || strings.HasPrefix(file, e.workspace) {
				t.Errorf("credential file %s mode %o: want 0600 outside the workspace", file, mode)
			}
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Errorf("the credential file %s was not removed", file)
			}
		})
	}
}

// alert-on turns a matching failure into a notification even with
// post-mortem off; a failure that does not match stays quiet.
func TestRunAlertOn(t *testing.T) {
	for _, tc := range []struct {
		alertOn string
		issue   bool
	}{{"dependency", true}, {"variable-does-not-exist", true}, {"coverage,auth", false}} {
		rec := &recorder{}
		srv := httptest.NewServer(rec)
		e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml",
			config.InputGitHubToken: "ghs_alertontoken", config.InputAlertOn: tc.alertOn, "circuit-breaker-threshold": "0"})
		e.withGitHub(srv.URL)
		e.answer = failingSF("InvoiceService")
		e.run()
		srv.Close()
		created := false
		for _, p := range rec.paths {
			created = created || p == "POST /repos/acme/crm/issues"
		}
		if created != tc.issue {
			t.Errorf("alert-on %q: issue created %v, want %v (requests %v)", tc.alertOn, created, tc.issue, rec.paths)
		}
	}
}
