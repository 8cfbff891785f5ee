// Package sfcli runs the Salesforce CLI and reads what it prints.
//
// Every call goes through a Runner, so tests replace the CLI with a script or
// a fake; the real ExecRunner always passes --json, reads the JSON envelope
// from stdout, keeps stderr for the report, runs the child in its own process
// group and gives it an allowlisted environment.
package sfcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/safetext"
)

// Invocation is one call to sf.
type Invocation struct {
	// Args are the command and flags, without the program name and without
	// --json (the runner adds it).
	Args []string
	// Stdin is written to the child's standard input: the only way secrets
	// such as an auth URL reach sf besides Env.
	Stdin []byte
	// Env holds extra KEY=VALUE pairs for this call only (SF_ACCESS_TOKEN).
	Env []string
	// Dir is the working directory; empty means the runner's.
	Dir string
}

// Output is what one call produced.
type Output struct {
	// Args is the full argument list as run (without secrets: none are ever
	// placed in argv).
	Args   []string
	Stdout []byte
	Stderr []byte
	// ExitCode is the process exit code; 128+n when killed by signal n; -1
	// when the process could not be waited for.
	ExitCode int
	// Signal names the signal that ended the process, if any.
	Signal string
	// Duration is the wall time of the call.
	Duration time.Duration
	// Envelope is the decoded JSON document, nil when ParseErr is set.
	Envelope *Envelope
	// ParseErr says why no envelope could be read from stdout.
	ParseErr error
	// Truncated is set when stdout exceeded the runner's cap.
	Truncated bool
}

// Runner runs sf. Implementations return an error only when sf could not be
// run at all; a non-zero exit is a normal Output.
type Runner interface {
	Run(ctx context.Context, inv Invocation) (*Output, error)
}

// RunnerFunc adapts a function to the Runner interface.
type RunnerFunc func(ctx context.Context, inv Invocation) (*Output, error)

// Run calls f.
func (f RunnerFunc) Run(ctx context.Context, inv Invocation) (*Output, error) { return f(ctx, inv) }

// Redacting wraps r so that every output is redacted before anyone reads
// it: sf and the org may echo a secret, and whatever is built from the
// output (messages, reports, cut excerpts, escaped Markdown) would no longer
// match the secret once it is cut or escaped. The envelope is decoded again
// from the redacted stdout.
func Redacting(r Runner, redact func([]byte) []byte) Runner {
	return RunnerFunc(func(ctx context.Context, inv Invocation) (*Output, error) {
		out, err := r.Run(ctx, inv)
		if out == nil {
			return out, err
		}
		stdout := redact(out.Stdout)
		if !bytes.Equal(stdout, out.Stdout) {
			out.Stdout = stdout
			if out.Envelope != nil || out.ParseErr != nil {
				out.Envelope, out.ParseErr = ParseEnvelope(stdout)
			}
		}
		out.Stderr = redact(out.Stderr)
		return out, err
	})
}

// ErrNotFound means the sf executable is not installed or not on PATH.
var ErrNotFound = errors.New("the Salesforce CLI (sf) was not found")

// CommandLine renders an argument list as a shell-like command line for
// reports, quoting arguments that need it.
func CommandLine(args []string) string {
	var b strings.Builder
	b.WriteString("sf")
	for _, a := range args {
		b.WriteByte(' ')
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`|&;<>()*?[]{}") {
			b.WriteString("'" + strings.ReplaceAll(a, "'", `'\''`) + "'")
			continue
		}
		b.WriteString(a)
	}
	return b.String()
}

// withJSON appends --json unless present.
func withJSON(args []string) []string {
	for _, a := range args {
		if a == "--json" {
			return args
		}
	}
	return append(append([]string(nil), args...), "--json")
}

// Describe returns a one-line description of how the call ended, for
// errors and reports.
func (o *Output) Describe() string {
	switch {
	case o.Truncated:
		return fmt.Sprintf("%v, so it was stopped (exit %d)", o.ParseErr, o.ExitCode)
	case o.Signal != "":
		return fmt.Sprintf("sf was killed by %s (exit %d)", o.Signal, o.ExitCode)
	case o.Envelope != nil && o.Envelope.IsError():
		return fmt.Sprintf("%s: %s (exit %d)", o.Envelope.Name, safetext.FirstLine(o.Envelope.Message), o.ExitCode)
	case o.ParseErr != nil:
		return fmt.Sprintf("exit %d, %v", o.ExitCode, o.ParseErr)
	}
	return fmt.Sprintf("exit %d", o.ExitCode)
}
