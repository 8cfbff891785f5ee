package sfcli

import (
	"os"
	"path/filepath"
	"testing"
)

func output(t *testing.T, stdout, stderr string, exit int, signal string) *Output {
	t.Helper()
	o := &Output{Stdout: []byte(stdout), Stderr: []byte(stderr), ExitCode: exit, Signal: signal}
	if stdout != "" {
		env, err := ParseEnvelope([]byte(stdout))
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
		o.Envelope = env
	}
	return o
}

func TestRefused(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sf", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cases := []struct {
		name           string
		stdout, stderr string
		exit           int
		signal         string
		refused, org   bool
		words          string
	}{
		{name: "real-sf/17 nonexistent flag, exit 2", stdout: read("real-sf/17-sfv2-deploy-error-nonexistent-flag-exit2.json"), exit: 2,
			refused: true, words: "Nonexistent flag: --loglevel\nSee more help with --help"},
		{name: "no source named (issue 24)", exit: 2, refused: true,
			stdout: `{"name":"Error","message":"Exactly one of the following must be provided: --manifest, --metadata, --metadata-dir, --source-dir\nSee more help with --help","exitCode":2,"status":2}`,
			words:  "Exactly one of the following must be provided: --manifest, --metadata, --metadata-dir, --source-dir\nSee more help with --help"},
		{name: "flag value outside its list, exit 1", stdout: read("validate-flag-parse-error-Error-code-string.json"), exit: 1, refused: true,
			words: "Expected --test-level=NoTestRun to be one of: RunAllTestsInOrg, RunLocalTests, RunSpecifiedTests, RunRelevantTests\nSee more help with --help"},
		{name: "exclusive flags, exit 1", exit: 1, refused: true,
			stdout: `{"name":"Error","message":"--manifest=a.xml cannot also be provided when using --source-dir","exitCode":1,"status":1}`,
			words:  "--manifest=a.xml cannot also be provided when using --source-dir"},
		{name: "parser words on stderr, no JSON", stderr: "Warning: something\nError: Unexpected argument: extra\nSee more help with --help", exit: 2, refused: true,
			words: "Warning: something\nError: Unexpected argument: extra\nSee more help with --help"},
		{name: "unknown org for --target-org", exit: 1, refused: true, org: true,
			stdout: `{"name":"NamedOrgNotFoundError","message":"Parsing --target-org \n        No authorization information found for prod.\nSee more help with --help","exitCode":1,"status":1}`,
			words:  "NamedOrgNotFoundError: Parsing --target-org \n        No authorization information found for prod.\nSee more help with --help"},
		{name: "a failed deployment is no refusal", exit: 1, stdout: read("deploy-start-component-failure-single.json")},
		{name: "an org message quoting parser words in a result is no refusal", exit: 1,
			stdout: `{"status":1,"result":{"id":"0Af000000000001AAA","status":"Failed","done":true,"success":false,"errorMessage":"Missing required flag in Flow"}}`},
		{name: "a thrown deploy error is no refusal", exit: 1, stdout: read("validate-failed-FailedValidationError.json")},
		{name: "killed by a signal", exit: 130, signal: "SIGINT", stderr: "Nonexistent flag: --x"},
		{name: "success", exit: 0, stdout: read("deploy-start-success.json")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := output(t, tc.stdout, tc.stderr, tc.exit, tc.signal)
			words, ok := o.Refused()
			if ok != tc.refused || words != tc.words {
				t.Fatalf("Refused() = %q, %v; want %q, %v", words, ok, tc.words, tc.refused)
			}
			err := Refusal([]string{"project", "deploy", "start", "--async"}, o)
			if (err != nil) != tc.refused || IsRefused(err) != tc.refused {
				t.Fatalf("Refusal() = %v", err)
			}
			if err == nil {
				return
			}
			u := err.(*UsageError)
			if u.Command != "sf project deploy start --async" || u.ExitCode != tc.exit || u.OrgFlag() != tc.org {
				t.Errorf("UsageError %+v, OrgFlag %v; want org %v", u, u.OrgFlag(), tc.org)
			}
		})
	}
}
