package config

import (
	"slices"
	"testing"
)

func TestRunnerSecrets(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"ACTIONS_RUNTIME_TOKEN":          "eyJhbGciOiJSUzI1NiJ9.runtime",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "eyJhbGciOiJSUzI1NiJ9.idtoken",
		"ACTIONS_CACHE_URL":              "https://cacheuser:cachepass@acghub.actions.example/Tenant01/?sig=cachesig",
		"GITHUB_ACTIONS":                 "true",
	}
	got := RunnerSecrets(func(k string) string { return env[k] })
	for _, want := range []string{env["ACTIONS_RUNTIME_TOKEN"], env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"], env["ACTIONS_CACHE_URL"], "cachepass", "cachesig"} {
		if !slices.Contains(got, want) {
			t.Errorf("RunnerSecrets misses %q: %q", want, got)
		}
	}
	if slices.Contains(got, "true") {
		t.Errorf("RunnerSecrets includes a non-secret variable: %q", got)
	}
}
