package actionstest

import (
	"reflect"
	"testing"
)

func TestLines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"a\nb", []string{"a", "b"}},
		{"a\r\nb\n", []string{"a", "b"}},
		{"a\rb\r\r\nc", []string{"a", "b", "", "c"}},
		{"\n", []string{""}},
		{"", nil},
	} {
		if got := Lines(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Lines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// names lists the executed commands as name=data.
func names(out string) []string {
	var got []string
	for _, c := range Replay(out) {
		got = append(got, c.Name+"="+c.Data)
	}
	return got
}

func TestReplay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, out string
		want      []string
	}{
		{"plain text", "hello\nworld :: ##", nil},
		{"v2", "::error::boom", []string{"error=boom"}},
		{"v2 escaped data", "::warning::a%0Ab%25", []string{"warning=a\nb%"}},
		{"leading white space", " \t::notice::x", []string{"notice=x"}},
		{"unicode white space", "\u3000\u2003\u00a0::error::x", []string{"error=x"}},
		{"case-insensitive name", "::ERROR::x", []string{"ERROR=x"}},
		{"unknown command", "::pwned::x", nil},
		{"not at the start", "text ::error::x", nil},
		{"no separator", "::error x", nil},
		{"legacy anywhere", "All good ##[warning title=Review]safe to merge", []string{"warning=safe to merge"}},
		{"legacy first only", "##[nope]a ##[error]b", nil},
		{"carriage return ends a line", "Evil\r::warning title=x::Approved\r.cls", []string{"warning=Approved"}},
		{"format character in the separator", "::error:\u200b:x", []string{"error=x"}},
		{"format character before the command", "\u200b::error::x", []string{"error=x"}},
		{"format characters in ##[", "#\u200b#\ufeff[error]x", []string{"error=x"}},
		{"stop and resume", "::stop-commands::tok\n::error::hidden\n##[warning]hidden\n::tok::\n::error::shown",
			[]string{"stop-commands=tok", "tok=", "error=shown"}},
		{"legacy stop swallows the rest", "sf says ##[stop-commands]zz\n::error::the failure", []string{"stop-commands=zz"}},
		{"legacy resume", "::stop-commands::zz\n##[zz]\n::error::x", []string{"stop-commands=zz", "zz=", "error=x"}},
		{"empty token never resumes", "::stop-commands::\n::::\n::error::x", []string{"stop-commands="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(tc.out); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Replay(%q) = %q, want %q", tc.out, got, tc.want)
			}
		})
	}
}

func TestReplayProperties(t *testing.T) {
	t.Parallel()
	cmds := Replay("::error file=force-app/a%2Cb.cls,line=3,Title=x%3Ay,=skip,empty=::msg\n##[warning file=z.cls;line=9]m%5D")
	if len(cmds) != 2 {
		t.Fatalf("got %d commands: %+v", len(cmds), cmds)
	}
	want := map[string]string{"file": "force-app/a,b.cls", "line": "3", "title": "x:y"}
	if !reflect.DeepEqual(cmds[0].Props, want) {
		t.Errorf("v2 props = %q, want %q", cmds[0].Props, want)
	}
	if want := map[string]string{"file": "z.cls", "line": "9"}; !reflect.DeepEqual(cmds[1].Props, want) || cmds[1].Data != "m]" {
		t.Errorf("legacy command = %+v", cmds[1])
	}
}

func TestStopped(t *testing.T) {
	t.Parallel()
	if !Stopped("x\n##[stop-commands]zz\n::error::y") {
		t.Error("an unresumed stop-commands must leave the runner stopped")
	}
	if Stopped("::stop-commands::t\n::t::\n") {
		t.Error("a resumed stop-commands must not")
	}
}
