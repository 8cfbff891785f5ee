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

// sfSettings are the sf configuration variables a child inherits, after
// SF_ or SFDX_: an allowlist (issue 28). Withholding credentials by name
// let SFDX_URL, SF_JWT_KEY_B64, SF_SESSION_ID or SF_PASS through, and a
// child reads its own environment (replaceWithEnv). Credentials reach sf
// per call (Invocation.Env); the forced switches are set explicitly.
var sfSettings = map[string]bool{
	"TARGET_ORG": true, "TARGET_DEV_HUB": true,
	"ORG_API_VERSION": true, "API_VERSION": true,
	"LOG_LEVEL": true, "DNS_TIMEOUT": true, "DOMAIN_RETRY": true, "DISABLE_DNS_CHECK": true,
	"ORG_METADATA_REST_DEPLOY": true, "REST_DEPLOY": true,
	"ORG_MAX_QUERY_LIMIT": true, "MAX_QUERY_LIMIT": true,
	"ORG_INSTANCE_URL": true, "INSTANCE_URL": true,
	"DISABLE_SOURCE_MEMBER_POLLING": true, "SOURCE_MEMBER_POLLING_TIMEOUT": true,
	"ORG_CAPITALIZE_RECORD_TYPES": true, "CAPITALIZE_RECORD_TYPES": true, "IMPROVED_CODE_COVERAGE": true,
}

// sfSetting reports whether name is an allowed sf configuration variable.
func sfSetting(name string) bool {
	rest, ok := strings.CutPrefix(name, "SF_")
	if !ok {
		rest, ok = strings.CutPrefix(name, "SFDX_")
	}
	return ok && sfSettings[rest]
}

// ChildEnv builds the environment of an sf child from the parent's: an
// allowlist (PATH, locale, proxies, Node CA settings, the sf settings in
// sfSettings), never INPUT_* values, tokens, runner secrets or any other
// SF_*/SFDX_* variable, with HOME set to home and the forced SF switches
// last so they win.
func ChildEnv(parent []string, home string) []string {
	var env []string
	for _, kv := range parent {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || name == "HOME" {
			continue
		}
		if keptNames[name] || strings.HasPrefix(name, "LC_") || sfSetting(name) {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home)
	return append(env, forcedEnv...)
}

// CredentialVar reports whether an SF_/SFDX_ variable may hold a
// credential a workflow put in env (SFDX_AUTH_URL, SF_JWT_KEY, SFDX_URL,
// SF_SESSION_ID, SF_PASS, ...): every one that is not an allowed sf setting.
// The action masks their values; ChildEnv never passes them.
func CredentialVar(name string) bool {
	if !strings.HasPrefix(name, "SF_") && !strings.HasPrefix(name, "SFDX_") {
		return false
	}
	if !sfSetting(name) {
		return true
	}
	for _, w := range []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "AUTH_URL", "AUTHURL"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return strings.HasSuffix(name, "_KEY")
}

// SwitchValue reports whether v is a plain switch or number (true, false,
// 0, 120): the value of a setting, never a credential. The action masks
// every other value of a CredentialVar; masking "true" would blank the log.
func SwitchValue(v string) bool {
	switch strings.ToLower(v) {
	case "", "true", "false", "yes", "no", "on", "off":
		return true
	}
	return strings.Trim(v, "0123456789.") == ""
}
