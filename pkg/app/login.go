package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// defaultAlias names the org the action logs in to, unless target-org gives one.
const defaultAlias = "deploy-guard"

// login authenticates sf and returns the org alias to deploy to; a failed
// login ends the run. Secrets go to sf on stdin or in the child's
// environment only, never in argv.
func (a *action) login(ctx context.Context, runner sfcli.Runner) (string, outcome) {
	auth := a.cfg.Auth
	if auth.Method == config.AuthTargetOrg {
		if strings.Contains(auth.TargetOrg, "@") {
			a.username = auth.TargetOrg // a username, not an alias
		}
		return auth.TargetOrg, outcome{}
	}
	alias := defaultAlias
	if auth.TargetOrg != "" {
		alias = auth.TargetOrg
	}
	inv := sfcli.Invocation{}
	// secretFile is the private file sf reads a credential from; reports
	// show only its name, since its directory is new on every run.
	secretFile := ""
	switch auth.Method {
	case config.AuthSFDXURL:
		urlFile, err := a.writeSecretFile("auth-url.txt", auth.AuthURL)
		if err != nil {
			return "", configError("writing the auth URL", err)
		}
		defer os.Remove(urlFile)
		inv.Args = sfcli.LoginSFDXURL(urlFile, alias)
		secretFile = urlFile
	case config.AuthAccessToken:
		inv.Args = sfcli.LoginAccessToken(auth.InstanceURL, alias)
		inv.Env = []string{"SF_ACCESS_TOKEN=" + auth.AccessToken}
	case config.AuthJWT:
		keyFile, err := a.writeSecretFile("server.key", auth.JWTKey)
		if err != nil {
			return "", configError("writing the JWT key", err)
		}
		defer os.Remove(keyFile)
		inv.Args = sfcli.LoginJWT(auth.ClientID, auth.Username, keyFile, auth.InstanceURL, alias)
		secretFile = keyFile
	}
	a.log.Group(fmt.Sprintf("Log in to Salesforce (%s)", auth.Method))
	defer a.log.EndGroup()
	start := a.deps.Now()
	out, err := runner.Run(ctx, inv)
	shown := slices.Clone(inv.Args)
	if i := slices.Index(shown, secretFile); secretFile != "" && i >= 0 {
		shown[i] = filepath.Base(secretFile)
	}
	att := result.Attempt{Kind: "login", Command: sfcli.CommandLine(shown), Start: start, Duration: a.deps.Now().Sub(start), ExitCode: -1}
	if ctx.Err() != nil {
		// A cancelled workflow stopped the login: that is no auth failure.
		att.Outcome, att.Decision = "canceled", "stop: the workflow was cancelled"
		a.run.Attempts = append(a.run.Attempts, att)
		return "", canceled("during login; nothing was deployed")
	}
	if err != nil {
		att.Outcome, att.Category = err.Error(), result.CategoryConfig
		a.run.Attempts = append(a.run.Attempts, att)
		return "", configError("running sf", err)
	}
	att.ExitCode = out.ExitCode
	a.maskLoginSecrets(out)
	if err := sfcli.Refusal(shown, out); err != nil {
		att.Outcome, att.Category, att.Decision = err.Error(), result.CategoryUnknown, "stop: sf refused the login command deploy-guard built"
		a.run.Attempts = append(a.run.Attempts, att)
		return "", a.refused(err.(*sfcli.UsageError))
	}
	if out.ExitCode == 0 && out.Envelope != nil && !out.Envelope.IsError() {
		a.username = gjson.GetBytes(out.Envelope.Result, "username").String()
		att.Outcome = "logged in as " + a.username
		a.run.Attempts = append(a.run.Attempts, att)
		a.log.Infof("Logged in to %s as %s", gjson.GetBytes(out.Envelope.Result, "instanceUrl").String(), gjson.GetBytes(out.Envelope.Result, "username").String())
		return alias, outcome{}
	}
	a.log.Untrusted("sf reported:", []byte(out.Describe()))
	a.log.Untrusted("sf stderr:", out.Stderr)
	v := a.classifier()(out, nil)
	// A login error no pattern recognises is about the credentials: the
	// error fallback (config for an sf error that is not a crash) does not
	// apply to a login.
	if v.Category == result.CategoryUnknown || v.Category == result.CategoryNone || v.Diagnosis.Fallback() {
		v.Category = result.CategoryAuth
	}
	att.Outcome, att.Category, att.Decision = out.Describe(), v.Category, "stop: login failed, nothing was deployed"
	a.run.Attempts = append(a.run.Attempts, att)
	d := v.Diagnosis
	d.Category = v.Category
	if d.Fix == "" || d.Fallback() {
		d.Fix = loginFix(auth.Method)
	}
	return "", outcome{end: &ending{code: ExitFailed, status: result.StatusFailed, category: v.Category,
		message: "Login to Salesforce failed: " + out.Describe(), errorText: out.Describe(), diagnosis: &d}}
}

func loginFix(m config.AuthMethod) string {
	switch m {
	case config.AuthSFDXURL:
		return "The auth URL's refresh token is expired or revoked. Log in again locally (sf org login web), then store the new URL from `sf org display --verbose --json` (result.sfdxAuthUrl) in the secret."
	case config.AuthJWT:
		return "Check that the connected app holds the certificate for this key, that the user is pre-authorized for the app, and that client-id and username are right."
	default:
		return "The access token is expired or invalid for this instance; create a new one and check instance-url."
	}
}

// maskLoginSecrets masks tokens that older CLIs print in the login result.
func (a *action) maskLoginSecrets(out *sfcli.Output) {
	if out.Envelope == nil {
		return
	}
	for _, field := range []string{"accessToken", "refreshToken", "clientSecret", "password"} {
		if v := gjson.GetBytes(out.Envelope.Result, field).String(); v != "" && !strings.HasPrefix(v, "[REDACTED]") {
			a.log.Mask(v)
		}
	}
}

// writeSecretFile puts a credential (a JWT key, an auth URL) in a 0600 file
// in a private 0700 directory outside the workspace; the caller removes it
// right after login.
func (a *action) writeSecretFile(name, key string) (string, error) {
	dir, err := a.privateDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if !strings.HasSuffix(key, "\n") {
		key += "\n"
	}
	return path, os.WriteFile(path, []byte(key), 0o600)
}
