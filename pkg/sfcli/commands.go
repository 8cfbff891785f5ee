package sfcli

import (
	"math"
	"strconv"
	"time"
)

// Target says what to deploy: at most one of the three is set; none means
// the project's package directories.
type Target struct {
	SourceDirs []string
	Manifest   string
	Metadata   []string
}

// DeploySpec describes a deployment.
type DeploySpec struct {
	Target
	TestLevel string
	Tests     []string
	TargetOrg string
}

func (s DeploySpec) flags() []string {
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
	return append([]string{"project", "deploy", "start", "--async"}, s.flags()...)
}

// DeployValidate submits a check-only deployment (with tests) without waiting.
func DeployValidate(s DeploySpec) []string {
	return append([]string{"project", "deploy", "validate", "--async"}, s.flags()...)
}

// DeployQuick quick-deploys a validated job without waiting.
func DeployQuick(jobID, targetOrg string) []string {
	return withOrg([]string{"project", "deploy", "quick", "--job-id", jobID, "--async"}, targetOrg)
}

// DeployResume waits up to wait for a submitted job to finish. sf counts the
// wait in whole minutes (at least 1).
func DeployResume(jobID string, wait time.Duration) []string {
	return []string{"project", "deploy", "resume", "--job-id", jobID, "--wait", Minutes(wait)}
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

// LoginSFDXURL logs in with an auth URL that the caller writes to stdin.
func LoginSFDXURL(alias string) []string {
	return []string{"org", "login", "sfdx-url", "--sfdx-url-stdin", "-", "--alias", alias, "--set-default"}
}

// LoginAccessToken logs in with the token in the SF_ACCESS_TOKEN environment
// variable of the call.
func LoginAccessToken(instanceURL, alias string) []string {
	return []string{"org", "login", "access-token", "--instance-url", instanceURL, "--no-prompt", "--alias", alias, "--set-default"}
}

// LoginJWT logs in with a private key file.
func LoginJWT(clientID, username, keyFile, instanceURL, alias string) []string {
	a := []string{"org", "login", "jwt", "--client-id", clientID, "--username", username, "--jwt-key-file", keyFile, "--alias", alias, "--set-default"}
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
