// Package config turns the action's inputs into a validated Config.
//
// It is the only package that reads inputs. Every problem is reported at
// once, each naming the input, the bad value (unless secret) and the values
// that are accepted, so a user fixes the workflow in one round.
package config

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/sfcli"
)

// AuthMethod says how the action logs in to the org.
type AuthMethod string

// Authentication methods, one per set of inputs.
const (
	AuthSFDXURL     AuthMethod = "auth-url"
	AuthJWT         AuthMethod = "jwt"
	AuthAccessToken AuthMethod = "access-token"
	AuthTargetOrg   AuthMethod = "target-org"
)

// Mode is what kind of deployment to run.
type Mode string

// The modes.
const (
	ModeDeploy   Mode = "deploy"
	ModeValidate Mode = "validate"
	ModeQuick    Mode = "quick"
	// ModeDryRun is `sf project deploy start --dry-run`: a check-only
	// deployment at any test level, the one sf recommends for sandboxes.
	ModeDryRun Mode = "dry-run"
)

// Modes lists the accepted mode values.
var Modes = []string{string(ModeDeploy), string(ModeValidate), string(ModeQuick), string(ModeDryRun)}

// CheckOnly reports whether the mode never changes the org: validate and
// dry-run deploy nothing, so health checks and the breaker leave them alone.
func (m Mode) CheckOnly() bool { return m == ModeValidate || m == ModeDryRun }

// RetryOn says which failures are retried.
type RetryOn string

// Retry policies.
const (
	RetryTransient RetryOn = "transient"
	RetryNever     RetryOn = "never"
	RetryAny       RetryOn = "any"
)

// Fallback is the recovery strategy after a failed deployment.
type Fallback string

// Fallback strategies.
const (
	FallbackNone     Fallback = "none"
	FallbackValidate Fallback = "validate"
	FallbackPhased   Fallback = "phased"
	FallbackPartial  Fallback = "partial"
)

// Auth holds the credentials of exactly one method.
type Auth struct {
	Method      AuthMethod
	AuthURL     string
	JWTKey      string
	ClientID    string
	Username    string
	InstanceURL string
	AccessToken string
	TargetOrg   string
}

// Config is the validated set of inputs.
type Config struct {
	Auth Auth

	// WorkingDirectory is the Salesforce DX project directory, relative to the
	// workspace (as given; resolved by the caller).
	WorkingDirectory string
	SourceDirs       []string
	Manifest         string
	Metadata         []string
	// MetadataDir is a Metadata-API-format directory or zip (no
	// sfdx-project.json needed); SinglePackage says it holds one package.
	MetadataDir   string
	SinglePackage bool

	// PreDestructive and PostDestructive are destructiveChanges manifests
	// whose components are deleted before or after the deployment;
	// PurgeOnDelete skips the recycle bin.
	PreDestructive  string
	PostDestructive string
	PurgeOnDelete   bool
	IgnoreWarnings  bool
	IgnoreConflicts bool
	// APIVersion is the Metadata API version to deploy with ("62.0").
	APIVersion string
	// DeltaFrom, when set, deploys only what changed between it and DeltaTo
	// (git revisions), with the deletions as post-destructive changes.
	DeltaFrom, DeltaTo string
	// IgnoreErrors is sf's --ignore-errors: the deployment keeps what
	// succeeded. The app refuses it for a production org.
	IgnoreErrors bool
	// CoverageFormatters are sf's --coverage-formatters; the reports land
	// in the artifacts.
	CoverageFormatters []string

	Mode      Mode
	JobID     string
	TestLevel string
	Tests     []string
	// Wait is how long one deployment may run before the action stops waiting.
	Wait          time.Duration
	MaxAttempts   int
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	RetryOn       RetryOn
	ArtifactsDir  string
	// TimeBudget bounds the whole run: retries, reruns and fallbacks included.
	TimeBudget time.Duration
	Preflight  bool

	RerunFailedTests  bool
	Fallback          Fallback
	FoundationTypes   []string
	QuickFallback     bool
	CoverageThreshold float64
	// CoverageGate fails a check-only run whose coverage is under
	// CoverageThreshold.
	CoverageGate bool
	// TestSkeletons caps the failing test classes written for classes
	// under CoverageThreshold; 0 writes none.
	TestSkeletons     int
	ErrorCatalog      string
	HealthCheckTests  []string
	RollbackSourceDir string

	GitHubToken      string
	BreakerThreshold int
	BreakerWindow    int
	BreakerOverride  bool
	// BreakerCooldown is how long after the last failed deployment the open
	// breaker lets one deployment through (0: never).
	BreakerCooldown time.Duration
	// BreakerAsked is true when circuit-breaker-threshold was set: the
	// breaker then runs in check-only modes too (it is off there otherwise).
	BreakerAsked bool
	// OutcomeKey keys the MAC of the outcome line (see ghapi.OutcomeLine):
	// with it, no line anybody else prints counts for the breaker.
	OutcomeKey       string
	PostMortem       bool
	PostMortemLabels []string
	SlackWebhookURL  string
	SlackOnRecovery  bool
	PRComment        bool
	AlertOn          []string
	OTLPEndpoint     string
}

// Secrets returns every secret value the config holds, including the parts
// of the auth URL that are credentials on their own.
func (c *Config) Secrets() []string {
	s := []string{c.Auth.AuthURL, c.Auth.AccessToken, c.Auth.JWTKey, c.GitHubToken, c.SlackWebhookURL, c.OutcomeKey}
	s = append(s, AuthURLParts(c.Auth.AuthURL)...)
	s = append(s, TokenForms(c.GitHubToken)...)
	if u, err := url.Parse(c.SlackWebhookURL); err == nil && u.Path != "" && u.Path != "/" {
		s = append(s, u.Path, strings.TrimPrefix(u.Path, "/services/"))
	}
	var out []string
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

// OrgKey names the org the run deploys to, for the circuit breaker to tell
// orgs apart, without printing who or where: a hash of the instance host
// (auth-url, access-token), the username (jwt-key) or the alias
// (target-org). It is known before logging in.
func (a Auth) OrgKey() string {
	id := ""
	switch a.Method {
	case AuthSFDXURL:
		if at := strings.LastIndex(a.AuthURL, "@"); at >= 0 {
			id = "host:" + strings.ToLower(strings.TrimRight(a.AuthURL[at+1:], "/"))
		}
	case AuthAccessToken:
		if u, err := url.Parse(a.InstanceURL); err == nil {
			id = "host:" + strings.ToLower(u.Host)
		}
	case AuthJWT:
		id = "user:" + strings.ToLower(a.Username)
	case AuthTargetOrg:
		id = "alias:" + a.TargetOrg
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:6])
}

// TokenForms are the encodings a GitHub token is found in: base64 of the
// token, and of x-access-token:<token>, the HTTP basic credential
// actions/checkout keeps in .git/config's http.extraheader.
func TokenForms(token string) []string {
	if strings.TrimSpace(token) == "" {
		return nil
	}
	// The unpadded form is a prefix of the padded one: it masks both.
	return []string{base64.RawStdEncoding.EncodeToString([]byte(token)), base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))}
}

// AuthURLParts returns the client secret and refresh token of an SFDX auth
// URL (force://<clientId>:<clientSecret>:<refreshToken>@<instance>).

func AuthURLParts(authURL string) []string {
	rest, ok := strings.CutPrefix(authURL, "force://")
	if !ok {
		return nil
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return nil
	}
	fields := strings.SplitN(rest[:at], ":", 3)
	var out []string
	for _, f := range fields[1:] {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// InputError is one invalid input.
type InputError struct {
	Input string
	// Problem says what is wrong and how to fix it.
	Problem string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("input %q: %s", e.Input, e.Problem)
}

// Getenv looks up an environment variable.
type Getenv func(string) string

// parser collects input errors while reading values.
type parser struct {
	getenv Getenv
	errs   []error
}

func (p *parser) fail(input, format string, args ...any) {
	p.errs = append(p.errs, &InputError{Input: input, Problem: fmt.Sprintf(format, args...)})
}

// raw returns the trimmed input value, or its default.
func (p *parser) raw(input string) string {
	v := strings.TrimSpace(p.getenv(EnvName(input)))
	if v == "" {
		return Defaults[input]
	}
	return v
}

func (p *parser) str(input string) string { return p.raw(input) }

// list splits on commas and newlines, trimming blanks.
func (p *parser) list(input string) []string {
	return SplitList(p.raw(input))
}

// SplitList splits a comma- or newline-separated input value.
func SplitList(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (p *parser) boolean(input string) bool {
	switch v := strings.ToLower(p.raw(input)); v {
	case "true", "yes", "on", "1":
		return true
	case "false", "no", "off", "0", "":
		return false
	default:
		p.fail(input, "%q is not a boolean; use true or false", v)
		return false
	}
}

func (p *parser) integer(input string, min, max int) int {
	v := p.raw(input)
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		p.fail(input, "%q is not a whole number from %d to %d; use for example %q", v, min, max, Defaults[input])
		return min
	}
	return n
}

func (p *parser) number(input string, min, max float64) float64 {
	v := p.raw(input)
	f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
	if err != nil || math.IsNaN(f) || f < min || f > max {
		p.fail(input, "%q is not a number from %g to %g", v, min, max)
		return min
	}
	return f
}

// Durations follow one rule in every duration input (see README,
// "Durations"): a Go duration ("30s", "5m", "1h30m") is taken as written,
// and a bare number means minutes, as sf's --wait does, wherever a bare
// number is accepted (wait, time-budget, circuit-breaker-cooldown).
// retry-delay and max-retry-delay used to read a bare number as seconds, so
// they refuse one (but 0) instead of silently turning a workflow's 30 seconds
// into 30 minutes.

// duration reads a time that must carry its unit; a bare 0 is accepted.
func (p *parser) duration(input string, min, max time.Duration) time.Duration {
	v := p.raw(input)
	if _, err := strconv.ParseFloat(v, 64); err == nil && v != "0" {
		p.fail(input, "%q has no unit; write it with one, e.g. \"%ss\" for seconds or \"%sm\" for minutes (a bare number is refused here: it used to mean seconds, while wait, time-budget and circuit-breaker-cooldown read it as minutes)", v, v, v)
		return min
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < min || d > max {
		p.fail(input, "%q is not a duration from %s to %s; use for example \"30s\" or \"5m\"", v, min, max)
		return min
	}
	return d
}

// minutes reads a time in minutes: a bare number is minutes, as for wait
// (and sf's --wait); a Go duration ("90s", "2h30m") is taken as written.
func (p *parser) minutes(input string, min, max time.Duration) time.Duration {
	v := p.raw(input)
	d, err := time.ParseDuration(v)
	if err != nil {
		// Bound before converting: a float beyond int64 converts to an
		// arbitrary duration.
		if m, err2 := strconv.ParseFloat(v, 64); err2 == nil && m >= 0 && m <= max.Minutes() {
			d, err = time.Duration(m*float64(time.Minute)), nil
		}
	}
	if err != nil || d < min || d > max {
		p.fail(input, "%q is not a time from %s to %s; a bare number means minutes (like wait), or use a duration such as \"90m\" or \"2h\"", v, min, max)
		return min
	}
	return d
}

// wholeMinutes reads a time sf takes in whole minutes (--wait).
func (p *parser) wholeMinutes(input string, min, max time.Duration) time.Duration {
	n := len(p.errs)
	d := p.minutes(input, min, max)
	if len(p.errs) == n && d%time.Minute != 0 {
		p.fail(input, "%q is not a whole number of minutes; sf waits in whole minutes, so write e.g. \"%dm\"", p.raw(input), int(d.Minutes())+1)
		return min
	}
	return d
}

func (p *parser) enum(input string, accepted ...string) string {
	v := p.raw(input)
	for _, a := range accepted {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	p.fail(input, "%q is not one of: %s", v, strings.Join(accepted, ", "))
	return accepted[0]
}

// Test levels sf accepts for --test-level.
var TestLevels = []string{"NoTestRun", "RunSpecifiedTests", "RunLocalTests", "RunAllTestsInOrg", "RunRelevantTests"}

var (
	apiVersionRE    = regexp.MustCompile(`^[1-9][0-9]\.0$`)
	gitRevRE        = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._/@^~{}+-]*$`) // and maxGitRev bytes at most
	apexNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*){0,2}$`)
	aliasPattern    = regexp.MustCompile(`^[^\s"'` + "`" + `;|&$<>]+$`)
)

// Parse reads and validates every input. The error, if any, joins one
// *InputError per problem.
func Parse(getenv Getenv) (*Config, error) {
	p := &parser{getenv: getenv}
	c := &Config{
		WorkingDirectory:  p.str(InputWorkingDirectory),
		Manifest:          p.str(InputManifest),
		SourceDirs:        p.list(InputSourceDir),
		Metadata:          p.list(InputMetadata),
		MetadataDir:       p.str(InputMetadataDir),
		SinglePackage:     p.boolean(InputSinglePackage),
		PreDestructive:    p.str(InputPreDestructive),
		PostDestructive:   p.str(InputPostDestructive),
		PurgeOnDelete:     p.boolean(InputPurgeOnDelete),
		IgnoreWarnings:    p.boolean(InputIgnoreWarnings),
		IgnoreConflicts:   p.boolean(InputIgnoreConflicts),
		APIVersion:        p.str(InputAPIVersion),
		DeltaFrom:         p.str(InputDeltaFrom),
		DeltaTo:           p.str(InputDeltaTo),
		IgnoreErrors:      p.boolean(InputIgnoreErrors),
		CoverageGate:      p.boolean(InputCoverageGate),
		Mode:              Mode(p.enum(InputMode, Modes...)),
		JobID:             p.str(InputJobID),
		Tests:             p.list(InputTests),
		Wait:              p.wholeMinutes(InputWait, time.Minute, 24*time.Hour),
		MaxAttempts:       p.integer(InputMaxAttempts, 1, 10),
		RetryDelay:        p.duration(InputRetryDelay, 0, time.Hour),
		MaxRetryDelay:     p.duration(InputMaxRetryDelay, 0, 6*time.Hour),
		RetryOn:           RetryOn(p.enum(InputRetryOn, string(RetryTransient), string(RetryNever), string(RetryAny))),
		ArtifactsDir:      p.str(InputArtifactsDir),
		Preflight:         p.boolean(InputPreflight),
		RerunFailedTests:  p.boolean(InputRerunFailedTests),
		Fallback:          Fallback(p.enum(InputFallback, string(FallbackNone), string(FallbackValidate), string(FallbackPhased), string(FallbackPartial))),
		FoundationTypes:   p.list(InputFoundationTypes),
		QuickFallback:     p.boolean(InputQuickFallback),
		CoverageThreshold: p.number(InputCoverageThreshold, 0, 100),
		TestSkeletons:     p.integer(InputTestSkeletons, 0, 10000),
		ErrorCatalog:      p.str(InputErrorCatalog),
		HealthCheckTests:  p.list(InputHealthCheckTests),
		RollbackSourceDir: p.str(InputRollbackSourceDir),
		GitHubToken:       p.str(InputGitHubToken),
		BreakerThreshold:  p.integer(InputBreakerThreshold, 0, 100),
		BreakerWindow:     p.integer(InputBreakerWindow, 0, 100),
		BreakerOverride:   p.boolean(InputBreakerOverride),
		OutcomeKey:        p.str(InputOutcomeKey),
		BreakerCooldown:   p.minutes(InputBreakerCooldown, 0, 30*24*time.Hour),
		BreakerAsked:      strings.TrimSpace(getenv(EnvName(InputBreakerThreshold))) != "",
		PostMortem:        p.boolean(InputPostMortem),
		PostMortemLabels:  p.list(InputPostMortemLabels),
		SlackWebhookURL:   p.str(InputSlackWebhookURL),
		SlackOnRecovery:   p.boolean(InputSlackOnRecovery),
		PRComment:         p.boolean(InputPRComment),
		AlertOn:           p.list(InputAlertOn),
		OTLPEndpoint:      p.str(InputOTLPEndpoint),
	}
	if v := p.str(InputTestLevel); v != "" {
		c.TestLevel = p.enum(InputTestLevel, TestLevels...)
	}
	for _, f := range p.list(InputCoverageFormatters) {
		if !slices.Contains(sfcli.CoverageFormatters, f) {
			p.fail(InputCoverageFormatters, "%q is not a coverage format of the pinned sf CLI; use one or more of: %s (json for SonarQube, cobertura or lcovonly for most others)", f, strings.Join(sfcli.CoverageFormatters, ", "))
		} else if !slices.Contains(c.CoverageFormatters, f) {
			c.CoverageFormatters = append(c.CoverageFormatters, f)
		}
	}
	if p.raw(InputTimeBudget) != "" {
		c.TimeBudget = p.minutes(InputTimeBudget, 10*time.Second, 24*time.Hour)
	}
	p.auth(c)
	p.validate(c)
	if len(p.errs) > 0 {
		return c, errors.Join(p.errs...)
	}
	return c, nil
}

func (p *parser) auth(c *Config) {
	a := Auth{
		AuthURL:     p.str(InputAuthURL),
		JWTKey:      p.str(InputJWTKey),
		ClientID:    p.str(InputClientID),
		Username:    p.str(InputUsername),
		InstanceURL: p.str(InputInstanceURL),
		AccessToken: p.str(InputAccessToken),
		TargetOrg:   p.str(InputTargetOrg),
	}
	var methods []AuthMethod
	if a.AuthURL != "" {
		methods = append(methods, AuthSFDXURL)
	}
	if a.JWTKey != "" {
		methods = append(methods, AuthJWT)
	}
	if a.AccessToken != "" {
		methods = append(methods, AuthAccessToken)
	}
	// target-org names the org the other methods log in to (as an alias), so
	// it only counts as a method of its own when no credentials are given.
	if a.TargetOrg != "" && len(methods) == 0 {
		methods = append(methods, AuthTargetOrg)
	}
	const how = "set exactly one of auth-url, jwt-key (with client-id and username), access-token (with instance-url), or target-org (an org already logged in)"
	switch len(methods) {
	case 0:
		p.fail(InputAuthURL, "no authentication given; %s", how)
		c.Auth = a
		return
	case 1:
	default:
		names := make([]string, len(methods))
		for i, m := range methods {
			names[i] = string(m)
		}
		p.fail(string(methods[1]), "%s given together; %s", strings.Join(names, " and "), how)
	}
	a.Method = methods[0]
	switch a.Method {
	case AuthSFDXURL:
		if !strings.HasPrefix(a.AuthURL, "force://") || !strings.Contains(a.AuthURL, "@") {
			// Never echo the value: it is a credential.
			p.fail(InputAuthURL, "the value is not an SFDX auth URL; it must look like force://<clientId>:<clientSecret>:<refreshToken>@<instance> (get it with `sf org display --verbose --json`, field sfdxAuthUrl)")
		}
	case AuthJWT:
		if a.ClientID == "" {
			p.fail(InputClientID, "required with jwt-key: set the connected app's consumer key")
		}
		if a.Username == "" {
			p.fail(InputUsername, "required with jwt-key: set the username to log in as")
		}
		if !strings.Contains(a.JWTKey, "PRIVATE KEY") {
			p.fail(InputJWTKey, "the value is not a PEM private key; pass the key file's contents (-----BEGIN ... PRIVATE KEY-----), e.g. from a secret")
		}
	case AuthAccessToken:
		if a.InstanceURL == "" {
			p.fail(InputInstanceURL, "required with access-token: set the org's instance URL, e.g. https://mydomain.my.salesforce.com")
		}
		if strings.ContainsAny(a.AccessToken, " \t\r\n") {
			p.fail(InputAccessToken, "the value contains white space; pass the bare access token")
		}
	}
	if a.InstanceURL != "" {
		if u, err := url.Parse(a.InstanceURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.fail(InputInstanceURL, "%q is not a URL; use for example https://login.salesforce.com or https://mydomain.my.salesforce.com", a.InstanceURL)
		}
	}
	if a.TargetOrg != "" && !aliasPattern.MatchString(a.TargetOrg) {
		p.fail(InputTargetOrg, "%q is not a valid org alias or username", a.TargetOrg)
	}
	c.Auth = a
}

func (p *parser) validate(c *Config) {
	var targets []string
	if len(c.SourceDirs) > 0 {
		targets = append(targets, InputSourceDir)
	}
	if c.Manifest != "" {
		targets = append(targets, InputManifest)
	}
	if len(c.Metadata) > 0 {
		targets = append(targets, InputMetadata)
	}
	if c.MetadataDir != "" {
		targets = append(targets, InputMetadataDir)
	}
	if c.DeltaFrom != "" {
		targets = append(targets, InputDeltaFrom)
	}
	if len(targets) > 1 {
		p.fail(targets[1], "%s are mutually exclusive; set only one (or none to deploy the project's package directories)", strings.Join(targets, " and "))
	}
	p.deployFlags(c)
	for _, d := range append([]string{c.WorkingDirectory, c.Manifest, c.ArtifactsDir, c.ErrorCatalog, c.RollbackSourceDir, c.MetadataDir, c.PreDestructive, c.PostDestructive}, c.SourceDirs...) {
		if strings.ContainsRune(d, 0) {
			p.fail(InputWorkingDirectory, "paths must not contain NUL bytes")
		}
	}
	switch c.Mode {
	case ModeQuick:
		if c.JobID == "" {
			p.fail(InputJobID, "required with mode: quick; set the id of a validated deployment (0Af...), e.g. the deploy-id output of a validate run")
		}
	default:
		if c.JobID != "" {
			p.fail(InputJobID, "only used with mode: quick; remove it or set mode: quick")
		}
	}
	if c.JobID != "" && !sfcli.IsJobID(c.JobID) {
		p.fail(InputJobID, "%q is not a deployment id; it has 15 or 18 characters and starts with 0Af", c.JobID)
	}
	if c.TestLevel == "RunSpecifiedTests" && len(c.Tests) == 0 {
		p.fail(InputTests, "required with test-level: RunSpecifiedTests; list the Apex test classes, e.g. \"InvoiceTest,AccountServiceTest\"")
	}
	if len(c.Tests) > 0 && c.TestLevel != "" && c.TestLevel != "RunSpecifiedTests" {
		p.fail(InputTests, "only used with test-level: RunSpecifiedTests (test-level is %s)", c.TestLevel)
	}
	for _, t := range append(append([]string{}, c.Tests...), c.HealthCheckTests...) {
		if !apexNamePattern.MatchString(t) {
			p.fail(InputTests, "%q is not an Apex test class or Class.method name", t)
		}
	}
	if c.Mode == ModeValidate && c.TestLevel == "NoTestRun" {
		p.fail(InputTestLevel, "NoTestRun cannot be used with mode: validate; use RunSpecifiedTests, RunLocalTests or RunAllTestsInOrg, or mode: dry-run (a check-only deploy at any test level, the one for sandboxes)")
	}
	p.passThroughs(c)
	if c.MaxRetryDelay < c.RetryDelay {
		p.fail(InputMaxRetryDelay, "%s is shorter than retry-delay (%s); it caps the delay, so it must be at least as long", c.MaxRetryDelay, c.RetryDelay)
	}
	if c.BreakerThreshold > 0 && c.BreakerWindow < c.BreakerThreshold {
		p.fail(InputBreakerWindow, "%d is smaller than circuit-breaker-threshold (%d); the breaker could never open", c.BreakerWindow, c.BreakerThreshold)
	}
	if (c.Fallback == FallbackPhased || c.Fallback == FallbackPartial) && c.Mode != ModeDeploy {
		p.fail(InputFallback, "%s only applies to mode: deploy", c.Fallback)
	}
	if (c.Fallback == FallbackPhased || c.Fallback == FallbackPartial) && c.MetadataDir != "" {
		p.fail(InputFallback, "%s splits a source-format project by type; it cannot split metadata-dir, use fallback: none or validate", c.Fallback)
	}
	if c.Fallback == FallbackPhased || c.Fallback == FallbackPartial {
		// The first phase deploys types (--metadata) from the package
		// directories: sf takes no --metadata beside a source-dir or a
		// manifest, so it could not stay within the named source.
		for _, in := range []struct {
			name string
			set  bool
		}{{InputSourceDir, len(c.SourceDirs) > 0}, {InputManifest, c.Manifest != ""}, {InputMetadata, len(c.Metadata) > 0}} {
			if in.set {
				p.fail(InputFallback, "%s deploys its first phase by type from all the package directories, so it cannot keep to %s; remove %s (deploy the package directories) or use fallback: none or validate", c.Fallback, in.name, in.name)
			}
		}
	}
	if (c.Fallback == FallbackPhased || c.Fallback == FallbackPartial) && c.DeltaFrom != "" {
		p.fail(InputFallback, "%s redeploys by type from the whole source, not the delta; use fallback: none or validate with delta-from", c.Fallback)
	}
	if c.SlackWebhookURL != "" {
		if u, err := url.Parse(c.SlackWebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.fail(InputSlackWebhookURL, "the value is not an https URL; use the incoming webhook URL Slack gave you")
		}
	}
	if c.OTLPEndpoint != "" {
		if u, err := url.Parse(c.OTLPEndpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.fail(InputOTLPEndpoint, "%q is not an http(s) URL, e.g. http://otel-collector:4318", c.OTLPEndpoint)
		}
	}
	if c.TimeBudget == 0 {
		c.TimeBudget = DefaultTimeBudget(c.Wait, c.MaxAttempts, c.MaxRetryDelay)
	}
}

// deployFlags checks the inputs that become flags of the deploy command
// against the rules sf itself enforces, so a workflow learns them before
// anything is sent.
func (p *parser) deployFlags(c *Config) {
	destructive := c.PreDestructive != "" || c.PostDestructive != ""
	if c.DeltaFrom != "" {
		for _, r := range []struct{ name, v string }{{InputDeltaFrom, c.DeltaFrom}, {InputDeltaTo, c.DeltaTo}} {
			if !GitRevision(r.v) {
				p.fail(r.name, "%q is not a git revision; use a branch, tag or SHA such as origin/main or ${{ github.event.before }}", r.v)
			}
		}
		if c.PostDestructive != "" {
			p.fail(InputPostDestructive, "not used with delta-from: the delta's deletions are the post-destructive changes; remove it (pre-destructive-changes may stay)")
		}
		if c.Mode == ModeQuick {
			p.fail(InputDeltaFrom, "not used with mode: quick (the validation fixed the content); set it on the validate run")
		}
	}
	if c.Mode == ModeQuick {
		// A quick deploy sends a validated job: its content, deletions and
		// options were fixed by the validation.
		for _, in := range []struct {
			name string
			set  bool
		}{
			{InputPreDestructive, c.PreDestructive != ""}, {InputPostDestructive, c.PostDestructive != ""},
			{InputPurgeOnDelete, c.PurgeOnDelete}, {InputIgnoreWarnings, c.IgnoreWarnings}, {InputIgnoreConflicts, c.IgnoreConflicts},
			{InputMetadataDir, c.MetadataDir != ""}, {InputSinglePackage, c.SinglePackage},
		} {
			if in.set {
				p.fail(in.name, "not used with mode: quick (the validation being quick-deployed fixed the content and options); set it on the validate run instead")
			}
		}
		return
	}
	if destructive && c.Manifest == "" && c.DeltaFrom == "" {
		name := InputPreDestructive
		if c.PreDestructive == "" {
			name = InputPostDestructive
		}
		p.fail(name, "needs manifest: sf deletes components only together with a --manifest deployment; set manifest (a package.xml with no <types> deploys nothing but the deletions)")
	}
	if c.PurgeOnDelete && !destructive && c.MetadataDir == "" && c.DeltaFrom == "" {
		p.fail(InputPurgeOnDelete, "only applies to deletions; set pre-destructive-changes or post-destructive-changes (or metadata-dir holding destructiveChanges*.xml)")
	}
	if c.SinglePackage && c.MetadataDir == "" {
		p.fail(InputSinglePackage, "only applies with metadata-dir; set metadata-dir to the Metadata API folder or zip, or remove single-package")
	}
	if c.IgnoreConflicts && c.Mode == ModeValidate {
		p.fail(InputIgnoreConflicts, "not available with mode: validate (sf project deploy validate has no --ignore-conflicts); use mode: deploy or dry-run, or remove it")
	}
	if c.APIVersion != "" && !apiVersionRE.MatchString(c.APIVersion) {
		p.fail(InputAPIVersion, "%q is not an API version; use the form \"62.0\"", c.APIVersion)
	}
}

// RelevantTestsAPIVersion is the first Metadata API version that runs
// RunRelevantTests (Spring '26, API 66.0; beta).
const RelevantTestsAPIVersion = 66

// CheckRelevantTests refuses test-level RunRelevantTests when the API
// version the deployment uses (version, from input) is below
// RelevantTestsAPIVersion. An empty version is not known here: sf then uses
// the org's, which accepts it.
func CheckRelevantTests(testLevel, version, input string) error {
	if testLevel != "RunRelevantTests" || version == "" {
		return nil
	}
	major, err := strconv.Atoi(strings.TrimSuffix(version, ".0"))
	if err != nil || major >= RelevantTestsAPIVersion {
		return nil
	}
	return &InputError{Input: InputTestLevel, Problem: fmt.Sprintf("RunRelevantTests needs Metadata API %d.0 or later, and this deployment uses %s (%s); raise %s to \"%d.0\", or use RunLocalTests or RunSpecifiedTests", RelevantTestsAPIVersion, version, input, input, RelevantTestsAPIVersion)}
}

// passThroughs checks the sf flags passed through with rules of their own:
// ignore-errors, coverage-formatters and coverage-gate.
func (p *parser) passThroughs(c *Config) {
	if c.IgnoreErrors && c.Mode != ModeDeploy && c.Mode != ModeDryRun {
		p.fail(InputIgnoreErrors, "not available with mode: %s (only sf project deploy start has --ignore-errors); use mode: deploy or dry-run, or remove it", c.Mode)
	}
	if len(c.CoverageFormatters) > 0 && c.Mode == ModeQuick {
		p.fail(InputCoverageFormatters, "not used with mode: quick (a quick deploy runs no tests); set it on the validate run")
	}
	if c.CoverageGate && !c.Mode.CheckOnly() {
		p.fail(InputCoverageGate, "only applies to the check-only modes validate and dry-run (mode is %s); in a deployment the org enforces its own 75%%", c.Mode)
	}
	if c.CoverageGate && c.TestLevel == "NoTestRun" {
		p.fail(InputCoverageGate, "needs tests to measure coverage, and test-level is NoTestRun; set RunLocalTests or RunSpecifiedTests")
	}
	if err := CheckRelevantTests(c.TestLevel, c.APIVersion, InputAPIVersion); err != nil {
		p.errs = append(p.errs, err)
	}
}

// GitRevision reports whether s can be passed to git as a revision: what
// git accepts in practice (branches, tags, SHAs, HEAD~1, origin/main) and
// nothing that could be read as an option or a range.
func GitRevision(s string) bool {
	return len(s) <= maxGitRev && gitRevRE.MatchString(s) && !strings.Contains(s, "..")
}

// maxGitRev bounds a revision (a bounded repeat in gitRevRE would cost every
// start a third of a millisecond to compile).
const maxGitRev = 200

// DefaultTimeBudget bounds the whole run when the time-budget input is not
// set: every attempt may wait its full time, plus the delays between them,
// plus a margin for reruns and fallbacks.
func DefaultTimeBudget(wait time.Duration, attempts int, maxDelay time.Duration) time.Duration {
	return time.Duration(attempts)*wait + time.Duration(attempts-1)*maxDelay + 10*time.Minute
}
