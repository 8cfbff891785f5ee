package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// A cancelled workflow ends the run as canceled at whatever step it came:
// never as an auth or config failure, outputs and summary written, and no
// side channel (Slack, metrics, issue) contacted.
func TestRunCanceledAtAnyStep(t *testing.T) {
	killed := &sfcli.Output{ExitCode: 143, Signal: "terminated", ParseErr: sfcli.ErrNoJSON}
	cases := []struct {
		name string
		// cancelAt names the sf command during which the workflow is
		// cancelled; "" cancels before the run starts.
		cancelAt  string
		wantCalls []string
	}{
		{name: "before login", cancelAt: "", wantCalls: nil},
		{name: "during login", cancelAt: "org login", wantCalls: []string{"org login sfdx-url"}},
		{name: "while waiting for the job", cancelAt: "project deploy report", wantCalls: []string{"org login sfdx-url", "project deploy start", "project deploy report", "project deploy cancel"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			side := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.WriteHeader(http.StatusOK)
			}))
			defer side.Close()
			e := newEnv(t, map[string]string{
				config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml",
				config.InputSlackWebhookURL: side.URL + "/services/T000/B000/XXXX", config.InputOTLPEndpoint: side.URL,
				config.InputAlertOn: "auth,config",
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancelAt == "" {
				cancel()
			}
			e.answer = func(inv sfcli.Invocation) (*sfcli.Output, error) {
				cmd := strings.Join(inv.Args[:3], " ")
				if tc.cancelAt != "" && strings.HasPrefix(cmd, tc.cancelAt) {
					cancel() // the signal arrives; sf dies with the run's context
					return killed, nil
				}
				if cmd == "project deploy cancel" {
					return reply(`{"status":0,"result":{"id":"`+testID+`","status":"Canceled"}}`, 0)
				}
				return happySF(inv)
			}
			code := e.runCtx(ctx)
			if code != ExitFailed {
				t.Errorf("exit %d, want %d", code, ExitFailed)
			}
			out := e.outputs()
			if out["status"] != "canceled" || out["failure-category"] != "none" {
				t.Errorf("status=%q failure-category=%q, want canceled/none", out["status"], out["failure-category"])
			}
			if !strings.Contains(e.summary(), "cancel") {
				t.Errorf("summary does not say the run was cancelled:\n%s", e.summary())
			}
			var got []string
			for _, c := range e.calls {
				got = append(got, strings.Join(c.Args[:3], " "))
			}
			if strings.Join(got, "|") != strings.Join(tc.wantCalls, "|") {
				t.Errorf("sf calls %q, want %q", got, tc.wantCalls)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("%d side-channel requests after a cancellation, want none", n)
			}
		})
	}
}
