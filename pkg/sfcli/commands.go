package sfcli

import (
	"math"
	"regexp"
	"strconv"
	"time"
)

// jobIDRE is the shape of a deployment job id: key prefix 0Af, 15 or 18
// characters.
var jobIDRE = regexp.MustCompile(`^0Af[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?$`)

// IsJobID reports whether id has the shape of a deployment job id. Anything
// else, from an input, sf or the org, is never passed to --job-id or
// followed.
func IsJobID(id string) bool { return jobIDRE.MatchString(id) }

// Target says what to deploy: at most one of the four is set. The action
// never sends an empty one to deploy or validate (app's target names the
// package directories instead); only quick deploys take none.
type Target struct {
	SourceDirs []string
	Manifest   string
	Metadata   []string
	// MetadataDir is a Metadata-API-format folder or zip.
	MetadataDir string
}

// Empty reports whether the target names nothing: sf would then refuse the
// validate command as usage ("Exactly one of the following must be
// provided"), so the action never sends one (see app's target).
func (t Target) Empty() bool {
	return len(t.SourceDirs) == 0 && t.Manifest == "" && len(t.Metadata) == 0 && t.MetadataDir == ""
}

// Options are the deploy flags beside the target and the tests.
type Options struct {
	// PreDestructive and PostDestructive are destructiveChanges manifests
	// (sf accepts them only with --manifest).
	PreDestructive, PostDestructive string
	PurgeOnDelete                   bool
	IgnoreWarnings                  bool
	// IgnoreConflicts exists for deploy start only (not validate).
	IgnoreConflicts bool
	// SinglePackage goes with MetadataDir.
	SinglePackage bool
	// APIVersion is --api-version ("62.0").
	APIVersion string
	// DryRun makes deploy start check-only (--dry-run).
	DryRun bool
	// IgnoreErrors is --ignore-errors, deploy start only.
	IgnoreErrors bool
}

// CoverageFormatters are the values the pinned CLI accepts for
// --coverage-formatters (testdata/sf-commands-2.150.6.json).
var CoverageFormatters = []string{"clover", "cobertura", "html-spa", "html", "json", "json-summary", "lcovonly", "none", "teamcity", "text", "text-summary"}

// DeploySpec describes a deployment.
type DeploySpec struct {
	Target
	Options
	TestLevel string
	Tests     []string
	TargetOrg string
}

// flags renders the spec for deploy start (start true) or validate: the
// two share every flag but --dry-run and --ignore-conflicts, which only
// start has.
func (s DeploySpec) flags(start bool) []string {
	var a []string
	if s.TargetOrg != "" {
		a = append(a, "--target-org", s.TargetOrg)
	}
	for _, d := range s.SourceDirs {
		a = append(a, "--source-dir", d)
	}
	if s.Manifest != "" {
		a = append(a, "--manifest", s.Manifest)
	}
	for _, m := range s.Metadata {
		a = append(a, "--metadata", m)
	}
	if s.MetadataDir != "" {
		a = append(a, "--metadata-dir", s.MetadataDir)
		if s.SinglePackage {
			a = append(a, "--single-package")
		}
	}
	if s.PreDestructive != "" {
		a = append(a, "--pre-destructive-changes", s.PreDestructive)
	}
	if s.PostDestructive != "" {
		a = append(a, "--post-destructive-changes", s.PostDestructive)
	}
	if s.PurgeOnDelete {
		a = append(a, "--purge-on-delete")
	}
	if s.IgnoreWarnings {
		a = append(a, "--ignore-warnings")
	}
	if start && s.IgnoreConflicts {
		a = append(a, "--ignore-conflicts")
	}
	if start && s.DryRun {
		a = append(a, "--dry-run")
	}
	if start && s.IgnoreErrors {
		a = append(a, "--ignore-errors")
	}
	if s.APIVersion != "" {
		a = append(a, "--api-version", s.APIVersion)
	}
	if s.TestLevel != "" {
		a = append(a, "--test-level", s.TestLevel)
	}
	// --tests is repeatable; a comma-separated value makes sf warn.
	for _, t := range s.Tests {
		a = append(a, "--tests", t)
	}
	return a
}

// DeployStart submits a deployment without waiting for it: the job id comes
// back at once, so a wait timeout or a cancellation can always name the job
// instead of starting a second deployment.
func DeployStart(s DeploySpec) []string {
	return append([]string{"project", "deploy", "start", "--async"}, s.flags(true)...)
}

// DeployValidate submits a check-only deployment (with tests) without waiting.
func DeployValidate(s DeploySpec) []string {
	return append([]string{"project", "deploy", "validate", "--async"}, s.flags(false)...)
}

// DeployQuick quick-deploys a validated job without waiting; of the spec
// only the org and the API version apply (the validation fixed the rest).
func DeployQuick(jobID string, s DeploySpec) []string {
	a := withOrg([]string{"project", "deploy", "quick", "--job-id", jobID, "--async"}, s.TargetOrg)
	if s.APIVersion != "" {
		a = append(a, "--api-version", s.APIVersion)
	}
	return a
}

// DeployReportWait waits up to wait for a job to finish and prints its
// status, finished or not. Unlike resume it needs no entry in the CLI's local
// job cache, so it follows any job in the org: one a quick deploy started
// (`quick --async` caches nothing), one adopted after a lost submit answer.
// Its exit code is 0 whatever the job's status: read result.status.
func DeployReportWait(jobID, targetOrg string, wait time.Duration) []string {
	return withOrg([]string{"project", "deploy", "report", "--job-id", jobID, "--wait", Minutes(wait)}, targetOrg)
}

// DeployReportCoverage writes the coverage reports of a finished job in
// formats into dir (sf puts them in dir/coverage/).
func DeployReportCoverage(jobID, targetOrg string, formats []string, dir string) []string {
	a := []string{"project", "deploy", "report", "--job-id", jobID}
	for _, f := range formats {
		a = append(a, "--coverage-formatters", f)
	}
	return withOrg(append(a, "--results-dir", dir), targetOrg)
}

// DataQuery runs a SOQL query on the data API.
func DataQuery(soql, targetOrg string) []string {
	return withOrg([]string{"data", "query", "--query", soql}, targetOrg)
}

// DataQueryTooling runs a SOQL query on the Tooling API.
func DataQueryTooling(soql, targetOrg string) []string {
	return withOrg([]string{"data", "query", "--use-tooling-api", "--query", soql}, targetOrg)
}

// DeployReport prints a job's current status without waiting.
func DeployReport(jobID, targetOrg string) []string {
	return withOrg([]string{"project", "deploy", "report", "--job-id", jobID}, targetOrg)
}

// DeployCancel asks the org to cancel a job and returns at once.
func DeployCancel(jobID, targetOrg string) []string {
	return withOrg([]string{"project", "deploy", "cancel", "--job-id", jobID, "--async"}, targetOrg)
}

// ApexRunTest runs the named tests ("Class" or "Class.method") and waits.
func ApexRunTest(tests []string, targetOrg string, wait time.Duration) []string {
	a := []string{"apex", "run", "test", "--wait", Minutes(wait)}
	for _, t := range tests {
		a = append(a, "--tests", t)
	}
	return withOrg(a, targetOrg)
}

// LoginSFDXURL logs in with the auth URL in file. Not stdin: the CLI
// (oclif's readStdin) gives up on stdin after 10 ms, so on a busy runner the
// login failed as INVALID_SFDX_AUTH_URL with a valid URL.
func LoginSFDXURL(file, alias string) []string {
	return []string{"org", "login", "sfdx-url", "--sfdx-url-file", file, "--alias", alias}
}

// LoginAccessToken logs in with the token in the SF_ACCESS_TOKEN environment
// variable of the call.
func LoginAccessToken(instanceURL, alias string) []string {
	return []string{"org", "login", "access-token", "--instance-url", instanceURL, "--no-prompt", "--alias", alias}
}

// LoginJWT logs in with a private key file.
func LoginJWT(clientID, username, keyFile, instanceURL, alias string) []string {
	a := []string{"org", "login", "jwt", "--client-id", clientID, "--username", username, "--jwt-key-file", keyFile, "--alias", alias}
	if instanceURL != "" {
		a = append(a, "--instance-url", instanceURL)
	}
	return a
}

// Logout removes the local authorization of an alias.
func Logout(alias string) []string {
	return []string{"org", "logout", "--target-org", alias, "--no-prompt"}
}

func withOrg(a []string, org string) []string {
	if org != "" {
		a = append(a, "--target-org", org)
	}
	return a
}

// Minutes renders d as whole minutes, rounded up, at least 1.
func Minutes(d time.Duration) string {
	m := int(math.Ceil(d.Minutes()))
	if m < 1 {
		m = 1
	}
	return strconv.Itoa(m)
}
