package actions

import (
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/safetext"
)

// FuzzOutputs: whatever a value holds, later steps read back exactly the
// outputs that were written, no more and no other.
func FuzzOutputs(f *testing.F) {
	f.Add("Evil\n_GitHubActionsFileCommandDelimeter_\nstatus=succeeded", "a=b")
	f.Add("x<<EOF\ny\nEOF", "\r\n")
	f.Add("ghadelimiter_00000000000000000000000000000000", "")
	f.Fuzz(func(t *testing.T, v1, v2 string) {
		o := NewOutputs(redact.New())
		o.Set("failed-component", v1)
		o.Set("failed-tests", v2)
		got := parseOutputFile(t, o.Encode())
		if len(got) != 2 {
			t.Fatalf("read back %d outputs: %q", len(got), got)
		}
		for name, want := range map[string]string{"failed-component": v1, "failed-tests": v2} {
			// Values are capped; a capped value is a prefix plus the marker.
			if g := got[name]; g != want && !(len(want) > MaxOutputValue && strings.HasSuffix(g, "…")) {
				// On Linux only LF ends a line; a CR before it stays in the value.
				t.Fatalf("%s = %q, want %q", name, g, want)
			}
		}
	})
}

// FuzzAnnotation: any text becomes one command line that the runner decodes
// back to the text (truncated), and cannot break out of its properties.
func FuzzAnnotation(f *testing.F) {
	f.Add("force-app/main/default/classes/A.cls", "title: with, separators", "line1\nline2 %0A ::error::x", 12, 3)
	f.Fuzz(func(t *testing.T, file, title, msg string, line, col int) {
		s := Annotation{Level: LevelWarning, File: file, Title: title, Message: msg, Line: line, Col: col}.String()
		if strings.ContainsAny(s, "\r\n") {
			t.Fatalf("annotation spans lines: %q", s)
		}
		head, data, ok := strings.Cut(strings.TrimPrefix(s, "::warning"), "::")
		if !ok {
			t.Fatalf("no data separator: %q", s)
		}
		// The runner splits the command name off at the first space and keeps
		// the rest verbatim (no trimming inside the command info).
		for _, prop := range strings.Split(strings.TrimPrefix(head, " "), ",") {
			if prop == "" {
				continue
			}
			k, v, _ := strings.Cut(prop, "=")
			switch k {
			case "file":
				if UnescapeProperty(v) != file {
					t.Fatalf("file round trip: %q -> %q", file, UnescapeProperty(v))
				}
			case "title":
				if UnescapeProperty(v) != title {
					t.Fatalf("title round trip: %q", title)
				}
			case "line", "col", "endLine", "endColumn":
			default:
				t.Fatalf("unexpected property %q in %q", k, s)
			}
		}
		if got := UnescapeData(data); got != safetext.Truncate(msg, MaxAnnotationMessage) {
			t.Fatalf("message round trip: %q -> %q", msg, got)
		}
	})
}
