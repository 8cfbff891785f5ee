package actions

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/actions/actionstest"
	"github.com/org/deploy-guard/pkg/redact"
)

// hostile are texts seen reaching the log (issue 13): an Apex test message,
// a file name, a regexp error, an sf message; and variants of each trick.
var hostile = []string{
	"All tests passed ##[warning title=Security review]All checks passed, safe to merge",
	"Evil\r::warning title=deploy-guard::Approved\r.cls-meta.xml",
	"error parsing regexp: missing closing ): `(\r::warning title=x::Approved`",
	"UNKNOWN_EXCEPTION: ##[stop-commands]zz",
	"\u3000\u2003::error::unicode white space",
	"\u200b::error::zero width",
	"::error:\u200b:zero width separator",
	"#\u200b#[error]split prefix",
	"line\r\n  ::add-mask::ghs_notasecret\n::set-output name=status::succeeded",
	"::stop-commands::",
	"%0A::error::escaped newline",
	"\x1b[31m::error::colour",
	"\ufeff##[group]bom",
}

// printAll sends s through every print path of the log and returns what was
// printed and the commands the action itself meant to run, in order.
func printAll(s string) (string, []string) {
	var b bytes.Buffer
	l := NewLog(&b, redact.New("supersecretvalue"), true)
	l.Infof("%s", s)
	l.Infof("Deploying %s to the org (%s)", s, s)
	l.Untrusted(s, []byte(s))
	l.Untrusted("sf reported:", []byte(s+"\n"+s))
	l.Annotate(Annotation{Level: LevelError, File: s, Title: s, Message: s, Line: 3})
	l.Group(s)
	l.Infof("%s", s)
	l.EndGroup()
	l.Debugf("debug %s", s)
	l.Infof("deploy-guard: status=failed failure-category=test attempts=1 %s", s)
	want := []string{"stop-commands", "", "stop-commands", "", "error", "group", "endgroup", "debug"}
	if s == "" {
		want = want[2:] // nothing to relay: no block
	}
	return b.String(), want
}

// executed lists the commands the runner would run, the resume tokens as "".
func executed(out string) []string {
	var got []string
	stopped := false
	for _, c := range actionstest.Replay(out) {
		switch {
		case stopped:
			got = append(got, "")
			stopped = false
		case c.Name == "stop-commands":
			got = append(got, c.Name)
			stopped = true
		default:
			got = append(got, c.Name)
		}
	}
	return got
}

// Whatever a text holds, only the action's own commands run, in order, and
// the runner processes commands again at the end.
func TestLogRunsOnlyOwnCommands(t *testing.T) {
	t.Parallel()
	for _, s := range hostile {
		out, want := printAll(s)
		if got := executed(out); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: the runner runs %q, want %q\n%s", s, got, want, out)
		}
		if actionstest.Stopped(out) {
			t.Errorf("%q leaves the runner stopped", s)
		}
	}
}

// The texts stay readable: neutralizing changes only what would be a command.
func TestNeutralizeKeepsText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Deployed 12 components":      "Deployed 12 components",
		"::warning::x":                ": :warning::x",
		"  ::error::x":                "  : :error::x",
		"a ##[warning]b":              "a # #[warning]b",
		"Evil\r::warning::A\r.cls":    "Evil\n: :warning::A\n.cls",
		"\u200b::error::x":            ": :error::x",
		"ok \u26a0\ufe0f emoji":       "ok \u26a0\ufe0f emoji",
		"class Foo::Bar in a message": "class Foo::Bar in a message",
	} {
		if got := neutralize(in); got != want {
			t.Errorf("neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

// The annotation's message reaches the runner intact.
func TestAnnotationRoundTripsThroughTheRunner(t *testing.T) {
	t.Parallel()
	msg := "Expected 7 ##[warning]x\r\n::error::y %0A 100%"
	var b bytes.Buffer
	NewLog(&b, redact.New(), false).Annotate(Annotation{Level: LevelWarning, File: "a,b:c.cls", Title: "t:1,2", Message: msg, Line: 4})
	cmds := actionstest.Replay(b.String())
	if len(cmds) != 1 || cmds[0].Name != "warning" || cmds[0].Data != msg || cmds[0].Props["file"] != "a,b:c.cls" || cmds[0].Props["title"] != "t:1,2" {
		t.Fatalf("runner read %+v from %q", cmds, b.String())
	}
}

// FuzzLogCommands: the runner-parser fuzz target. Whatever the org, the CLI,
// a file name or an input contains, the runner executes exactly the
// action's own commands. The seed corpus runs in `make test`.
func FuzzLogCommands(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, want := printAll(s)
		if got := executed(out); !reflect.DeepEqual(got, want) {
			t.Fatalf("the runner runs %q, want %q\n%s", got, want, out)
		}
		if strings.Contains(out, "supersecretvalue") {
			t.Fatal("a secret reached the log")
		}
	})
}
