package sfcli

import (
	"slices"
	"strings"
	"testing"
)

// A child can read its own environment (a project's replaceWithEnv, or
// replaceWithFile: /proc/self/environ), so no credential a workflow put in
// env reaches it, whatever its prefix; sf's own switches still do.
func TestChildEnvDropsCredentials(t *testing.T) {
	secrets := []string{"SFDX_AUTH_URL=force://a:b:c@d", "SF_AUTH_URL=x", "SF_JWT_KEY=pem", "SFDX_CLIENT_SECRET=s",
		"SF_PASSWORD=p", "SF_REFRESH_TOKEN=r", "INPUT_GITHUB-TOKEN=g", "ACTIONS_RUNTIME_TOKEN=rt"}
	kept := []string{"SF_TARGET_ORG=keep", "SF_ORG_API_VERSION=62.0", "SF_LOG_LEVEL=warn", "PATH=/bin"}
	env := ChildEnv(append(append([]string(nil), secrets...), kept...), "/home/x")
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		for _, s := range secrets {
			if strings.HasPrefix(s, name+"=") {
				t.Errorf("the child gets %q", kv)
			}
		}
	}
	for _, want := range append(kept, "HOME=/home/x", "SF_USE_GENERIC_UNIX_KEYCHAIN=true") {
		if !slices.Contains(env, want) {
			t.Errorf("the child lacks %q: %q", want, env)
		}
	}
}
