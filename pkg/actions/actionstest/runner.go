// Package actionstest replays an action's stdout the way the GitHub runner
// reads it and reports the workflow commands the runner would execute, so
// tests can prove that only the action's own commands ever run, whatever
// the org, the CLI, a file name or an input contains.
//
// It ports the runner's logic (actions/runner: ActionCommandManager's
// TryProcessCommand with its stop-commands state machine, ActionCommand's
// TryParseV2 for `::name props::data` and TryParse for `##[name props]data`,
// and .NET StreamReader.ReadLine, which ends a line at "\r", "\n" or
// "\r\n"). The runner's string searches are culture-sensitive (ICU), which
// ignores control and format characters such as U+200B when matching "::"
// and "##[". The port is conservative there: it drops those characters from
// a line before parsing, so it recognises every command the runner would,
// and a few more.
package actionstest

import (
	"strings"
	"unicode"
	"unicode/utf16"
)

// Command is one workflow command the runner executes.
type Command struct {
	// Name is the command as written ("error", "stop-commands", or a
	// stop token that resumed processing).
	Name string
	// Props holds the properties, keys lower-cased (the runner compares
	// them case-insensitively).
	Props map[string]string
	// Data is the command's data, unescaped.
	Data string
	// Line is the log line the command came from.
	Line string
}

// registered are the commands the runner knows (its command extensions and
// stop-commands); other names make a line plain text.
var registered = []string{
	"stop-commands", "set-env", "set-output", "save-state", "add-mask", "add-path", "add-matcher",
	"remove-matcher", "debug", "warning", "error", "notice", "group", "endgroup", "echo",
}

// Lines splits text where .NET's ReadLine does: at "\r\n", "\r" or "\n". A
// final line break does not start another line.
func Lines(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i])
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
	return out
}

// Replay returns the commands the runner executes for the action's stdout,
// in order. A stop-commands command and the command that resumes processing
// are included; everything between them is text.
func Replay(stdout string) []Command {
	var out []Command
	stopped, token := false, ""
	for _, line := range Lines(stdout) {
		names := registered
		if stopped {
			names = append(names[:len(names):len(names)], token)
		}
		cmd, ok := parse(line, names)
		if !ok {
			continue
		}
		switch {
		case stopped:
			// Only the token resumes; an empty token never does.
			if token != "" && strings.EqualFold(cmd.Name, token) {
				out = append(out, cmd)
				stopped, token = false, ""
			}
		case strings.EqualFold(cmd.Name, "stop-commands"):
			out = append(out, cmd)
			stopped, token = true, cmd.Data
		default:
			out = append(out, cmd)
		}
	}
	return out
}

// Stopped reports whether the runner is still ignoring commands at the end
// of stdout (a stop-commands that was never resumed).
func Stopped(stdout string) bool {
	stopped := false
	for _, c := range Replay(stdout) {
		stopped = strings.EqualFold(c.Name, "stop-commands")
	}
	return stopped
}

func parse(line string, names []string) (Command, bool) {
	s := utf16.Encode([]rune(strings.Map(dropIgnorable, line)))
	if c, ok := parseV2(s, names); ok {
		c.Line = line
		return c, true
	}
	if c, ok := parseV1(s, names); ok {
		c.Line = line
		return c, true
	}
	return Command{}, false
}

// parseV2 is TryParseV2: `::name k=v,k=v::data` after leading white space.
func parseV2(s []uint16, names []string) (Command, bool) {
	i := 0
	for i < len(s) && unicode.IsSpace(rune(s[i])) {
		i++
	}
	msg := s[i:]
	if !hasPrefix(msg, "::") {
		return Command{}, false
	}
	end := index(msg, "::", 2)
	if end < 0 {
		return Command{}, false
	}
	name, props, ok := split(str(msg[2:end]), ' ', names)
	if !ok {
		return Command{}, false
	}
	c := Command{Name: name, Props: map[string]string{}, Data: unescape(str(msg[end+2:]), dataEscapes)}
	for _, p := range strings.Split(strings.TrimSpace(props), ",") {
		if k, v, ok := pair(p); ok {
			c.Props[strings.ToLower(k)] = unescape(v, propertyEscapes)
		}
	}
	return c, true
}

// parseV1 is TryParse: the first `##[` anywhere in the line, `name k=v;k=v`
// up to the next `]`, data after it.
func parseV1(s []uint16, names []string) (Command, bool) {
	start := index(s, "##[", 0)
	if start < 0 {
		return Command{}, false
	}
	rb := -1
	for j := start; j < len(s); j++ {
		if s[j] == ']' {
			rb = j
			break
		}
	}
	if rb < 0 {
		return Command{}, false
	}
	name, props, ok := split(str(s[start+3:rb]), ' ', names)
	if !ok {
		return Command{}, false
	}
	c := Command{Name: name, Props: map[string]string{}, Data: unescape(str(s[rb+1:]), legacyEscapes)}
	for _, p := range strings.Split(props, ";") {
		if k, v, ok := pair(p); ok {
			c.Props[strings.ToLower(k)] = unescape(v, legacyEscapes)
		}
	}
	return c, true
}

// split cuts the command name at the first sep and checks it is registered
// (case-insensitively, as the runner's HashSet does).
func split(info string, sep byte, names []string) (name, props string, ok bool) {
	name, props, _ = strings.Cut(info, string(sep))
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return name, props, true
		}
	}
	return "", "", false
}

// pair splits "k=v" at the first '=' with the runner's RemoveEmptyEntries:
// an empty key or value drops the property.
func pair(p string) (string, string, bool) {
	var parts []string
	for _, f := range strings.SplitN(p, "=", 2) {
		if f != "" {
			parts = append(parts, f)
		}
	}
	if len(parts) != 2 {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// The runner's unescape tables, applied in order.
var (
	dataEscapes     = [][2]string{{"%0D", "\r"}, {"%0A", "\n"}, {"%25", "%"}}
	propertyEscapes = [][2]string{{"%0D", "\r"}, {"%0A", "\n"}, {"%3A", ":"}, {"%2C", ","}, {"%25", "%"}}
	legacyEscapes   = [][2]string{{"%3B", ";"}, {"%0D", "\r"}, {"%0A", "\n"}, {"%5D", "]"}, {"%25", "%"}}
)

func unescape(s string, table [][2]string) string {
	for _, m := range table {
		s = strings.ReplaceAll(s, m[0], m[1])
	}
	return s
}

// dropIgnorable removes what ICU's matching skips: control characters (but
// tab, which is white space), format characters (U+200B, U+FEFF, bidi
// controls), default-ignorable code points and variation selectors.
func dropIgnorable(r rune) rune {
	if r != '\t' && r != '\v' && r != '\f' && unicode.Is(unicode.Cc, r) ||
		unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Variation_Selector, r) {
		return -1
	}
	return r
}

func hasPrefix(s []uint16, p string) bool { return index(s[:min(len(s), len(p))], p, 0) == 0 }

// index finds the ASCII pattern p in s at or after from, in UTF-16 units
// (the runner's indexes are .NET string offsets).
func index(s []uint16, p string, from int) int {
next:
	for i := from; i+len(p) <= len(s); i++ {
		for k := 0; k < len(p); k++ {
			if s[i+k] != uint16(p[k]) {
				continue next
			}
		}
		return i
	}
	return -1
}

func str(s []uint16) string { return string(utf16.Decode(s)) }
