package actions

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/safetext"
)

// Limits on what the action writes to the runner's environment files.
const (
	// MaxSummaryBytes keeps the step summary under the runner's 1 MiB limit,
	// above which the whole summary is dropped ("$GITHUB_STEP_SUMMARY upload
	// aborted, supports content up to a size of 1024k").
	MaxSummaryBytes = 1_000_000
	// MaxOutputValue caps one output value. Outputs are limited to 1 MB per
	// job counted in UTF-16; lists longer than this are in the artifacts.
	MaxOutputValue = 16 << 10
	// MaxOutputsTotal caps all outputs of the step together.
	MaxOutputsTotal = 64 << 10
)

var outputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// Outputs collects step outputs and writes them to GITHUB_OUTPUT in one go.
//
// Each value gets its own random heredoc delimiter, so no value (a component
// name or an error text from a pull request) can close it early and forge
// other outputs, as the fixed delimiter of go-githubactions allows
// (CVE-2022-35954 class). Values pass through the redactor and are capped.
type Outputs struct {
	names  []string
	values map[string]string
	red    *redact.Redactor
}

// NewOutputs returns an empty set of outputs that redacts with r.
func NewOutputs(r *redact.Redactor) *Outputs {
	return &Outputs{values: map[string]string{}, red: r}
}

// Set records an output; a later Set of the same name replaces it. The name
// must be a valid output id.
func (o *Outputs) Set(name, value string) error {
	if !outputName.MatchString(name) {
		return fmt.Errorf("invalid output name %q", name)
	}
	if _, ok := o.values[name]; !ok {
		o.names = append(o.names, name)
	}
	o.values[name] = o.red.String(value)
	return nil
}

// Get returns a recorded value.
func (o *Outputs) Get(name string) string { return o.values[name] }

// Names returns the output names in the order they were first set.
func (o *Outputs) Names() []string { return append([]string(nil), o.names...) }

// Encode renders the outputs in the GITHUB_OUTPUT file format, capping each
// value and the total.
func (o *Outputs) Encode() string {
	var b strings.Builder
	total := 0
	for _, name := range o.names {
		v := safetext.Truncate(o.values[name], MaxOutputValue)
		if total+len(v) > MaxOutputsTotal {
			v = safetext.Truncate(v, max(0, MaxOutputsTotal-total))
		}
		total += len(v)
		delim := "ghadelimiter_" + RandomToken()
		for strings.Contains(v, delim) || strings.Contains(name, delim) {
			delim = "ghadelimiter_" + RandomToken()
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", name, delim, v, delim)
	}
	return b.String()
}

// WriteFile appends the encoded outputs to path (GITHUB_OUTPUT).
func (o *Outputs) WriteFile(path string) error {
	if path == "" {
		return errors.New("GITHUB_OUTPUT is not set")
	}
	return appendFile(path, o.Encode(), "GITHUB_OUTPUT")
}

// WriteSummary appends markdown to path (GITHUB_STEP_SUMMARY), cut at a line
// boundary to stay under MaxSummaryBytes.
func WriteSummary(path, markdown string) error {
	if path == "" {
		return errors.New("GITHUB_STEP_SUMMARY is not set")
	}
	return appendFile(path, CapMarkdown(markdown, MaxSummaryBytes), "GITHUB_STEP_SUMMARY")
}

// CapMarkdown cuts s at a line boundary so that it fits in n bytes, with a
// closing note when it had to cut.
func CapMarkdown(s string, n int) string {
	return safetext.CapBytes(s, n, "\n\n> (truncated: the full report is in the artifacts, report.md)\n")
}

func appendFile(path, content, what string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("opening %s: %w", what, err)
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", what, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}
