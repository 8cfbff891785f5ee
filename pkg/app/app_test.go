package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

const (
	testAuthURL = "force://PlatformCLI:clientsecret123:5Aep861refreshtokensecret@example.my.salesforce.com"
	testID      = "0Af000000000001AAA"
)

// env is a test environment for one run of the action.
type env struct {
	t         *testing.T
	vars      map[string]string
	workspace string
	stdout    bytes.Buffer
	mu        sync.Mutex
	calls     []sfcli.Invocation
	answer    func(inv sfcli.Invocation) (*sfcli.Output, error)
	// now is the clock (time.Now when nil); http the client for GitHub
	// and Slack (the default when nil).
	now  func() time.Time
	http *http.Client
}

func newEnv(t *testing.T, inputs map[string]string) *env {
	t.Helper()
	ws := t.TempDir()
	os.WriteFile(filepath.Join(ws, "sfdx-project.json"), []byte(`{"packageDirectories":[{"path":"force-app","default":true}]}`), 0o644)
	os.MkdirAll(filepath.Join(ws, "force-app", "main", "default"), 0o755)
	os.MkdirAll(filepath.Join(ws, "manifest"), 0o755)
	os.WriteFile(filepath.Join(ws, "manifest", "package.xml"), []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Package xmlns=\"http://soap.sforce.com/2006/04/metadata\"><version>62.0</version></Package>\n"), 0o644)
	e := &env{t: t, workspace: ws, vars: map[string]string{
		"GITHUB_WORKSPACE":    ws,
		"GITHUB_OUTPUT":       filepath.Join(ws, "..", filepath.Base(ws)+"-output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(ws, "..", filepath.Base(ws)+"-summary"),
		"GITHUB_ACTIONS":      "true",
		"HOME":                "/github/home",
	}}
	for k, v := range inputs {
		e.vars[config.EnvName(k)] = v
	}
	return e
}

func (e *env) run() int { return e.runCtx(context.Background()) }

// runScript runs the action with the real process runner and bin, a
// stand-in sf script, as the CLI (DEPLOY_GUARD_SF_BIN), and no sleeping.
func (e *env) runScript(bin string) int {
	e.vars["DEPLOY_GUARD_SF_BIN"] = bin
	return Run(context.Background(), Deps{
		Getenv:  func(k string) string { return e.vars[k] },
		Environ: func() []string { return []string{"PATH=/usr/bin:/bin"} },
		Stdout:  &e.stdout,
		Sleep:   func(context.Context, time.Duration) error { return nil },
		TempDir: e.t.TempDir(),
	})
}

// runCtx runs the action with ctx as the run's context (cancelled when the
// workflow is).
func (e *env) runCtx(ctx context.Context) int {
	now := e.now
	if now == nil {
		now = time.Now
	}
	return Run(ctx, Deps{
		Getenv:  func(k string) string { return e.vars[k] },
		Environ: func() []string { return []string{"PATH=/usr/bin"} },
		Stdout:  &e.stdout,
		Now:     now,
		HTTP:    e.http,
		Sleep:   func(context.Context, time.Duration) error { return nil },
		TempDir: e.t.TempDir(),
		NewRunner: func(env []string, dir string) sfcli.Runner {
			return sfcli.RunnerFunc(func(ctx context.Context, inv sfcli.Invocation) (*sfcli.Output, error) {
				e.mu.Lock()
				e.calls = append(e.calls, inv)
				e.mu.Unlock()
				return e.answer(inv)
			})
		},
	})
}

// outputs reads GITHUB_OUTPUT back into a map.
func (e *env) outputs() map[string]string {
	b, err := os.ReadFile(e.vars["GITHUB_OUTPUT"])
	if err != nil {
		e.t.Fatalf("reading outputs: %v", err)
	}
	out := map[string]string{}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

func (e *env) summary() string {
	b, _ := os.ReadFile(e.vars["GITHUB_STEP_SUMMARY"])
	return string(b)
}

func reply(json string, exit int) (*sfcli.Output, error) {
	out := &sfcli.Output{Stdout: []byte(json), ExitCode: exit}
	out.Envelope, out.ParseErr = sfcli.ParseEnvelope(out.Stdout)
	return out, nil
}

// happySF answers a login, a submission and a successful result.
func happySF(inv sfcli.Invocation) (*sfcli.Output, error) {
	switch strings.Join(inv.Args[:3], " ") {
	case "org login sfdx-url", "org login access-token":
		return reply(`{"status":0,"result":{"username":"ci@example.com","instanceUrl":"https://example.my.salesforce.com","accessToken":"00D000000000001!AQEAQrawtokenvalue"}}`, 0)
	case "project deploy start", "project deploy validate":
		return reply(`{"status":0,"result":{"id":"`+testID+`","status":"Queued","done":false}}`, 0)
	case "project deploy report":
		return reply(`{"status":0,"result":{"id":"`+testID+`","status":"Succeeded","done":true,"details":{"componentSuccesses":[{"componentType":"ApexClass","fullName":"A"}]}}}`, 0)
	}
	return nil, fmt.Errorf("unexpected %v", inv.Args)
}

func TestRunSucceeded(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml"})
	e.answer = happySF
	if code := e.run(); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	out := e.outputs()
	for k, want := range map[string]string{"status": "succeeded", "failure-category": "none", "attempts": "1", "deploy-id": testID} {
		if out[k] != want {
			t.Errorf("output %s = %q, want %q", k, out[k], want)
		}
	}
	login := e.calls[0]
	if strings.Contains(strings.Join(login.Args, " "), "force://") || !slices.Contains(login.Args, "--sfdx-url-file") {
		t.Errorf("the auth URL must reach sf in a file only (TestRunCredentialFiles): args %q", login.Args)
	}
	if got := strings.Join(e.calls[1].Args, " "); !strings.Contains(got, "--manifest manifest/package.xml") || !strings.Contains(got, "--target-org deploy-guard") {
		t.Errorf("deploy args = %q", got)
	}
	if !strings.Contains(e.summary(), "succeeded") {
		t.Errorf("summary = %q", e.summary())
	}
}

func TestRunBadInputWritesOutputsAndSendsNothing(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputMaxAttempts: "zero", config.InputMode: "deplyo"})
	e.answer = happySF
	if code := e.run(); code != ExitConfig {
		t.Fatalf("exit %d, want %d", code, ExitConfig)
	}
	if len(e.calls) != 0 {
		t.Errorf("sf was called %d times for invalid input", len(e.calls))
	}
	out := e.outputs()
	if out["status"] != "failed" || out["failure-category"] != "config" || out["attempts"] != "0" {
		t.Errorf("outputs = %v", out)
	}
	log := e.stdout.String()
	for _, want := range []string{`input "max-attempts"`, `input "mode"`, "deploy, validate, quick"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if e.summary() == "" {
		t.Error("no summary written for bad input")
	}
}

func TestRunMissingWorkingDirectory(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputWorkingDirectory: "nope"})
	e.answer = happySF
	if code := e.run(); code != ExitConfig || len(e.calls) != 0 {
		t.Fatalf("exit %d calls %d", code, len(e.calls))
	}
	if !strings.Contains(e.stdout.String(), `input "working-directory"`) {
		t.Error("error does not name working-directory")
	}
}

func TestRunSFNotFound(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL})
	e.answer = func(sfcli.Invocation) (*sfcli.Output, error) {
		return nil, fmt.Errorf("%w (looked for \"sf\")", sfcli.ErrNotFound)
	}
	if code := e.run(); code != ExitConfig {
		t.Fatalf("exit %d", code)
	}
	if out := e.outputs(); out["failure-category"] != "config" || out["status"] != "failed" {
		t.Errorf("outputs = %v", out)
	}
}

func TestRunPanicIsReported(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL})
	e.answer = func(sfcli.Invocation) (*sfcli.Output, error) { panic("boom") }
	if code := e.run(); code != ExitInternal {
		t.Fatalf("exit %d, want %d", code, ExitInternal)
	}
	out := e.outputs()
	if out["status"] != "failed" || out["failure-category"] != "unknown" {
		t.Errorf("outputs = %v", out)
	}
	if !strings.Contains(e.summary(), "boom") {
		t.Error("the summary does not report the panic")
	}
}

func TestRunUnwritableOutput(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL})
	e.answer = happySF
	e.vars["GITHUB_OUTPUT"] = "/dev/full"
	if code := e.run(); code == ExitOK {
		t.Fatal("a deploy whose outputs could not be written must not pass")
	}
	if !strings.Contains(e.stdout.String(), "could not write its outputs") {
		t.Error("no error annotation about the outputs")
	}
}

func TestRunSecretsNeverLeak(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputSlackWebhookURL: "https://hooks.slack.com/services/T0/B0/slacksecretpath"})
	e.vars["ACTIONS_STEP_DEBUG"] = "true"
	e.answer = happySF
	e.run()
	sinks := map[string]string{"stdout": e.stdout.String(), "summary": e.summary()}
	b, _ := os.ReadFile(e.vars["GITHUB_OUTPUT"])
	sinks["outputs"] = string(b)
	filepath.WalkDir(e.workspace, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			sinks[p] = string(data)
		}
		return nil
	})
	for name, text := range sinks {
		for _, secret := range []string{"clientsecret123", "5Aep861refreshtokensecret", "slacksecretpath", "AQEAQrawtokenvalue"} {
			if !onlyInMask(text, secret) {
				t.Errorf("%s contains the secret %q", name, secret)
			}
		}
	}
}

// onlyInMask reports whether every occurrence of secret is inside an
// ::add-mask:: command, the one place it must appear.
func onlyInMask(text, secret string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, secret) && !strings.HasPrefix(line, "::add-mask::") {
			return false
		}
	}
	return true
}
