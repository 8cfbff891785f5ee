package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/safetext"
)

// Text from the org (names, messages, stack traces) is untrusted: it is
// escaped with package safetext, the one set of rules every renderer shares.
// The run reaches the renderers already redacted (see app), so the text is
// escaped and cut here after its secrets were masked. The short names below
// keep the renderers readable.
var (
	collapse = safetext.Collapse
	md       = safetext.Inline
	mdMax    = safetext.InlineMax
	htm      = safetext.HTML
	cut      = safetext.Truncate
	fenceFor = safetext.FenceFor
)

// code renders s as a one-line code span; inTable escapes pipes too.
func code(s string, inTable bool) string {
	if inTable {
		return safetext.CodeCell(s)
	}
	return safetext.Code(s)
}

// safeToken keeps a value that goes into a shell command only when it is a
// plain identifier (org alias, job id, test name); otherwise it returns def.
func safeToken(s, def string) string {
	if safetext.Plain(s, 200, "_.@:/-,") {
		return s
	}
	return def
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
