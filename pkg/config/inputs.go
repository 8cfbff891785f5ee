package config

// Input names: the action's public interface, exactly as in action.yml.
const (
	InputAuthURL          = "auth-url"
	InputJWTKey           = "jwt-key"
	InputClientID         = "client-id"
	InputUsername         = "username"
	InputInstanceURL      = "instance-url"
	InputAccessToken      = "access-token"
	InputTargetOrg        = "target-org"
	InputSourceDir        = "source-dir"
	InputManifest         = "manifest"
	InputMetadata         = "metadata"
	InputWorkingDirectory = "working-directory"
	InputMode             = "mode"
	InputJobID            = "job-id"
	InputTestLevel        = "test-level"
	InputTests            = "tests"
	InputWait             = "wait"
	InputMaxAttempts      = "max-attempts"
	InputRetryDelay       = "retry-delay"
	InputMaxRetryDelay    = "max-retry-delay"
	InputRetryOn          = "retry-on"
	InputArtifactsDir     = "artifacts-dir"
	InputTimeBudget       = "time-budget"
	InputPreflight        = "preflight"

	InputPreDestructive  = "pre-destructive-changes"
	InputPostDestructive = "post-destructive-changes"
	InputPurgeOnDelete   = "purge-on-delete"
	InputIgnoreWarnings  = "ignore-warnings"
	InputIgnoreConflicts = "ignore-conflicts"
	InputAPIVersion      = "api-version"
	InputMetadataDir     = "metadata-dir"
	InputSinglePackage   = "single-package"
	InputDeltaFrom       = "delta-from"
	InputDeltaTo         = "delta-to"

	InputRerunFailedTests  = "rerun-failed-tests"
	InputFallback          = "fallback"
	InputFoundationTypes   = "foundation-types"
	InputQuickFallback     = "quick-fallback"
	InputCoverageThreshold = "coverage-threshold"
	InputTestSkeletons     = "test-skeletons"
	InputErrorCatalog      = "error-catalog"
	InputHealthCheckTests  = "health-check-tests"
	InputRollbackSourceDir = "rollback-source-dir"

	InputGitHubToken      = "github-token"
	InputBreakerThreshold = "circuit-breaker-threshold"
	InputBreakerWindow    = "circuit-breaker-window"
	InputBreakerOverride  = "circuit-breaker-override"
	InputBreakerCooldown  = "circuit-breaker-cooldown"
	InputOutcomeKey       = "outcome-key"
	InputPostMortem       = "post-mortem"
	InputPostMortemLabels = "post-mortem-labels"
	InputSlackWebhookURL  = "slack-webhook-url"
	InputSlackOnRecovery  = "slack-on-recovery"
	InputPRComment        = "pr-comment"
	InputAlertOn          = "alert-on"
	InputOTLPEndpoint     = "otlp-endpoint"
)

// Pass-throughs of sf flags with rules of their own (issue 27).
const (
	// InputIgnoreErrors is sf's --ignore-errors (refused for production).
	InputIgnoreErrors = "ignore-errors"
	// InputCoverageFormatters is sf's --coverage-formatters.
	InputCoverageFormatters = "coverage-formatters"
	// InputCoverageGate fails a check-only run under coverage-threshold.
	InputCoverageGate = "coverage-gate"
)

// Defaults, as in action.yml. An empty input takes its default, so the binary
// behaves the same when run outside the runner (tests, the local demo).
var Defaults = map[string]string{
	InputWorkingDirectory:  ".",
	InputMode:              "deploy",
	InputWait:              "60",
	InputMaxAttempts:       "3",
	InputRetryDelay:        "30s",
	InputMaxRetryDelay:     "5m",
	InputRetryOn:           "transient",
	InputArtifactsDir:      "deploy-guard-artifacts",
	InputPreflight:         "true",
	InputPurgeOnDelete:     "false",
	InputIgnoreWarnings:    "false",
	InputIgnoreConflicts:   "false",
	InputSinglePackage:     "false",
	InputDeltaTo:           "HEAD",
	InputIgnoreErrors:      "false",
	InputCoverageGate:      "false",
	InputRerunFailedTests:  "true",
	InputFallback:          "none",
	InputFoundationTypes:   "CustomObject,CustomField",
	InputQuickFallback:     "false",
	InputCoverageThreshold: "75",
	InputTestSkeletons:     "25",
	InputBreakerThreshold:  "3",
	InputBreakerWindow:     "5",
	InputBreakerOverride:   "false",
	InputBreakerCooldown:   "60",
	InputPostMortem:        "false",
	InputPostMortemLabels:  "post-mortem,deployment-failure",
	InputSlackOnRecovery:   "false",
	InputPRComment:         "false",
}

// SecretInputs are masked before anything else is printed.
var SecretInputs = []string{
	InputAuthURL, InputAccessToken, InputJWTKey, InputGitHubToken, InputSlackWebhookURL, InputOutcomeKey,
}

// EnvName returns the environment variable the runner sets for an input:
// INPUT_ + upper case, spaces to underscores, hyphens kept.
func EnvName(input string) string {
	b := []byte("INPUT_" + input)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c == ' ':
			b[i] = '_'
		}
	}
	return string(b)
}
