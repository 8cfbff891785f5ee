package sfcli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/redact"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sf", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseEnvelopeFixtures(t *testing.T) {
	cases := []struct {
		file      string
		status    int
		isError   bool
		name      string
		deployID  string
		resStatus string
	}{
		{"apex-run-test-async-testRunId-reconstructed.json", 0, false, "", "", ""},
		{"apex-run-test-failure-status100.json", 100, false, "", "", ""},
		{"apex-run-test-pass-aggregated-coverage.json", 0, false, "", "", ""},
		{"auth-jwt-JwtGrantError-reconstructed.json", 1, true, "JwtGrantError", "", ""},
		{"auth-refresh-token-expired-RefreshTokenAuthError-reconstructed.json", 1, true, "RefreshTokenAuthError", "", ""},
		{"auth-sfdx-url-invalid-INVALID_SFDX_AUTH_URL-reconstructed.json", 1, true, "INVALID_SFDX_AUTH_URL", "", ""},
		{"captured-deploy-start-component-failure-cli2.150.6.json", 1, false, "", "0Af000000000001AAA", "Failed"},
		{"captured-deploy-start-soap-fault-INVALID_SESSION_ID-cli2.150.6.json", 1, true, "sf:INVALID_SESSION_ID", "", ""},
		{"captured-deploy-start-soap-fault-UNABLE_TO_LOCK_ROW-cli2.150.6.json", 1, true, "sf:UNABLE_TO_LOCK_ROW", "", ""},
		{"captured-deploy-start-success-cli2.150.6.json", 0, false, "", "0Af000000000001AAA", "Succeeded"},
		{"deploy-report-failed-validation-status0.json", 0, false, "", "0AfTY000003o1Dh0AI", "Failed"},
		{"deploy-report-inprogress-reconstructed.json", 0, false, "", "0Af5g00000ABCDEFGH", "InProgress"},
		{"deploy-start-async-queued-reconstructed.json", 0, false, "", "0Af5g00000ABCDEFGH", "Queued"},
		{"deploy-start-component-failure-single.json", 1, false, "", "0AfTY000003o1bt0AA", "Failed"},
		{"deploy-start-conflicts-SourceConflictError-reconstructed.json", 1, true, "SourceConflictError", "", ""},
		{"deploy-start-coverage-failure-reconstructed.json", 1, false, "", "0Af5g00000ABCDEFGH", "Failed"},
		{"deploy-start-dryrun-component-failure.json", 1, false, "", "0AfIi000000oo38KAA", "Failed"},
		{"deploy-start-dryrun-test-failures-coverage.json", 1, false, "", "0AfIi000000onyXKAQ", "Failed"},
		{"deploy-start-multiple-component-failures-reconstructed.json", 1, false, "", "0Af5g00000ABCDEFGH", "Failed"},
		{"deploy-start-partial-success-68-reconstructed.json", 68, false, "", "0Af5g00000ABCDEFGH", "SucceededPartial"},
		{"deploy-start-success-2026-numberFiles.json", 0, false, "", "0AfUD00000H3v6P0AR", "Succeeded"},
		{"deploy-start-success.json", 0, false, "", "0AfRt00000PqprFKAR", "Succeeded"},
		{"deploy-start-wait-timeout-ClientTimeoutError-reconstructed.json", 1, true, "ClientTimeoutError", "0Af5g00000ABCDEFGH", ""},
		{"legacy-2023-validate-FailedValidationError-numeric-code-excerpt.json", 1, true, "FailedValidationError", "", ""},
		{"legacy-sfdx7-INVALID_SESSION_ID-error-excerpt.json", 1, true, "Error", "", ""},
		{"validate-failed-FailedValidationError.json", 1, true, "FailedValidationError", "0AfUD00000H3JAn0AN", ""},
		{"validate-flag-parse-error-Error-code-string.json", 1, true, "Error", "", ""},
		{"validate-success-tests-coverage-flowcoverage.json", 0, false, "", "0AfUD00000H3uyL0AR", "Succeeded"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			e, err := ParseEnvelope(readFixture(t, tc.file))
			if err != nil {
				t.Fatalf("ParseEnvelope: %v", err)
			}
			if e.Status != tc.status || e.IsError() != tc.isError || e.Name != tc.name {
				t.Errorf("status %d error %v name %q; want %d %v %q", e.Status, e.IsError(), e.Name, tc.status, tc.isError, tc.name)
			}
			if tc.deployID != "" && e.DeployID() != tc.deployID {
				t.Errorf("DeployID = %q, want %q", e.DeployID(), tc.deployID)
			}
			if e.ResultStatus() != tc.resStatus {
				t.Errorf("ResultStatus = %q, want %q", e.ResultStatus(), tc.resStatus)
			}
			if tc.isError && e.Message == "" {
				t.Error("error envelope without message")
			}
		})
	}
}

func TestParseEnvelopeCodeTypes(t *testing.T) {
	legacy, _ := ParseEnvelope(readFixture(t, "legacy-2023-validate-FailedValidationError-numeric-code-excerpt.json"))
	current, _ := ParseEnvelope(readFixture(t, "validate-flag-parse-error-Error-code-string.json"))
	if legacy.Code != "1" || current.Code != "1" {
		t.Errorf("codes = %q, %q; both forms must read as \"1\"", legacy.Code, current.Code)
	}
}

func TestParseEnvelopeNoise(t *testing.T) {
	doc := readFixture(t, "captured-deploy-start-success-cli2.150.6.json")
	cases := map[string][]byte{
		"noise before":   append([]byte("Warning: something {odd}\n(node:12) DeprecationWarning: x\n"), doc...),
		"ansi colours":   bytes.ReplaceAll(doc, []byte(`"status"`), []byte("\x1b[34m\"status\"\x1b[39m")),
		"trailing space": append(append([]byte("\n\n"), doc...), []byte("\n  \n")...),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			e, err := ParseEnvelope(in)
			if err != nil {
				t.Fatalf("ParseEnvelope: %v", err)
			}
			if e.DeployID() != "0Af000000000001AAA" || e.ResultStatus() != "Succeeded" {
				t.Errorf("envelope = %+v", e)
			}
		})
	}
}

func TestParseEnvelopeBroken(t *testing.T) {
	doc := readFixture(t, "captured-deploy-start-success-cli2.150.6.json")
	cases := map[string][]byte{
		"empty":     nil,
		"not json":  []byte("Error: command project:deploy:start not found"),
		"truncated": doc[:len(doc)/2],
		"braces":    []byte("{ this is } not { json }"),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseEnvelope(in)
			if !errors.Is(err, ErrNoJSON) {
				t.Errorf("err = %v, want ErrNoJSON", err)
			}
		})
	}
}

func TestParseEnvelopeWarnings(t *testing.T) {
	e, err := ParseEnvelope([]byte(`{"status":0,"result":{},"warnings":["plain",{"name":"W","message":"structured"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(e.Warnings, "|") != "plain|structured" {
		t.Errorf("warnings = %q", e.Warnings)
	}
}

// Redacting masks what sf echoes before anyone reads it, and decodes the
// envelope again so that its fields hold the masked text.
func TestRedactingRunner(t *testing.T) {
	const secret = `tok_Qx7Rk2*Vm9|Tz4<Lp3&Wn8\Hb6`
	doc := `{"status":1,"name":"sf:ERR","message":"token ` + strings.ReplaceAll(secret, `\`, `\\`) + ` rejected","exitCode":1}`
	inner := RunnerFunc(func(ctx context.Context, inv Invocation) (*Output, error) {
		out := &Output{Stdout: []byte(doc), Stderr: []byte("debug: " + secret), ExitCode: 1}
		out.Envelope, out.ParseErr = ParseEnvelope(out.Stdout)
		return out, nil
	})
	red := redact.New(secret)
	out, err := Redacting(inner, red.Bytes).Run(context.Background(), Invocation{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Envelope == nil || out.Envelope.Message != "token *** rejected" {
		t.Fatalf("envelope = %+v, %v", out.Envelope, out.ParseErr)
	}
	for name, b := range map[string][]byte{"stdout": out.Stdout, "stderr": out.Stderr} {
		if bytes.Contains(b, []byte("Qx7Rk2")) {
			t.Errorf("%s leaks the secret: %s", name, b)
		}
	}
}
