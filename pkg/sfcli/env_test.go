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
		"SF_PASSWORD=p", "SF_REFRESH_TOKEN=r", "INPUT_GITHUB-TOKEN=g", "ACTIONS_RUNTIME_TOKEN=rt",
		// Names the old rule (credential words) let through (issue 28).
		"SFDX_URL=force://x:y:z@w", "SF_JWT_KEY_B64=LS0tLS1CRUdJTg==", "SF_SESSION_ID=00D!sess", "SF_PASS=hunter2", "SFDX_SECRET_KEY_FILE=/k",
		"SF_ACCESS_TOKEN=t", "SF_TEMP_SHOW_SECRETS=true"}
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
	for _, kv := range secrets {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "SF") && !CredentialVar(name) {
			t.Errorf("%s is not treated as a credential, so the action would not mask it", name)
		}
	}
	for _, want := range append(kept, "HOME=/home/x", "SF_USE_GENERIC_UNIX_KEYCHAIN=true") {
		if !slices.Contains(env, want) {
			t.Errorf("the child lacks %q: %q", want, env)
		}
	}
}
