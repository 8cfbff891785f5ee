package config

import (
	"net/url"
	"strings"
)

// RunnerSecretEnv are variables of the action's environment that carry
// credentials of the runner or of the workflow rather than inputs: the
// runner's own tokens, and tokens a workflow commonly puts in `env:`.
var RunnerSecretEnv = []string{
	"ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_CACHE_URL",
	"GITHUB_TOKEN", "GH_TOKEN", "SF_ACCESS_TOKEN", "SFDX_ACCESS_TOKEN",
}

// RunnerSecrets returns the values to redact from RunnerSecretEnv: each
// value, and for URLs the credentials inside them (user info and query
// values), which may be printed without the rest of the URL.
func RunnerSecrets(getenv func(string) string) []string {
	var out []string
	for _, name := range RunnerSecretEnv {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			continue
		}
		out = append(out, v)
		u, err := url.Parse(v)
		if err != nil || u.Host == "" {
			continue
		}
		if u.User != nil {
			p, _ := u.User.Password()
			out = append(out, u.User.Username(), p, u.User.String())
		}
		for _, vals := range u.Query() {
			out = append(out, vals...)
		}
	}
	return out
}
