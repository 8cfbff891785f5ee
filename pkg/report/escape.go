package report

import (
	"fmt"
	"html"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/org/deploy-guard/pkg/actions"
)

// Text from the org (names, messages, stack traces) is untrusted: these
// helpers make sure it renders as text in GitHub-flavoured Markdown and can
// neither break the layout nor inject HTML.

// collapse turns every run of whitespace, line breaks included, into one
// space and drops control characters.
func collapse(s string) string {
	clean := len(s) == 0 || (s[0] != ' ' && s[len(s)-1] != ' ')
	for i := 0; clean && i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || (c == ' ' && s[i-1] == ' ') {
			clean = false
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == ' ' || r == '\u2028' || r == '\u2029' || r == '\u00a0':
			space = true
			continue
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// md escapes s for inline Markdown (paragraphs, list items, table cells):
// one line, HTML special characters as entities, Markdown punctuation
// backslash-escaped, pipes escaped for tables.
func md(s string) string {
	s = collapse(s)
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '|', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '#', '-', '+', '=', '!':
			if i == 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdMax is md of s cut to n bytes of source text.
func mdMax(s string, n int) string {
	return md(actions.Truncate(collapse(s), n))
}

// code renders s as a one-line code span that no backtick in s can close.
// In a table cell pipes are escaped too (GFM strips the backslash).
func code(s string, inTable bool) string {
	s = collapse(s)
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "<>") {
		// Code spans show HTML literally on GitHub, but not in every viewer
		// of report.md: fall back to escaped text.
		return md(s)
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", "\\|")
	}
	longest := longestBacktickRun(s)
	fence := strings.Repeat("`", longest+1)
	if longest > 0 && (s[0] == '`' || s[len(s)-1] == '`') {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// htm escapes s for HTML content (inside <summary>, <pre>). A line that
// starts with ':' or '#' gets it as an entity, so that `cat report.md` in a
// workflow cannot emit a workflow command ("::error::") and no viewer takes
// the line for a heading.
func htm(s string) string {
	s = html.EscapeString(strings.ToValidUTF8(s, "\uFFFD"))
	if !strings.Contains(s, "\n") && !strings.HasPrefix(strings.TrimLeft(s, " \t"), ":") && !strings.HasPrefix(strings.TrimLeft(s, " \t"), "#") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " \t\r")
		if strings.HasPrefix(t, ":") || strings.HasPrefix(t, "#") {
			lead := l[:len(l)-len(t)]
			lines[i] = lead + fmt.Sprintf("&#%d;", t[0]) + t[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// cut truncates s to at most n bytes at a rune boundary, with an ellipsis
// when there is room for one.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n >= len("…")+1 {
		return actions.Truncate(s, n)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// fenceFor returns a code fence longer than any backtick run in s.
func fenceFor(s string) string {
	return strings.Repeat("`", max(3, longestBacktickRun(s)+1))
}

// longestBacktickRun is the length of the longest run of backticks in s:
// a code span or fence must be longer to contain s.
func longestBacktickRun(s string) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// safeToken keeps a value that goes into a shell command only when it is a
// plain identifier (org alias, job id, test name); otherwise it returns def.
func safeToken(s, def string) string {
	if s == "" || len(s) > 200 {
		return def
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.@:/-,", r)) {
			return def
		}
	}
	return s
}

// safeURL returns u when it is a plain http(s) URL usable in a Markdown link.
func safeURL(u string) string {
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return ""
	}
	if strings.ContainsAny(u, " \t\r\n()<>\"'`[]\\") {
		return ""
	}
	return u
}

// duration formats d deterministically: 850ms, 12.3s, 3m 12s, 1h 02m.
func duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh %02dm", int(d.Hours()), int(d.Minutes())%60)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
