package preflight

import (
	"fmt"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/safetext"
)

var checkTitles = map[string]string{
	CheckXML:         "malformed XML",
	CheckProject:     "project configuration",
	CheckLink:        "link out of the source",
	CheckManifest:    "manifest member missing",
	CheckDestructive: "destructive changes",
	CheckMetadataDir: "metadata-dir",
	CheckTests:       "test class not found",
	CheckApexAssert:  "test without assertions",
	CheckSOQLLoop:    "SOQL in a loop",
	CheckDMLLoop:     "DML in a loop",
}

// Annotations renders every finding as a workflow annotation, errors
// first then warnings. It caps nothing: the caller's collector keeps
// within the runner's limit and counts the rest (see actions.Collector).
func Annotations(r *Report) []actions.Annotation {
	var out []actions.Annotation
	for _, group := range [][]Finding{r.Errors(), r.Warnings()} {
		for _, f := range group {
			level := actions.LevelError
			if f.Severity == SeverityWarning {
				level = actions.LevelWarning
			}
			out = append(out, actions.Annotation{Level: level, File: f.File, Line: f.Line, Col: f.Col,
				Title: "Preflight: " + checkTitles[f.Check], Message: f.Message})
		}
	}
	return out
}

// Markdown renders the body of a step-summary section that lists every
// finding, errors first; the summary gives it its heading. Text that comes
// from files is escaped.
func Markdown(r *Report) string {
	var b strings.Builder
	errs, warns := r.Errors(), r.Warnings()
	fmt.Fprintf(&b, "%d files checked in %s: %s, %s.\n", r.Files, roundDuration(r.Duration), plural(len(errs), "error"), plural(len(warns), "warning"))
	if len(errs) > 0 {
		fmt.Fprintf(&b, "\nThe deployment was not started (failure category `%s`).\n\n#### Errors\n\n", r.Category())
		writeFindings(&b, errs, "❌")
	}
	if len(warns) > 0 {
		b.WriteString("\n#### Warnings\n\n")
		writeFindings(&b, warns, "⚠️")
	}
	return b.String()
}

func writeFindings(b *strings.Builder, fs []Finding, icon string) {
	for _, f := range fs {
		fmt.Fprintf(b, "- %s **%s**", icon, checkTitles[f.Check])
		if loc := location(f); loc != "" {
			fmt.Fprintf(b, " %s", safetext.Inline(loc))
		}
		fmt.Fprintf(b, ": %s\n", safetext.Inline(f.Message))
	}
}

func location(f Finding) string {
	switch {
	case f.File == "":
		return ""
	case f.Line > 0 && f.Col > 0:
		return fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Col)
	case f.Line > 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return f.File
}

// roundDuration keeps three significant figures or so: 1.234s, 12ms, 340µs.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
