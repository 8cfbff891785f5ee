package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestInline(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"a\n\tb  \r\n c", "a b c"},
		{"x_y*z|w[v]u~t`s\\r", `x\_y\*z\|w\[v\]u\~t` + "\\`" + `s\\r`},
		{"<img src=x onerror=alert(1)> & co", "&lt;img src=x onerror=alert(1)&gt; &amp; co"},
		{"ping @octocat and @org/team", "ping &#64;octocat and &#64;org/team"},
		{"# heading", `\# heading`},
		{"fixes #12", `fixes \#12`},
		{"- item", `\- item`},
		{"a - b", "a - b"},
		{"[click](https://evil)", `\[click\](https://evil)`},
		{"ctl\x00\x1b[31mred", `ctl\[31mred`},
	}
	for _, tc := range cases {
		if got := Inline(tc.in); got != tc.want {
			t.Errorf("Inline(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := Inline(tc.in); strings.ContainsAny(got, "\n\r<>") {
			t.Errorf("Inline(%q) = %q keeps a line break or tag", tc.in, got)
		}
	}
}

func TestCode(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want, cell string }{
		{"Account.Name", "`Account.Name`", "`Account.Name`"},
		{"a`b", "``a`b``", "``a`b``"},
		{"`edge", "`` `edge ``", "`` `edge ``"},
		{"a|b", "`a|b`", "`a\\|b`"},
		{"<b>", "&lt;b&gt;", "&lt;b&gt;"},
		{"", "", ""},
		{"two\nlines", "`two lines`", "`two lines`"},
	}
	for _, tc := range cases {
		if got := Code(tc.in); got != tc.want {
			t.Errorf("Code(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := CodeCell(tc.in); got != tc.cell {
			t.Errorf("CodeCell(%q) = %q, want %q", tc.in, got, tc.cell)
		}
	}
}

func TestHTML(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"a<b>&\"c'", "a&lt;b&gt;&amp;&#34;c&#39;"},
		{"::error::forged", "&#58;:error::forged"},
		{"ok\n  ::warning::x\n# head", "ok\n  &#58;:warning::x\n&#35; head"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"cc @octocat", "cc &#64;octocat"},
	}
	for _, tc := range cases {
		if got := HTML(tc.in); got != tc.want {
			t.Errorf("HTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFence(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"plain", "has ``` inside", "has ```` four\n```"} {
		got := Fence(in, "text")
		f := FenceFor(in)
		if len(f) < 3 || strings.Contains(in, f) {
			t.Errorf("fence %q can be closed by %q", f, in)
		}
		if want := f + "text\n" + in + "\n" + f + "\n"; got != want {
			t.Errorf("Fence(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	bytes, runes := Truncate, TruncateRunes
	cases := []struct {
		name string
		f    func(string, int) string
		in   string
		n    int
		want string
	}{
		{"bytes", bytes, "short", 10, "short"},
		{"bytes", bytes, "exactly", 7, "exactly"},
		{"bytes", bytes, "0123456789", 8, "01234…"},
		{"bytes", bytes, "ééééé", 7, "éé…"},
		{"bytes", bytes, "abcdef", 3, "abc"},
		{"bytes", bytes, "ééé", 3, "é"},
		{"bytes", bytes, "abc", 0, ""},
		{"bytes", bytes, "abc", -1, ""},
		{"runes", runes, "short", 10, "short"},
		{"runes", runes, "ééééé", 5, "ééééé"},
		{"runes", runes, "ééééé", 3, "éé…"},
		{"runes", runes, "abc", 1, "…"},
		{"runes", runes, "abc", 0, ""},
	}
	for _, tc := range cases {
		got := tc.f(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("%s: cut(%q, %d) = %q, want %q", tc.name, tc.in, tc.n, got, tc.want)
		}
		if tc.name == "bytes" && len(got) > max(tc.n, 0) || !utf8.ValidString(got) {
			t.Errorf("%s: cut(%q, %d) = %q: too long or split a rune", tc.name, tc.in, tc.n, got)
		}
	}
}

func TestInlineMaxAndFirstLine(t *testing.T) {
	t.Parallel()
	if got := InlineMax("a_b_c_d_e", 6); got != `a\_b…` {
		t.Errorf("InlineMax = %q", got)
	}
	for in, want := range map[string]string{"one": "one", "one\ntwo": "one", "one\r\ntwo": "one", "\nx": ""} {
		if got := FirstLine(in); got != want {
			t.Errorf("FirstLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// An Escaper masks a secret while it is whole: the escaped or cut forms of
// it that the package-level functions would produce never appear.
func TestEscaperRedactsFirst(t *testing.T) {
	t.Parallel()
	const secret = `ghs_Qx7*Rk2|Vm9[Tz4<Lp3&Wn8\Hb6`
	e := Escaper{Redact: func(s string) string { return strings.ReplaceAll(s, secret, "***") }}
	in := "token " + secret + " rejected"
	outs := map[string]string{
		"Inline": e.Inline(in), "InlineMax": e.InlineMax(in, 12), "Code": e.Code(in), "CodeCell": e.CodeCell(in),
		"HTML": e.HTML(in), "Fence": e.Fence(in, "text"), "Truncate": e.Truncate(in, 15), "TruncateRunes": e.TruncateRunes(in, 15), "Text": e.Text(in),
	}
	for name, got := range outs {
		for _, frag := range []string{"Qx7", "Rk2", "Vm9", "Hb6"} {
			if strings.Contains(got, frag) {
				t.Errorf("%s = %q leaks %q", name, got, frag)
			}
		}
	}
	if got := (Escaper{}).Inline("a_b"); got != `a\_b` {
		t.Errorf("zero Escaper: %q", got)
	}
}

func TestCap(t *testing.T) {
	t.Parallel()
	const note = "\n(cut)\n"
	lines := "# Banner\n" + strings.Repeat("| row é |\n", 1000)
	for name, capped := range map[string]func(string, int, string) string{"bytes": CapBytes, "runes": CapRunes} {
		size := map[string]func(string) int{"bytes": func(s string) int { return len(s) }, "runes": utf8.RuneCountInString}[name]
		if got := capped("small", 100, note); got != "small" {
			t.Errorf("%s: small text changed: %q", name, got)
		}
		got := capped(lines, 500, note)
		if size(got) > 500 || !strings.HasPrefix(got, "# Banner\n") || !strings.HasSuffix(got, "|"+note) || !utf8.ValidString(got) {
			t.Errorf("%s: not cut at a line within the limit: %d %q", name, size(got), got[max(0, len(got)-40):])
		}
		// One long line: no line break to cut at, so it is cut mid-line.
		long := strings.Repeat("é", 2000)
		if got := capped(long, 100, note); size(got) > 100 || !strings.HasSuffix(got, "…"+note) || !utf8.ValidString(got) {
			t.Errorf("%s: long line: %d %q", name, size(got), got)
		}
	}
}

func TestPlain(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s     string
		max   int
		extra string
		want  bool
	}{
		{"my-org_1", 20, "-_", true},
		{"", 20, "", false},
		{"toolong", 3, "", false},
		{"a b", 20, "", false},
		{"a b", 20, " ", true},
		{"x;rm -rf /", 20, " -/", false},
		{"é", 20, "", false},
	}
	for _, tc := range cases {
		if got := Plain(tc.s, tc.max, tc.extra); got != tc.want {
			t.Errorf("Plain(%q, %d, %q) = %v, want %v", tc.s, tc.max, tc.extra, got, tc.want)
		}
	}
}
