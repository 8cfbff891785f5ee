package sfcli

import (
	"strings"
)

// forcedEnv is set on every sf child, whatever the parent environment says:
// no update checks or background autoupdate (which can hold stdout open), no
// telemetry, no log file holding request details, a file-based keychain that
// works in containers, and no colour or spinners in the output we parse.
var forcedEnv = []string{
	"SF_DISABLE_AUTOUPDATE=true",
	"SF_AUTOUPDATE_DISABLE=true",
	"SF_DISABLE_TELEMETRY=true",
	"SF_SKIP_NEW_VERSION_CHECK=true",
	"SF_USE_GENERIC_UNIX_KEYCHAIN=true",
	"SF_DISABLE_LOG_FILE=true",
	"SF_CONTAINER_MODE=true",
	"SF_USE_PROGRESS_BAR=false",
	"FORCE_COLOR=0",
	"NO_COLOR=1",
}

// keptNames are parent variables the child may see as they are.
var keptNames = map[string]bool{
	"PATH": true, "LANG": true, "LANGUAGE": true, "TZ": true, "TMPDIR": true, "USER": true,
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "NO_PROXY": true,
	"http_proxy": true, "https_proxy": true, "no_proxy": true,
	"NODE_EXTRA_CA_CERTS": true, "NODE_OPTIONS": true, "CI": true, "GITHUB_ACTIONS": true,
}

// droppedSF are SF_/SFDX_ variables never inherited: credentials are passed
// per call (Invocation.Env) and the forced switches are set explicitly.
var droppedSF = map[string]bool{
	"SF_ACCESS_TOKEN": true, "SFDX_ACCESS_TOKEN": true,
	"SF_TEMP_SHOW_SECRETS": true, "SFDX_TEMP_SHOW_SECRETS": true,
}

// ChildEnv builds the environment of an sf child from the parent's: an
// allowlist (PATH, locale, proxies, Node CA settings, SF_*/SFDX_*
// configuration), never INPUT_* values, tokens or runner secrets, with HOME
// set to home and the forced SF switches last so they win.
func ChildEnv(parent []string, home string) []string {
	var env []string
	for _, kv := range parent {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "HOME" || droppedSF[name] {
			continue
		}
		if keptNames[name] || strings.HasPrefix(name, "LC_") ||
			(strings.HasPrefix(name, "SF_") || strings.HasPrefix(name, "SFDX_")) && !CredentialVar(name) {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home)
	return append(env, forcedEnv...)
}

// CredentialVar reports whether an SF_/SFDX_ variable looks like a
// credential a workflow put in env: (SFDX_AUTH_URL, SF_JWT_KEY, ...). sf
// never needs one from the environment (credentials reach it per call), and
// a child can read its own environment: a project's `replaceWithEnv` or
// `replaceWithFile: /proc/self/environ` would upload it. The action masks
// their values too.
func CredentialVar(name string) bool {
	if !strings.HasPrefix(name, "SF_") && !strings.HasPrefix(name, "SFDX_") {
		return false
	}
	for _, w := range []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "AUTH_URL", "AUTHURL"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return strings.HasSuffix(name, "_KEY")
}
