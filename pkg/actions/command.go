// Package actions speaks the GitHub Actions runner's protocol safely:
// workflow commands (annotations, masks, groups, stop-commands) on stdout and
// the environment files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY).
//
// It exists because github.com/sethvargo/go-githubactions writes outputs with
// a fixed heredoc delimiter and panics on I/O errors; this package returns
// errors and never lets untrusted text act as a command or forge an output.
package actions

import (
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"

	"github.com/org/deploy-guard/pkg/safetext"
)

// MaxAnnotationMessage is the runner's cap on an annotation message
// (`_maxIssueMessageLength = 4096` in actions/runner ExecutionContext.AddIssue).
const MaxAnnotationMessage = 4096

// EscapeData escapes a workflow command's message the way the runner
// unescapes it: '%' first, then CR and LF.
func EscapeData(s string) string {
	s = strings.ReplaceAll(s, "%", "%25")
	s = strings.ReplaceAll(s, "\r", "%0D")
	return strings.ReplaceAll(s, "\n", "%0A")
}

// EscapeProperty escapes a workflow command's property value: the data
// escapes plus ':' and ','.
func EscapeProperty(s string) string {
	s = EscapeData(s)
	s = strings.ReplaceAll(s, ":", "%3A")
	return strings.ReplaceAll(s, ",", "%2C")
}

// UnescapeData reverses EscapeData in the runner's order (used by tests and
// by the fuzzers to prove the round trip).
func UnescapeData(s string) string {
	s = strings.ReplaceAll(s, "%0D", "\r")
	s = strings.ReplaceAll(s, "%0A", "\n")
	return strings.ReplaceAll(s, "%25", "%")
}

// UnescapeProperty reverses EscapeProperty in the runner's order.
func UnescapeProperty(s string) string {
	s = strings.ReplaceAll(s, "%0D", "\r")
	s = strings.ReplaceAll(s, "%0A", "\n")
	s = strings.ReplaceAll(s, "%3A", ":")
	s = strings.ReplaceAll(s, "%2C", ",")
	return strings.ReplaceAll(s, "%25", "%")
}

// Command formats a workflow command line (without the trailing newline).
func Command(name string, props map[string]string, message string) string {
	var b strings.Builder
	b.WriteString("::")
	b.WriteString(name)
	if len(props) > 0 {
		keys := make([]string, 0, len(props))
		for k, v := range props {
			if v != "" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for i, k := range keys {
			if i == 0 {
				b.WriteByte(' ')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(EscapeProperty(props[k]))
		}
	}
	b.WriteString("::")
	b.WriteString(EscapeData(message))
	return b.String()
}

// Level is an annotation severity.
type Level string

// Annotation levels, as the runner's command names.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is one ::error/::warning/::notice command.
type Annotation struct {
	Level Level
	// File is relative to the repository root, with '/' separators; may be empty.
	File string
	// Line, EndLine, Col and EndColumn are 1-based; 0 means absent.
	Line, EndLine, Col, EndColumn int
	Title                         string
	Message                       string
}

// String formats the annotation as a workflow command. It drops line and
// column combinations the runner would reject and truncates the message
// UTF-8-safely to MaxAnnotationMessage before escaping.
func (a Annotation) String() string {
	props := map[string]string{"file": a.File, "title": a.Title}
	if a.Line > 0 {
		props["line"] = strconv.Itoa(a.Line)
		single := a.EndLine == 0 || a.EndLine == a.Line
		if a.EndLine > a.Line {
			props["endLine"] = strconv.Itoa(a.EndLine)
		}
		if single && a.Col > 0 {
			props["col"] = strconv.Itoa(a.Col)
			if a.EndColumn >= a.Col {
				props["endColumn"] = strconv.Itoa(a.EndColumn)
			}
		}
	}
	level := a.Level
	if level == "" {
		level = LevelError
	}
	return Command(string(level), props, safetext.Truncate(a.Message, MaxAnnotationMessage))
}

// RandomToken returns 32 hex characters from crypto/rand, for stop-commands
// tokens and heredoc delimiters.
func RandomToken() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; never fall back to
		// a predictable value.
		panic("crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
