package config

import (
	"errors"
	"fmt"
	"gopkg.in/yaml.v3"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/deploy-guard/internal/testkit"
)

// env returns a Getenv over inputs given by name ("max-attempts": "3").
// env is the environment the runner gives the action: the inputs set, and
// no other variable. Parse may read any input action.yml declares; reading
// anything else fails the test.
func env(inputs map[string]string) Getenv {
	m := map[string]string{}
	for k, v := range inputs {
		m[EnvName(k)] = v
	}
	return testkit.StrictEnv(strictT, m, declaredInputs...)
}

// strictT reports reads of undeclared variables; TestMain checks it.
var strictT = &undeclared{}

type undeclared struct {
	testing.TB
	mu   sync.Mutex
	keys []string
}

func (u *undeclared) Errorf(format string, args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.keys = append(u.keys, fmt.Sprintf(format, args...))
}

// declaredInputs are the INPUT_* names of every input in action.yml.
var declaredInputs = func() []string {
	b, err := os.ReadFile("../../action.yml")
	if err != nil {
		panic(err)
	}
	var a struct {
		Inputs map[string]any `yaml:"inputs"`
	}
	if err := yaml.Unmarshal(b, &a); err != nil {
		panic(err)
	}
	var out []string
	for name := range a.Inputs {
		out = append(out, EnvName(name))
	}
	return out
}()

func TestMain(m *testing.M) {
	code := m.Run()
	if len(strictT.keys) > 0 {
		fmt.Fprintf(os.Stderr, "Parse read variables action.yml does not declare:\n%s\n", strings.Join(strictT.keys, "\n"))
		code = 1
	}
	os.Exit(code)
}

const goodAuthURL = "force://PlatformCLI::5Aep861secretrefresh@mydomain.my.salesforce.com"

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(map[string]string{InputAuthURL: goodAuthURL}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"method", c.Auth.Method, AuthSFDXURL},
		{"mode", c.Mode, ModeDeploy},
		{"wait", c.Wait, 60 * time.Minute},
		{"max-attempts", c.MaxAttempts, 3},
		{"retry-delay", c.RetryDelay, 30 * time.Second},
		{"max-retry-delay", c.MaxRetryDelay, 5 * time.Minute},
		{"retry-on", c.RetryOn, RetryTransient},
		{"artifacts-dir", c.ArtifactsDir, "deploy-guard-artifacts"},
		{"working-directory", c.WorkingDirectory, "."},
		{"rerun-failed-tests", c.RerunFailedTests, true},
		{"preflight", c.Preflight, true},
		{"fallback", c.Fallback, FallbackNone},
		{"coverage-threshold", c.CoverageThreshold, 75.0},
		{"test-skeletons", c.TestSkeletons, 25},
		{"breaker threshold", c.BreakerThreshold, 3},
		{"breaker window", c.BreakerWindow, 5},
		{"foundation-types", strings.Join(c.FoundationTypes, ","), "CustomObject,CustomField"},
		{"labels", strings.Join(c.PostMortemLabels, ","), "post-mortem,deployment-failure"},
		{"time budget", c.TimeBudget, 3*60*time.Minute + 2*5*time.Minute + 10*time.Minute},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(map[string]string{
		InputAccessToken: "00D000000000001!AQ0AQtoken",
		InputInstanceURL: "http://127.0.0.1:8080",
		// No manifest: phased deploys the package directories (see
		// TestParseErrors "partial manifest").
		InputTestLevel:       "runspecifiedtests",
		InputTests:           "InvoiceTest, AccountServiceTest\nOrderTest",
		InputWait:            "15",
		InputMaxAttempts:     "5",
		InputRetryDelay:      "10s",
		InputRetryOn:         "ANY",
		InputTimeBudget:      "2h",
		InputFallback:        "phased",
		InputPreflight:       "false",
		InputMode:            "deploy",
		InputBreakerOverride: "yes",
	}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.Auth.Method != AuthAccessToken {
		t.Errorf("method = %s", c.Auth.Method)
	}
	if c.TestLevel != "RunSpecifiedTests" {
		t.Errorf("test level = %q, want canonical case", c.TestLevel)
	}
	if got := strings.Join(c.Tests, "|"); got != "InvoiceTest|AccountServiceTest|OrderTest" {
		t.Errorf("tests = %q", got)
	}
	if c.RetryDelay != 10*time.Second || c.Wait != 15*time.Minute || c.MaxAttempts != 5 {
		t.Errorf("durations: delay %s wait %s attempts %d", c.RetryDelay, c.Wait, c.MaxAttempts)
	}
	if c.RetryOn != RetryAny || c.TimeBudget != 2*time.Hour || c.Fallback != FallbackPhased || c.Preflight || !c.BreakerOverride {
		t.Errorf("unexpected config %+v", c)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	base := map[string]string{InputAuthURL: goodAuthURL}
	cases := []struct {
		name   string
		inputs map[string]string
		// wantInput is the input the error must name; wantText a fragment of the fix.
		wantInput, wantText string
	}{
		{"max-attempts word", map[string]string{InputMaxAttempts: "zero"}, InputMaxAttempts, "from 1 to 10"},
		{"max-attempts zero", map[string]string{InputMaxAttempts: "0"}, InputMaxAttempts, "from 1 to 10"},
		{"negative wait", map[string]string{InputWait: "-1"}, InputWait, "from 1m0s to 24h0m0s"},
		{"mode typo", map[string]string{InputMode: "deplyo"}, InputMode, "deploy, validate, quick"},
		{"retry-on", map[string]string{InputRetryOn: "sometimes"}, InputRetryOn, "transient, never, any"},
		{"retry-delay", map[string]string{InputRetryDelay: "soon"}, InputRetryDelay, "duration"},
		{"max below delay", map[string]string{InputRetryDelay: "2m", InputMaxRetryDelay: "1m"}, InputMaxRetryDelay, "at least as long"},
		{"boolean", map[string]string{InputRerunFailedTests: "maybe"}, InputRerunFailedTests, "true or false"},
		{"test level", map[string]string{InputTestLevel: "RunSomeTests"}, InputTestLevel, "RunLocalTests"},
		{"specified without tests", map[string]string{InputTestLevel: "RunSpecifiedTests"}, InputTests, "required"},
		{"tests with other level", map[string]string{InputTestLevel: "RunLocalTests", InputTests: "A"}, InputTests, "only used"},
		{"bad test name", map[string]string{InputTests: "A;rm -rf"}, InputTests, "not an Apex"},
		{"quick without job", map[string]string{InputMode: "quick"}, InputJobID, "required"},
		{"bad job id", map[string]string{InputMode: "quick", InputJobID: "12345"}, InputJobID, "0Af"},
		{"job id without quick", map[string]string{InputJobID: "0Af000000000001AAA"}, InputJobID, "only used"},
		{"two targets", map[string]string{InputManifest: "p.xml", InputSourceDir: "force-app"}, InputManifest, "mutually exclusive"},
		{"validate notestrun", map[string]string{InputMode: "validate", InputTestLevel: "NoTestRun"}, InputTestLevel, "cannot be used"},
		{"coverage", map[string]string{InputCoverageThreshold: "120"}, InputCoverageThreshold, "from 0 to 100"},
		{"skeletons", map[string]string{InputTestSkeletons: "-1"}, InputTestSkeletons, "whole number from 0 to 10000"},
		{"breaker window", map[string]string{InputBreakerThreshold: "4", InputBreakerWindow: "2"}, InputBreakerWindow, "never open"},
		{"phased validate", map[string]string{InputFallback: "phased", InputMode: "validate"}, InputFallback, "mode: deploy"},
		{"slack url", map[string]string{InputSlackWebhookURL: "not a url"}, InputSlackWebhookURL, "https URL"},
		{"budget", map[string]string{InputTimeBudget: "5s"}, InputTimeBudget, "duration"},
		{"budget word", map[string]string{InputTimeBudget: "soon"}, InputTimeBudget, "a bare number means minutes"},
		{"destructive without manifest", map[string]string{InputPostDestructive: "d.xml"}, InputPostDestructive, "needs manifest"},
		{"pre destructive without manifest", map[string]string{InputSourceDir: "force-app", InputPreDestructive: "d.xml"}, InputPreDestructive, "needs manifest"},
		{"purge without deletions", map[string]string{InputPurgeOnDelete: "true"}, InputPurgeOnDelete, "only applies to deletions"},
		{"single-package without metadata-dir", map[string]string{InputSinglePackage: "true"}, InputSinglePackage, "only applies with metadata-dir"},
		{"metadata-dir and manifest", map[string]string{InputMetadataDir: "mdapi", InputManifest: "p.xml"}, InputMetadataDir, "mutually exclusive"},
		{"ignore-conflicts with validate", map[string]string{InputMode: "validate", InputIgnoreConflicts: "true"}, InputIgnoreConflicts, "deploy or dry-run"},
		{"api version", map[string]string{InputAPIVersion: "v62"}, InputAPIVersion, `"62.0"`},
		{"quick with deletions", map[string]string{InputMode: "quick", InputJobID: "0Af000000000001AAA", InputManifest: "p.xml", InputPostDestructive: "d.xml"}, InputPostDestructive, "set it on the validate run"},
		{"phased metadata-dir", map[string]string{InputFallback: "phased", InputMetadataDir: "mdapi"}, InputFallback, "cannot split metadata-dir"},
		{"delta with manifest", map[string]string{InputDeltaFrom: "origin/main", InputManifest: "p.xml"}, InputDeltaFrom, "mutually exclusive"},
		{"delta option-like ref", map[string]string{InputDeltaFrom: "--output=/etc"}, InputDeltaFrom, "not a git revision"},
		{"delta range", map[string]string{InputDeltaFrom: "main..feature"}, InputDeltaFrom, "not a git revision"},
		{"delta-to option-like", map[string]string{InputDeltaFrom: "main", InputDeltaTo: "-x"}, InputDeltaTo, "not a git revision"},
		{"delta with post-destructive", map[string]string{InputDeltaFrom: "main", InputPostDestructive: "d.xml"}, InputPostDestructive, "the delta's deletions"},
		{"delta with quick", map[string]string{InputMode: "quick", InputJobID: "0Af000000000001AAA", InputDeltaFrom: "main"}, InputDeltaFrom, "not used with mode: quick"},
		{"delta phased", map[string]string{InputDeltaFrom: "main", InputFallback: "partial"}, InputFallback, "not the delta"},
		{"phased source-dir", map[string]string{InputFallback: "phased", InputSourceDir: "force-app"}, InputFallback, "cannot keep to source-dir"},
		{"partial manifest", map[string]string{InputFallback: "partial", InputManifest: "p.xml"}, InputFallback, "cannot keep to manifest"},
		{"phased metadata", map[string]string{InputFallback: "phased", InputMetadata: "ApexClass"}, InputFallback, "remove metadata"},
		{"validate notestrun points at dry-run", map[string]string{InputMode: "validate", InputTestLevel: "NoTestRun"}, InputTestLevel, "mode: dry-run"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]string{}
			for k, v := range base {
				in[k] = v
			}
			for k, v := range tc.inputs {
				in[k] = v
			}
			_, err := Parse(env(in))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *InputError", err)
			}
			if !strings.Contains(err.Error(), `input "`+tc.wantInput+`"`) || !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error = %q, want it to name %q and say %q", err, tc.wantInput, tc.wantText)
			}
		})
	}
}

func TestParseAuth(t *testing.T) {
	t.Parallel()
	const key = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"
	cases := []struct {
		name       string
		inputs     map[string]string
		wantMethod AuthMethod
		wantErr    string
	}{
		{"none", map[string]string{}, "", "no authentication given"},
		{"auth url", map[string]string{InputAuthURL: goodAuthURL}, AuthSFDXURL, ""},
		{"auth url with alias", map[string]string{InputAuthURL: goodAuthURL, InputTargetOrg: "prod"}, AuthSFDXURL, ""},
		{"bad auth url", map[string]string{InputAuthURL: "https://x"}, "", "force://"},
		{"jwt", map[string]string{InputJWTKey: key, InputClientID: "3MVG", InputUsername: "ci@example.com"}, AuthJWT, ""},
		{"jwt without client", map[string]string{InputJWTKey: key, InputUsername: "ci@example.com"}, "", `input "client-id"`},
		{"jwt not a key", map[string]string{InputJWTKey: "abc", InputClientID: "3MVG", InputUsername: "u"}, "", "PEM private key"},
		{"token", map[string]string{InputAccessToken: "00D!x", InputInstanceURL: "https://x.my.salesforce.com"}, AuthAccessToken, ""},
		{"token without instance", map[string]string{InputAccessToken: "00D!x"}, "", `input "instance-url"`},
		{"target org", map[string]string{InputTargetOrg: "prod"}, AuthTargetOrg, ""},
		{"two methods", map[string]string{InputAuthURL: goodAuthURL, InputAccessToken: "00D!x", InputInstanceURL: "https://x"}, "", "given together"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(env(tc.inputs))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if c.Auth.Method != tc.wantMethod {
				t.Errorf("method = %q, want %q", c.Auth.Method, tc.wantMethod)
			}
		})
	}
}

func TestErrorsNeverEchoSecrets(t *testing.T) {
	t.Parallel()
	secret := "force:/broken-secret-value-123"
	_, err := Parse(env(map[string]string{InputAuthURL: secret}))
	if err == nil || strings.Contains(err.Error(), "broken-secret-value") {
		t.Fatalf("err = %v; must reject the value without printing it", err)
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(map[string]string{
		InputAuthURL:         "force://PlatformCLI:clientsecret99:refreshtoken42@x.my.salesforce.com",
		InputGitHubToken:     "ghs_abcdef",
		InputSlackWebhookURL: "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.Secrets(), "\n")
	// The token's base64 forms (issue 28): alone, and actions/checkout's
	// http.extraheader credential, base64 of x-access-token:ghs_abcdef.
	for _, want := range []string{"clientsecret99", "refreshtoken42", "ghs_abcdef", "T000/B000/XXXXSECRET", "Z2hzX2FiY2RlZg", "eC1hY2Nlc3MtdG9rZW46Z2hzX2FiY2RlZg=="} {
		if !strings.Contains(got, want) {
			t.Errorf("Secrets() lacks %q", want)
		}
	}
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	if got := EnvName("max-attempts"); got != "INPUT_MAX-ATTEMPTS" {
		t.Errorf("EnvName = %q", got)
	}
	if got := EnvName("a b"); got != "INPUT_A_B" {
		t.Errorf("EnvName = %q", got)
	}
}

// Each deploy-flag input reaches the Config; dry-run takes any test level.
func TestParseDeployFlags(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(map[string]string{
		InputAuthURL: goodAuthURL, InputMode: "dry-run", InputTestLevel: "NoTestRun",
		InputManifest: "manifest/package.xml", InputPreDestructive: "manifest/pre.xml", InputPostDestructive: "manifest/post.xml",
		InputPurgeOnDelete: "true", InputIgnoreWarnings: "true", InputIgnoreConflicts: "true", InputAPIVersion: "61.0",
	}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.Mode != ModeDryRun || !c.Mode.CheckOnly() || c.TestLevel != "NoTestRun" {
		t.Errorf("mode %s (check-only %v), test level %q", c.Mode, c.Mode.CheckOnly(), c.TestLevel)
	}
	if c.PreDestructive != "manifest/pre.xml" || c.PostDestructive != "manifest/post.xml" || !c.PurgeOnDelete ||
		!c.IgnoreWarnings || !c.IgnoreConflicts || c.APIVersion != "61.0" {
		t.Errorf("deploy flags not read: %+v", c)
	}
	md, err := Parse(env(map[string]string{InputAuthURL: goodAuthURL, InputMetadataDir: "mdapi", InputSinglePackage: "true", InputPurgeOnDelete: "true"}))
	if err != nil {
		t.Fatalf("Parse metadata-dir: %v", err)
	}
	if md.MetadataDir != "mdapi" || !md.SinglePackage || !md.PurgeOnDelete {
		t.Errorf("metadata-dir inputs not read: %+v", md)
	}
	for _, m := range []Mode{ModeDeploy, ModeQuick} {
		if m.CheckOnly() {
			t.Errorf("%s must not be check-only", m)
		}
	}
}

// Every duration input follows one rule: a duration is taken as written, a
// bare number is minutes where one is accepted, and refused with the units
// to write where it used to mean seconds (retry-delay, max-retry-delay).
func TestDurationUnits(t *testing.T) {
	get := map[string]func(*Config) time.Duration{
		InputWait:            func(c *Config) time.Duration { return c.Wait },
		InputTimeBudget:      func(c *Config) time.Duration { return c.TimeBudget },
		InputBreakerCooldown: func(c *Config) time.Duration { return c.BreakerCooldown },
		InputRetryDelay:      func(c *Config) time.Duration { return c.RetryDelay },
		InputMaxRetryDelay:   func(c *Config) time.Duration { return c.MaxRetryDelay },
	}
	for _, tc := range []struct {
		input, value string
		want         time.Duration
		// wantErr is a fragment of the refusal; empty means accepted.
		wantErr string
	}{
		{InputWait, "30", 30 * time.Minute, ""},
		{InputWait, "30m", 30 * time.Minute, ""},
		{InputWait, "2h", 2 * time.Hour, ""},
		{InputWait, "90s", 0, `write e.g. "2m"`},
		{InputWait, "1.5", 0, "whole number of minutes"},
		{InputWait, "0", 0, "from 1m0s"},
		{InputTimeBudget, "30", 30 * time.Minute, ""},
		{InputTimeBudget, "30m", 30 * time.Minute, ""},
		{InputTimeBudget, "90s", 90 * time.Second, ""},
		{InputBreakerCooldown, "30", 30 * time.Minute, ""},
		{InputBreakerCooldown, "30m", 30 * time.Minute, ""},
		{InputBreakerCooldown, "0", 0, ""},
		{InputBreakerCooldown, "1h", time.Hour, ""},
		{InputRetryDelay, "30s", 30 * time.Second, ""},
		{InputRetryDelay, "2m", 2 * time.Minute, ""},
		{InputRetryDelay, "0", 0, ""},
		{InputRetryDelay, "30", 0, `write it with one, e.g. "30s" for seconds or "30m" for minutes`},
		{InputRetryDelay, "1.5", 0, `"1.5s" for seconds`},
		{InputMaxRetryDelay, "300", 0, `e.g. "300s" for seconds or "300m" for minutes`},
		{InputMaxRetryDelay, "5m", 5 * time.Minute, ""},
	} {
		t.Run(tc.input+"="+tc.value, func(t *testing.T) {
			c, err := Parse(env(map[string]string{InputAuthURL: goodAuthURL, tc.input: tc.value, InputMaxRetryDelay: map[bool]string{true: tc.value, false: "6h"}[tc.input == InputMaxRetryDelay]}))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), `input "`+tc.input+`"`) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error naming %s and saying %q", err, tc.input, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := get[tc.input](c); got != tc.want {
				t.Errorf("%s = %s, want %s", tc.input, got, tc.want)
			}
		})
	}
}

// A bare number of time-budget means minutes, as wait does.
func TestTimeBudgetMinutes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"170", 170 * time.Minute},
		{"1.5", 90 * time.Second},
		{"90s", 90 * time.Second},
		{"2h30m", 150 * time.Minute},
	} {
		c, err := Parse(env(map[string]string{InputAuthURL: goodAuthURL, InputTimeBudget: tc.in}))
		if err != nil {
			t.Fatalf("time-budget %q: %v", tc.in, err)
		}
		if c.TimeBudget != tc.want {
			t.Errorf("time-budget %q = %s, want %s", tc.in, c.TimeBudget, tc.want)
		}
	}
}

func TestParseDelta(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(map[string]string{InputAuthURL: goodAuthURL, InputDeltaFrom: "0123abc", InputPreDestructive: "pre.xml", InputPurgeOnDelete: "true"}))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.DeltaFrom != "0123abc" || c.DeltaTo != "HEAD" || c.PreDestructive != "pre.xml" || !c.PurgeOnDelete {
		t.Errorf("delta inputs: from %q to %q pre %q purge %v", c.DeltaFrom, c.DeltaTo, c.PreDestructive, c.PurgeOnDelete)
	}
	for _, ok := range []string{"main", "origin/release-1.2", "HEAD~3", "v1.0^{commit}", "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2", "refs/heads/main", strings.Repeat("a", 200)} {
		if !GitRevision(ok) {
			t.Errorf("GitRevision(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "-c", "--upload-pack=x", "main..evil", "a b", "main;id", strings.Repeat("a", 201)} {
		if GitRevision(bad) {
			t.Errorf("GitRevision(%q) = true", bad)
		}
	}
}
