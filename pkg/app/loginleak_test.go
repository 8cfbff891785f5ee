package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// A login that prints about 1 MiB to stderr, then echoes the token it was
// given, and fails (issue 28). The stderr capture keeps 1 MiB, the debug
// log and the summary cut again: at no offset around those cuts may any
// part of the token reach the log, the summary, an output or an artifact.
func TestLoginStderrNeverLeavesTheTokenAcrossACut(t *testing.T) {
	const max = sfcli.DefaultMaxStderr
	for _, before := range []int{max - len(leakAccessToken) - 1, max - len(leakAccessToken)/2, max - 6, max - 1, 64 << 10, 4000} {
		t.Run(fmt.Sprint(before), func(t *testing.T) {
			e := newEnv(t, map[string]string{config.InputAccessToken: leakAccessToken, config.InputInstanceURL: "https://example.my.salesforce.com",
				config.InputManifest: "manifest/package.xml"})
			e.vars["ACTIONS_STEP_DEBUG"] = "true"
			bin := filepath.Join(t.TempDir(), "sf")
			script := fmt.Sprintf(`#!/bin/sh
head -c %d /dev/zero | tr '\0' 'x' >&2
printf '%%s\n' "$SF_ACCESS_TOKEN" >&2
echo '{"status":1,"name":"AuthError","message":"bad token","exitCode":1}'
exit 1
`, before)
			if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			code := e.runScript(bin)
			if code != ExitFailed {
				t.Fatalf("exit %d, want a failed login\n%.2000s", code, e.stdout.String())
			}
			outs, _ := os.ReadFile(e.vars["GITHUB_OUTPUT"])
			sinks := map[string]string{"log": e.stdout.String(), "summary": e.summary(), "outputs": string(outs)}
			filepath.WalkDir(filepath.Join(e.workspace, "deploy-guard-artifacts"), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					b, _ := os.ReadFile(p)
					sinks[filepath.Base(p)] = string(b)
				}
				return nil
			})
			for name, text := range sinks {
				for _, line := range strings.Split(text, "\n") {
					if strings.HasPrefix(line, "::add-mask::") {
						continue
					}
					for _, f := range fragments(leakAccessToken) {
						if strings.Contains(line, f) {
							t.Errorf("%s shows %q of the token", name, f)
						}
					}
				}
			}
			if !strings.Contains(e.stdout.String(), "xxxxxxxx") {
				t.Error("the login's stderr never reached the log, so the test proves nothing")
			}
		})
	}
}
