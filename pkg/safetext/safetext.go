// Package safetext makes untrusted text (names, messages and stack traces
// from the org, file names from a pull request) safe to place in Markdown,
// HTML and length-limited fields: one set of escaping rules and one set of
// cuts for every renderer (step summary, report.md, issues, comments).
//
// Order matters: a secret must be masked before its text is escaped or cut,
// or the escaped form (`ghs\_...`) or the cut prefix no longer matches the
// redactor. The package-level functions take text that is already redacted;
// an Escaper redacts each string first, so a renderer holding one cannot get
// the order wrong. Slack's mrkdwn has its own rules and stays in notify.
package safetext

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// Ellipsis marks a cut.
const Ellipsis = "…"

// Collapse turns every run of white space, line breaks included, into one
// space, trims the ends and drops control characters and invalid UTF-8.
func Collapse(s string) string {
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

// Inline escapes s for inline Markdown: paragraphs, list items and table
// cells. The result is one line; HTML special characters become entities;
// Markdown punctuation is backslash-escaped (pipes too, for tables); `@`
// cannot mention anyone and `#` cannot start a heading or link an issue.
func Inline(s string) string {
	s = Collapse(s)
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
		case '@':
			b.WriteString("&#64;")
		case '\\', '`', '*', '_', '[', ']', '|', '~', '#':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '-', '+', '=', '!':
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

// InlineMax is Inline of s cut to n bytes of source text.
func InlineMax(s string, n int) string {
	return Inline(Truncate(Collapse(s), n))
}

// Code renders s as a one-line code span that no backtick in s can close.
// Text with < or > falls back to Inline: code spans show HTML literally on
// GitHub, but not in every viewer of report.md.
func Code(s string) string { return code(s, false) }

// CodeCell is Code for a table cell: pipes are escaped too (GFM strips the
// backslash inside code spans in tables).
func CodeCell(s string) string { return code(s, true) }

func code(s string, inTable bool) string {
	s = Collapse(s)
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "<>") {
		return Inline(s)
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

// HTML escapes s for HTML content (inside <summary>, <pre>, <code>); `@`
// becomes an entity so that no one is mentioned. A line that starts with
// ':' or '#' gets it as an entity, so that `cat report.md` in a workflow
// cannot emit a workflow command ("::error::") and no viewer takes the line
// for a heading.
func HTML(s string) string {
	s = strings.ReplaceAll(html.EscapeString(strings.ToValidUTF8(s, "\uFFFD")), "@", "&#64;")
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

// FenceFor returns a code fence longer than any backtick run in s, at
// least three backticks.
func FenceFor(s string) string {
	return strings.Repeat("`", max(3, longestBacktickRun(s)+1))
}

// Fence renders multi-line s as a fenced code block with the given info
// string ("text"); no line of s can close it.
func Fence(s, info string) string {
	f := FenceFor(s)
	return f + info + "\n" + s + "\n" + f + "\n"
}

// LongestBacktickRun is the length of the longest run of backticks in s: a
// code span or fence must be longer to contain s.
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

// Truncate cuts s to at most n bytes without splitting a UTF-8 sequence,
// marking the cut with an ellipsis when there is room for one.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	cut, mark := n-len(Ellipsis), Ellipsis
	if cut < 1 {
		cut, mark = n, ""
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

// TruncateRunes cuts s to at most n runes (the unit of GitHub's and Slack's
// length limits), the last being an ellipsis when it had to cut.
func TruncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + Ellipsis
}

// FirstLine returns s up to its first line break (\r or \n).
func FirstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// CapBytes cuts s so that, with note appended, it fits in n bytes. It cuts
// at the last line break when one lies in the second half of what is kept,
// and appends note only when it had to cut.
func CapBytes(s string, n int, note string) string {
	return capLines(s, n, note, func(s string) int { return len(s) }, Truncate)
}

// CapRunes is CapBytes counting runes, the unit of GitHub's body limits.
func CapRunes(s string, n int, note string) string {
	return capLines(s, n, note, utf8.RuneCountInString, TruncateRunes)
}

func capLines(s string, n int, note string, size func(string) int, cut func(string, int) string) string {
	if size(s) <= n {
		return s
	}
	s = cut(s, max(0, n-size(note)))
	if i := strings.LastIndexByte(s, '\n'); i > len(s)/2 {
		s = s[:i]
	}
	return s + note
}

// Plain reports whether s can be printed as is where syntax would be
// dangerous (a shell command people copy, a Markdown link): not empty, at
// most maxLen bytes, and only ASCII letters, digits and the characters in
// extra.
func Plain(s string, maxLen int, extra string) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(extra, r)) {
			return false
		}
	}
	return true
}
