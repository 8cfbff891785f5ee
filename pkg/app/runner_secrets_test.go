package app

import (
	"os"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
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
