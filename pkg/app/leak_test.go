package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// Secrets shaped like real ones (a GitHub installation token, a Salesforce
// session id) that hold every character a Markdown, HTML or JSON escaper
// rewrites. Their alphanumeric runs are unique, so any of them found in a
// sink is a leak, whether the secret was escaped or cut.
const (
	leakGitHubToken = `ghs_Qx7Rk2*Vm9Tz4|Lp3Wn8[Hb6Yc1<Jd5Fs0&Gt2Ku7\Nw4Pe9_Za3Xr6`
	leakAccessToken = `00DAQ!Bq8Mz3_Cw5Ny2*Dv7Ox4|Ef1Pu6[Fg9Rt2<Hk4Si7&Jl8Tm3\Kn5Uo0`
)

// fragments are the alphanumeric runs of a secret long enough to be unique.
func fragments(secret string) []string {
	return regexp.MustCompile(`[A-Za-z0-9]{5,}`).FindAllString(secret, -1)
}

// straddle returns text in which secret starts a few bytes before each of
// the given byte offsets, so that any cut at that offset made before
// redaction keeps a prefix of it.
func straddle(secret string, offsets ...int) string {
	var b strings.Builder
	for _, off := range offsets {
		for b.Len() < off-7 {
			b.WriteString("pad ")
		}
		b.WriteString(secret + " ")
	}
	return b.String()
}

// leakSF is an org that echoes the run's secrets in every text it returns:
// component problems, test messages and stack traces, the error message,
// each time across the cut points of the summary, annotations, post-mortem,
// Slack and the debug log.
func leakSF(inv sfcli.Invocation) (*sfcli.Output, error) {
	s := leakAccessToken + " " + leakGitHubToken
	str := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	switch strings.Join(inv.Args[:3], " ") {
	case "project deploy report":
		pad := strings.Repeat("x", 3990-len(`{"status":1,"pad":"`))
		doc := `{"status":1,"pad":"` + pad + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `","result":{"id":"` + testID + `","status":"Failed","done":true,"success":false,
			"numberComponentErrors":1,"numberTestErrors":1,"errorMessage":` + str(straddle(s, 300, 1000, 2000, 4000)) + `,
			"stateDetail":` + str(straddle(s, 300)) + `,
			"details":{"componentFailures":[{"componentType":"ApexClass","fullName":"Invoice","fileName":"classes/Invoice.cls",
				"problem":` + str(straddle(s, 10, 150, 300, 500, 1500, 2000, 3000, 4096)) + `,"problemType":"Error","lineNumber":"3","columnNumber":"9"}],
			"runTestResult":{"numTestsRun":1,"failures":[{"name":"InvoiceTest","methodName":"charges","message":` + str(straddle(s, 10, 255, 300, 500, 2000, 4000)) + `,
				"stackTrace":` + str(straddle(s, 10, 4000)) + `,"time":1}]}}}}`
		return reply(doc, 1)
	}
	return happySF(inv)
}

// sideChannels is a fake GitHub API, Slack webhook and OTLP collector that
// keeps every request body.
type sideChannels struct {
	mu     sync.Mutex
	bodies map[string]string
}

func (f *sideChannels) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	f.mu.Lock()
	f.bodies[req.Method+" "+req.URL.Path] += string(b)
	f.mu.Unlock()
	switch {
	case strings.HasSuffix(req.URL.Path, "/runs"):
		fmt.Fprint(w, `{"total_count":0,"workflow_runs":[]}`)
	case req.Method == "GET" && (strings.HasSuffix(req.URL.Path, "/issues") || strings.HasSuffix(req.URL.Path, "/comments")):
		fmt.Fprint(w, `[]`)
	case req.Method == "POST" && strings.HasSuffix(req.URL.Path, "/issues"):
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"number":7,"html_url":"https://github.com/acme/crm/issues/7"}`)
	case req.Method == "POST" && strings.HasSuffix(req.URL.Path, "/comments"):
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":9,"html_url":"https://github.com/acme/crm/pull/5#issuecomment-9"}`)
	default:
		fmt.Fprint(w, "ok")
	}
}

// TestSecretsWithMarkdownCharactersNeverLeak: the org echoes secrets that
// hold `_ * | [ < & \` across every truncation boundary. No sink may carry
// any part of them: not escaped (`ghs\_...`), not cut (a prefix), not
// JSON-escaped. Sinks: log (with debug on), annotations, outputs, summary,
// every artifact, the post-mortem, the PR comment, Slack and OTLP.
func TestSecretsWithMarkdownCharactersNeverLeak(t *testing.T) {
	fake := &sideChannels{bodies: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e := newEnv(t, map[string]string{
		config.InputAccessToken: leakAccessToken, config.InputInstanceURL: "https://example.my.salesforce.com",
		config.InputManifest: "manifest/package.xml", config.InputMaxAttempts: "1",
		config.InputGitHubToken: leakGitHubToken, config.InputPostMortem: "true", config.InputPRComment: "true",
		config.InputSlackWebhookURL: srv.URL + "/slack/T0/B0/hookpath", config.InputOTLPEndpoint: srv.URL + "/otlp",
	})
	e.withGitHub(srv.URL, "GITHUB_REF_NAME", "5/merge", "GITHUB_REF", "refs/pull/5/merge", "ACTIONS_STEP_DEBUG", "true")
	e.answer = leakSF
	if code := e.run(); code != ExitFailed {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}

	sinks := map[string]string{"summary": e.summary()}
	for _, line := range strings.Split(e.stdout.String(), "\n") {
		if !strings.HasPrefix(line, "::add-mask::") {
			sinks["log"] += line + "\n"
		}
	}
	out, _ := os.ReadFile(e.vars["GITHUB_OUTPUT"])
	sinks["outputs"] = string(out)
	filepath.WalkDir(e.workspace, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			sinks[filepath.Base(p)] = string(b)
		}
		return nil
	})
	fake.mu.Lock()
	for k, v := range fake.bodies {
		sinks[k] = v
	}
	fake.mu.Unlock()
	for _, want := range []string{"report.md", "events.jsonl", "POST /repos/acme/crm/issues", "POST /repos/acme/crm/issues/5/comments", "POST /slack/T0/B0/hookpath", "POST /otlp/v1/metrics"} {
		if _, ok := sinks[want]; !ok {
			var got []string
			for k := range sinks {
				got = append(got, k)
			}
			t.Errorf("no %s among the sinks %v", want, got)
		}
	}
	if !strings.Contains(sinks["log"], "::debug::") {
		t.Error("debug logging was not on")
	}
	for name, text := range sinks {
		for _, secret := range []string{leakAccessToken, leakGitHubToken} {
			for _, frag := range fragments(secret) {
				if i := strings.Index(text, frag); i >= 0 {
					t.Errorf("%s leaks %q of a secret: …%s…", name, frag, text[max(0, i-40):min(len(text), i+40)])
				}
			}
		}
	}
}

// Text that does not come from sf is masked before it is escaped too: here
// a token pasted into package.xml, which preflight quotes in its findings,
// the run's message, the summary, report.md and the annotations.
func TestSecretInPreflightFindingNeverLeaks(t *testing.T) {
	const token = "ghs_Qx7Rk2Vm9Tz4_Lp3Wn8Hb6Yc1_Jd5Fs0"
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml", config.InputGitHubToken: token,
		config.InputBreakerThreshold: "0"})
	os.WriteFile(filepath.Join(e.workspace, "manifest", "package.xml"), []byte(`<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types><members>`+token+`</members><name>ApexClass</name></types>
    <version>62.0</version>
</Package>
`), 0o644)
	e.answer = happySF
	if code := e.run(); code != ExitConfig {
		t.Fatalf("exit %d, want %d\n%s", code, ExitConfig, e.stdout.String())
	}
	report, _ := os.ReadFile(filepath.Join(e.workspace, "deploy-guard-artifacts", "report.md"))
	sinks := map[string]string{"summary": e.summary(), "report.md": string(report)}
	for _, line := range strings.Split(e.stdout.String(), "\n") {
		if !strings.HasPrefix(line, "::add-mask::") {
			sinks["log"] += line + "\n"
		}
	}
	if !strings.Contains(sinks["summary"], "Preflight") || !strings.Contains(sinks["summary"], "***") {
		t.Fatalf("summary lacks the masked preflight finding:\n%s", sinks["summary"])
	}
	for name, text := range sinks {
		for _, frag := range fragments(token) {
			if strings.Contains(text, frag) {
				t.Errorf("%s leaks %q", name, frag)
			}
		}
	}
}

// Org text cannot mention people through the pull-request comment: every
// `@` from the org (component problems, test messages and stack traces, the
// error message) arrives as an entity.
func TestPRCommentMentionsNobody(t *testing.T) {
	fake := &sideChannels{bodies: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml", config.InputMaxAttempts: "1",
		config.InputGitHubToken: "ghs_mentiontesttoken123", config.InputPRComment: "true"})
	e.withGitHub(srv.URL, "GITHUB_REF", "refs/pull/5/merge")
	e.answer = func(inv sfcli.Invocation) (*sfcli.Output, error) {
		if strings.Join(inv.Args[:3], " ") != "project deploy report" {
			return happySF(inv)
		}
		return reply(`{"status":1,"result":{"id":"`+testID+`","status":"Failed","done":true,"success":false,"numberComponentErrors":1,"numberTestErrors":1,
			"errorMessage":"ask @octocat","details":{"componentFailures":[{"componentType":"ApexClass","fullName":"Invoice","fileName":"classes/Invoice.cls",
			"problem":"cc @acme/admins please","problemType":"Error","lineNumber":"3"}],
			"runTestResult":{"numTestsRun":1,"failures":[{"name":"InvoiceTest","methodName":"charges","message":"ping @mona\n@hubot deploy","stackTrace":"Class.InvoiceTest: @ghost line 3","time":1}]}}}}`, 1)
	}
	if code := e.run(); code != ExitFailed {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	fake.mu.Lock()
	body := fake.bodies["POST /repos/acme/crm/issues/5/comments"]
	fake.mu.Unlock()
	if !strings.Contains(body, "acme/admins") || !strings.Contains(body, "mona") || !strings.Contains(body, "hubot") {
		t.Fatalf("the comment lacks the org's text:\n%s", body)
	}
	if m := regexp.MustCompile(`@[A-Za-z]`).FindAllString(body, -1); len(m) > 0 {
		t.Errorf("the comment mentions %v:\n%s", m, body)
	}
}
