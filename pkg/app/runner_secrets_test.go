package app

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// The runner's own tokens are secrets too: when sf (or an org message)
// echoes them, they are masked like the inputs.
func TestRunnerTokensAreRedacted(t *testing.T) {
	tokens := map[string]string{
		"ACTIONS_RUNTIME_TOKEN":          "eyJ0eXAiOiJKV1QiruntimeTokenValue",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "eyJ0eXAiOiJKV1QiidRequestTokenValue",
		"ACTIONS_CACHE_URL":              "https://cacheuser:cachePassword9@acghub.example/TenantId01/",
	}
	body := `echo "{\"status\":1,\"name\":\"sf:UNABLE_TO_LOCK_ROW\",\"message\":\"saw $RT and $IT and cachePassword9\",\"exitCode\":1}"; exit 1`
	body = "RT=" + tokens["ACTIONS_RUNTIME_TOKEN"] + "; IT=" + tokens["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] + "\n" + body
	vars := []string{"ACTIONS_STEP_DEBUG", "true"}
	for k, v := range tokens {
		vars = append(vars, k, v)
	}
	e, _ := runWithStub(t, body, map[string]string{config.InputAuthURL: testAuthURL, config.InputMaxAttempts: "1"}, vars...)
	outs, _ := os.ReadFile(e.vars["GITHUB_OUTPUT"])
	for name, text := range map[string]string{"stdout": e.stdout.String(), "summary": e.summary(), "outputs": string(outs)} {
		for _, secret := range []string{tokens["ACTIONS_RUNTIME_TOKEN"], tokens["ACTIONS_ID_TOKEN_REQUEST_TOKEN"], "cachePassword9"} {
			if !onlyInMask(text, secret) {
				t.Errorf("%s shows %q", name, secret)
			}
		}
	}
	if !strings.Contains(e.summary(), "saw") {
		t.Error("the sf message never reached the summary, so the test proves nothing")
	}
}

// A credential a workflow put in env: under an SF_ name never reaches sf's
// environment and is masked if sf (or the org) prints it anyway.
func TestWorkflowCredentialVarsAreMaskedAndWithheld(t *testing.T) {
	const secret = "force://PlatformCLI::5Aep861workflowEnvSecret@x.my.salesforce.com"
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml"})
	var childEnv []string
	Run(context.Background(), Deps{
		Getenv:  func(k string) string { return e.vars[k] },
		Environ: func() []string { return []string{"PATH=/usr/bin", "SFDX_AUTH_URL=" + secret} },
		Stdout:  &e.stdout,
		Sleep:   func(context.Context, time.Duration) error { return nil },
		TempDir: t.TempDir(),
		NewRunner: func(env []string, dir string) sfcli.Runner {
			childEnv = env
			return sfcli.RunnerFunc(func(ctx context.Context, inv sfcli.Invocation) (*sfcli.Output, error) {
				if inv.Args[0] == "org" {
					return happySF(inv)
				}
				return reply(`{"status":1,"name":"UNKNOWN_EXCEPTION","message":"saw `+secret+`","exitCode":1}`, 1)
			})
		},
	})
	for _, kv := range childEnv {
		if strings.Contains(kv, secret) {
			t.Errorf("sf's environment holds %q", kv)
		}
	}
	if !onlyInMask(e.stdout.String(), "5Aep861workflowEnvSecret") || !onlyInMask(e.summary(), "5Aep861workflowEnvSecret") {
		t.Errorf("the credential was printed:\n%s", e.stdout.String())
	}
	if !strings.Contains(e.summary(), "saw") {
		t.Error("the sf message never reached the summary, so the test proves nothing")
	}
}
