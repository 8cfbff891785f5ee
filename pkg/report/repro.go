package report

import (
	"strings"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/safetext"
)

// The playbook's commands are rebuilt from what the run really did, so each
// one runs as printed on the pinned CLI: the same source, manifest or
// metadata the run deployed (never a manifest placeholder when it deployed
// a source directory), the org, the job, and the failed tests.

// runTarget returns the flags that chose what the run deployed (and
// deleted), as its first deploy or validate command gave them
// ("--source-dir force-app"), or ""
// when the run named nothing (sf then uses the project's package
// directories) or a value cannot be printed safely.
func runTarget(r *result.Run) string {
	var first []string
	for _, a := range r.Attempts {
		w := shellWords(a.Command)
		if len(w) < 4 || w[0] != "sf" || w[1] != "project" || w[2] != "deploy" || (w[3] != "start" && w[3] != "validate") {
			continue
		}
		if a.Kind == "deploy" || a.Kind == "validate" {
			first = w
			break
		}
		if first == nil {
			first = w
		}
	}
	var flags []string
	for i := 4; i < len(first); i++ {
		name := first[i]
		if long, ok := shortTargetFlags[name]; ok {
			name = long
		}
		switch {
		case targetBoolFlags[name]:
			flags = append(flags, name)
		case targetValueFlags[name] && i+1 < len(first):
			v := first[i+1]
			if !safeArg(v) {
				return ""
			}
			flags = append(flags, name, shellQuote(v))
			i++
		}
	}
	return strings.Join(flags, " ")
}

// The flags of a deploy command that say what it deploys and deletes.
var (
	targetValueFlags = map[string]bool{"--source-dir": true, "--manifest": true, "--metadata": true, "--metadata-dir": true,
		"--pre-destructive-changes": true, "--post-destructive-changes": true}
	targetBoolFlags  = map[string]bool{"--single-package": true, "--purge-on-delete": true}
	shortTargetFlags = map[string]string{"-d": "--source-dir", "-x": "--manifest", "-m": "--metadata"}
)

// safeArg accepts a path or metadata name that can be printed in a command
// for people to copy: printable, no shell or Markdown syntax beyond spaces.
func safeArg(s string) bool {
	return safetext.Plain(s, 300, "_.@:/-,+ *")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if strings.ContainsAny(s, " *") {
		return "'" + s + "'"
	}
	return s
}

// shellWords splits a command line printed by sfcli.CommandLine: words
// separated by spaces, single-quoted words with '\” for a quote.
func shellWords(s string) []string {
	var out []string
	var w strings.Builder
	in, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\'':
			quoted = false
		case quoted:
			w.WriteByte(c)
		case c == '\'':
			quoted, in = true, true
		case c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			in = true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				out = append(out, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, w.String())
	}
	return out
}

// testArgs returns the flags that select the failed tests for `sf apex run
// test` and how to wait for them: --synchronous only runs tests of one
// class, so several classes wait with --wait instead. Without known tests
// it runs the local tests.
func testArgs(tests []string) (selectFlags, wait string) {
	if len(tests) == 0 {
		return "--test-level RunLocalTests", "--wait 30"
	}
	classes := map[string]bool{}
	parts := make([]string, 0, len(tests))
	for _, t := range tests {
		parts = append(parts, "--tests "+t)
		class := t
		if i := strings.LastIndexByte(t, '.'); i > 0 {
			class = t[:i]
		}
		classes[class] = true
	}
	wait = "--wait 30"
	if len(classes) == 1 {
		wait = "--synchronous"
	}
	return strings.Join(parts, " "), wait
}
