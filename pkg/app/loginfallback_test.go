package app

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
)

// TestLoginUnmatchedErrorIsAuth: a login that fails with an error no
// pattern recognises is an auth failure, with the login's fix. The error
// fallback that makes such an sf error config elsewhere (issue 29) does not
// apply to a login; a recognised config error keeps its category.
func TestLoginUnmatchedErrorIsAuth(t *testing.T) {
	cases := []struct {
		name, msg, want string
	}{
		{"SfError", "Could not retrieve the username after successful auth code exchange.", "auth"},
		{"Error", "The login did not work out today", "auth"},
		{"Error", "self signed certificate in certificate chain", "config"},
	}
	for _, tc := range cases {
		t.Run(tc.want+"/"+tc.msg, func(t *testing.T) {
			e := newEnv(t, map[string]string{config.InputAccessToken: leakAccessToken, config.InputInstanceURL: "https://example.my.salesforce.com",
				config.InputManifest: "manifest/package.xml"})
			bin := filepath.Join(t.TempDir(), "sf")
			script := fmt.Sprintf("#!/bin/sh\necho '{\"status\":1,\"name\":\"%s\",\"message\":\"%s\",\"exitCode\":1}'\nexit 1\n", tc.name, tc.msg)
			if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			code := e.runScript(bin)
			if code != ExitFailed {
				t.Fatalf("exit %d, want a failed login\n%.2000s", code, e.stdout.String())
			}
			if got := e.outputs()["failure-category"]; got != tc.want {
				t.Errorf("failure-category %q, want %q", got, tc.want)
			}
		})
	}
}
