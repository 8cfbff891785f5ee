package app

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
)

// Every sink links the same run attempt: the summary, report.md, the
// post-mortem, Slack (and the event log names the same run). The summary
// used to build its own link without the attempt.
func TestOneRunURLEverywhere(t *testing.T) {
	fake := &sideChannels{bodies: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml", config.InputMaxAttempts: "1",
		config.InputGitHubToken: "ghs_runurltesttoken12", config.InputPostMortem: "true", config.InputSlackWebhookURL: srv.URL + "/slack/T0/B0/x"})
	e.withGitHub(srv.URL, "GITHUB_SERVER_URL", "https://github.example", "GITHUB_RUN_ATTEMPT", "3")
	e.answer = failingSF("Invoice")
	if code := e.run(); code != ExitFailed {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	const want = "https://github.example/acme/crm/actions/runs/42/attempts/3"
	report, _ := os.ReadFile(filepath.Join(e.workspace, "deploy-guard-artifacts", "report.md"))
	events, _ := os.ReadFile(filepath.Join(e.workspace, "deploy-guard-artifacts", "events.jsonl"))
	fake.mu.Lock()
	sinks := map[string]string{"summary": e.summary(), "report.md": string(report),
		"post-mortem": fake.bodies["POST /repos/acme/crm/issues"], "slack": fake.bodies["POST /slack/T0/B0/x"]}
	fake.mu.Unlock()
	for name, text := range sinks {
		if !strings.Contains(text, want) {
			t.Errorf("%s does not link %s:\n%.1500s", name, want, text)
		}
		if strings.Contains(strings.ReplaceAll(text, want, ""), "/actions/runs/") {
			t.Errorf("%s links another form of the run:\n%.1500s", name, text)
		}
	}
	if !strings.Contains(string(events), `"id":"42","attempt":"3"`) {
		t.Errorf("events name another run:\n%.500s", events)
	}
}
