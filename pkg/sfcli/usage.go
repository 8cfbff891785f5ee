package sfcli

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// usageRE matches what the CLI's flag parser (oclif) says when it refuses a
// command line: an unknown flag or argument, a missing or conflicting flag,
// a flag value outside its list. Those refusals come with exit 2 or, for
// some of them, exit 1; the words are the same in the JSON error document
// and on stderr.
var usageRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)Nonexistent flags?:|Unexpected arguments?:|Exactly one of the following must be provided|All of the following must be provided|cannot also be provided when using|Missing required flags?|Flag --\S+ expects? (?:a value|one of)|Expected --\S+ to be one of|FlagInvalidOptionError|NonExistentFlagsError|UnexpectedArgsError|Parsing --\S+`)
})

// orgFlagRE matches a refusal of the --target-org value: the CLI knows no
// org by that alias or username (a parse-time error).
var orgFlagRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)Parsing --target-org|NamedOrgNotFound|No authorization information found for|NoDefaultEnvError|No default environment found`)
})

// Refused reports whether sf refused the command itself, as usage, before
// doing anything: exit 2 (the parser's exit code), or a parser error whatever
// the exit code. It returns the CLI's words. Such a command can never
// succeed, so it is never retried; it is deploy-guard's own bug, unless an
// input's value reached the flag sf refused (see UsageError.Input).
func (o *Output) Refused() (string, bool) {
	if o == nil || o.Signal != "" {
		return "", false
	}
	words := o.words()
	if o.ExitCode == 2 || (o.ExitCode != 0 && usageRE().MatchString(words)) {
		return words, true
	}
	return "", false
}

// words is what the CLI said: the error document's message, or the end of
// stderr when it printed none.
func (o *Output) words() string {
	e := o.Envelope
	if e != nil && !e.IsError() {
		// A result document (a failed deployment): the org's words, not
		// the parser's.
		return ""
	}
	if e != nil {
		text := strings.TrimSpace(strings.ReplaceAll(e.Message, "\r\n", "\n"))
		if e.Name != "" && e.Name != "Error" {
			text = e.Name + ": " + text
		}
		return text
	}
	lines := strings.Split(strings.TrimSpace(string(o.Stderr)), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// UsageError is a command sf refused as usage (see Output.Refused).
type UsageError struct {
	// Command is the command line as run (no secret is ever in argv).
	Command  string
	ExitCode int
	// Words are the CLI's own words.
	Words string
}

func (e *UsageError) Error() string {
	return fmt.Sprintf("sf refused `%s` as usage (exit %d): %s", e.Command, e.ExitCode, e.Words)
}

// OrgFlag reports whether the refusal is of the --target-org value: sf
// knows no org by that name. When the workflow named the org (the
// target-org input), the input caused it.
func (e *UsageError) OrgFlag() bool { return orgFlagRE().MatchString(e.Words) }

// valueFlagRE finds the flag whose value sf refused: "Expected --test-level
// to be one of", "Flag --wait expects a value", "Parsing --target-org".
var valueFlagRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(?:Expected|Flag|Parsing) --([a-z][a-z0-9-]*)`)
})

// ValueFlag is the flag whose value sf refused, without its dashes, or ""
// when the refusal is of the command line's shape (an unknown flag, a
// missing one): a value can come from an input, a flag's name never does.
func (e *UsageError) ValueFlag() string {
	if m := valueFlagRE().FindStringSubmatch(e.Words); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

// Refusal returns the usage error for an output sf refused, or nil.
func Refusal(args []string, o *Output) error {
	words, ok := o.Refused()
	if !ok {
		return nil
	}
	return &UsageError{Command: CommandLine(args), ExitCode: o.ExitCode, Words: words}
}

// IsRefused reports whether err is, or wraps, a usage refusal.
func IsRefused(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}
