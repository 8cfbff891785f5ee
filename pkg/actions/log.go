package actions

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"

	"github.com/sethvargo/go-githubactions"

	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/safetext"
)

// Log writes the action's log: plain lines, annotations, masks, groups and
// relayed untrusted text. Everything passes through the redactor first.
// Write errors are remembered, never panicked on: the log is not worth
// losing a deployment's outcome over.
type Log struct {
	mu      sync.Mutex
	w       *errWriter
	gha     *githubactions.Action
	red     *redact.Redactor
	inGroup bool
	debug   bool
	masked  map[string]bool
	// reserved are the prefixes only Record may start a line with.
	reserved []string
}

// NewLog returns a Log writing to w. debug enables Debugf lines (the runner
// shows them only with ACTIONS_STEP_DEBUG anyway).
func NewLog(w io.Writer, r *redact.Redactor, debug bool) *Log {
	ew := &errWriter{w: w}
	return &Log{
		w:      ew,
		gha:    githubactions.New(githubactions.WithWriter(ew), githubactions.WithGetenv(func(string) string { return "" })),
		red:    r,
		debug:  debug,
		masked: map[string]bool{},
	}
}

// Err returns the first write error, if any.
func (l *Log) Err() error { return l.w.err }

// Mask registers a secret with the runner's masker (the whole value; the
// runner also masks each line of an escaped multi-line value) and with the
// redactor. Call it before anything else is printed.
func (l *Log) Mask(secret string) {
	if strings.TrimSpace(secret) == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.masked[secret] {
		return
	}
	l.masked[secret] = true
	// go-githubactions escapes the value as command data, so a multi-line
	// key stays one command and "%0A" in a secret is masked as written.
	l.gha.AddMask(secret)
	for _, line := range strings.FieldsFunc(secret, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if t := strings.TrimSpace(line); len(t) >= 4 && !l.masked[t] {
			l.masked[t] = true
			l.gha.AddMask(t)
		}
	}
	l.red.Add(secret)
}

// Infof prints a line of the action's own text.
func (l *Log) Infof(format string, args ...any) {
	l.line(fmt.Sprintf(format, args...))
}

// Debugf prints a debug line when debug logging is on.
func (l *Log) Debugf(format string, args ...any) {
	if !l.debug {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gha.Debugf("%s", l.quote(l.red.String(fmt.Sprintf(format, args...))))
}

// DebugExcerpt prints at most n bytes of untrusted text as a debug line,
// redacted before it is cut (a cut secret no longer matches its mask).
func (l *Log) DebugExcerpt(label string, text []byte, n int) {
	if !l.debug {
		return
	}
	clean := l.red.String(string(text))
	l.Debugf("%s (%d bytes): %s", label, len(clean), safetext.Truncate(clean, n))
}

// line prints the action's own text; it must not contain workflow commands
// from untrusted sources (use Untrusted for those).
func (l *Log) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, neutralize(l.quote(l.red.String(s))))
}

// Reserve makes prefix a text that only Record may print: a later run
// reads a line starting with it back from this job's log (the circuit
// breaker's outcome line), so no text the action relays or embeds (an org
// message holding a line break and then the prefix) may start a line with
// it. Every other print path quotes a line that holds it anywhere (once
// invisible characters are dropped: the runner writes an annotation's
// second line without a timestamp, so "<a timestamp> <prefix>" must not get
// through either) as "(quoted) <line>".
func (l *Log) Reserve(prefix string) {
	if prefix == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reserved = append(l.reserved, prefix)
}

// Record prints one line of the action's own record, which may start with
// a reserved prefix. It must be a single line: text with a line break is
// printed as any other line (quoted).
func (l *Log) Record(s string) {
	s = l.red.String(s)
	if strings.ContainsAny(s, "\r\n") {
		l.line(s)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, neutralize(s))
}

// quote prefixes with "(quoted) " every line of s that would start with a
// reserved prefix. Lines end at "\n" or "\r", as the runner ends them.
// Call it with l.mu held or before the log is shared.
func (l *Log) quote(s string) string {
	if len(l.reserved) == 0 {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		ln, rest := s, ""
		if i >= 0 {
			ln, rest = s[:i], s[i:]
		}
		if l.isReserved(ln) {
			b.WriteString("(quoted) ")
		}
		b.WriteString(ln)
		j := 0
		for j < len(rest) && (rest[j] == '\r' || rest[j] == '\n') {
			j++
		}
		b.WriteString(rest[:j])
		s = rest[j:]
	}
	return b.String()
}

func (l *Log) isReserved(ln string) bool {
	v := strings.Map(dropInvisible, ln)
	for _, p := range l.reserved {
		if strings.Contains(v, p) {
			return true
		}
	}
	return false
}

// Annotate emits an annotation. Title and message are redacted and escaped.
func (l *Log) Annotate(a Annotation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a.Title = l.quote(l.red.String(a.Title))
	a.Message = l.quote(l.red.String(a.Message))
	fmt.Fprintln(l.w, a.String())
}

// Group starts a collapsible group. Groups cannot nest on the runner, so an
// open group is closed first.
func (l *Log) Group(title string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inGroup {
		l.gha.EndGroup()
	}
	l.gha.Group(l.quote(l.red.String(title)))
	l.inGroup = true
}

// EndGroup closes the open group, if any. Safe to call on every exit path.
func (l *Log) EndGroup() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inGroup {
		l.gha.EndGroup()
		l.inGroup = false
	}
}

// Untrusted relays text the action does not control (sf output, org error
// messages) between ::stop-commands:: markers with a fresh random token, so
// that a test message containing "::error::" or "::add-mask::" is printed,
// not obeyed.
func (l *Log) Untrusted(label string, text []byte) {
	if len(text) == 0 {
		return
	}
	token := RandomToken()
	l.mu.Lock()
	defer l.mu.Unlock()
	if label != "" {
		fmt.Fprintln(l.w, neutralize(l.quote(l.red.String(label))))
	}
	fmt.Fprintf(l.w, "::stop-commands::%s\n", token)
	body := l.quote(l.red.String(string(text)))
	fmt.Fprint(l.w, body)
	if !strings.HasSuffix(body, "\n") {
		fmt.Fprintln(l.w)
	}
	fmt.Fprintf(l.w, "::%s::\n", token)
}

// neutralize makes the action's own text (which may embed a component or
// file name, an input or an org message) print as text, never as a workflow
// command. The runner reads a line as a command when, after Unicode white
// space, it starts with "::", or when it holds "##[" anywhere; it ends lines
// at "\r" as well as "\n", and its culture-sensitive search skips control
// and format characters (U+200B, U+FEFF, ...). So every "\r" becomes a line
// break here, and a line that holds a command once those characters are
// dropped is printed without them and with "::" → ": :" and "##[" → "# #[".
// Other lines are printed as they are.
func neutralize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n")
	for i, ln := range lines {
		v := strings.Map(dropInvisible, ln)
		trimmed := strings.TrimLeftFunc(v, unicode.IsSpace)
		if !strings.HasPrefix(trimmed, "::") && !strings.Contains(v, "##[") {
			continue
		}
		if strings.HasPrefix(trimmed, "::") {
			v = v[:len(v)-len(trimmed)] + ": :" + trimmed[2:]
		}
		lines[i] = strings.ReplaceAll(v, "##[", "# #[")
	}
	return strings.Join(lines, "\n")
}

// dropInvisible drops the characters the runner's matching of "::" and "##["
// skips: controls other than tab, format characters, default-ignorable code
// points and variation selectors.
func dropInvisible(r rune) rune {
	if r != '\t' && unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r) {
		return -1
	}
	return r
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	if _, err := e.w.Write(p); err != nil {
		e.err = err
	}
	return len(p), nil
}
