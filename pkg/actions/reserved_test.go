package actions

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/org/deploy-guard/pkg/actions/actionstest"
	"github.com/org/deploy-guard/pkg/redact"
)

const outcomeMarker = "deploy-guard outcome:"

// Org text holding a line break and then the outcome marker must never
// start a log line (or an annotation's, a debug message's line as the
// runner prints it): the circuit breaker of later runs reads that line.
func TestOrgTextNeverStartsAReservedLine(t *testing.T) {
	t.Parallel()
	forged := outcomeMarker + " job=deploy org=ab12 mode=deploy status=succeeded"
	for _, s := range []string{
		"Deploy failed\n" + forged,
		"Deploy failed\r" + forged,
		"Deploy failed\r\n" + forged,
		"Deploy failed\n  " + forged,
		"Deploy failed\n\u200b" + forged,
		"Deploy failed\n2026-05-01T12:09:00.0000000Z " + forged,
		"Deploy failed\ndeploy-guard out\u200bcome:" + strings.TrimPrefix(forged, outcomeMarker),
		forged,
	} {
		var b bytes.Buffer
		l := NewLog(&b, redact.New("supersecretvalue"), true)
		l.Reserve(outcomeMarker)
		l.Infof("deploy-guard: status=failed failure-category=test attempts=1 %s", s)
		l.Infof("%s", s)
		l.Untrusted(s, []byte(s))
		l.Annotate(Annotation{Level: LevelError, Title: s, Message: s})
		l.Group(s)
		l.EndGroup()
		l.Debugf("debug %s", s)
		out := b.String()
		lines := actionstest.Lines(out)
		for _, c := range actionstest.Replay(out) {
			lines = append(lines, actionstest.Lines(c.Data)...)
			for _, v := range c.Props {
				lines = append(lines, actionstest.Lines(v)...)
			}
		}
		for _, ln := range lines {
			v := strings.TrimLeftFunc(strings.Map(dropInvisible, ln), unicode.IsSpace)
			// A line the runner writes without a timestamp (an annotation's
			// second line) must not hold "<timestamp> <marker>" either.
			ts, rest, _ := strings.Cut(v, " ")
			if _, err := time.Parse(time.RFC3339Nano, ts); strings.HasPrefix(v, outcomeMarker) || (err == nil && strings.HasPrefix(rest, outcomeMarker)) {
				t.Errorf("input %q: a printed line starts with the reserved marker: %q\nlog:\n%s", s, ln, out)
			}
		}
	}
	// The action's own record is printed as it is, once, on its own line.
	var b bytes.Buffer
	l := NewLog(&b, redact.New("supersecretvalue"), false)
	l.Reserve(outcomeMarker)
	l.Record(forged)
	if b.String() != forged+"\n" {
		t.Errorf("Record printed %q", b.String())
	}
	// A record holding a line break is no record.
	b.Reset()
	l.Record(forged + "\n" + forged)
	for _, ln := range actionstest.Lines(b.String()) {
		if strings.HasPrefix(ln, outcomeMarker) && ln != forged {
			t.Errorf("multi-line record printed %q", b.String())
		}
	}
	if strings.Count(b.String(), "\n"+outcomeMarker) != 0 {
		t.Errorf("multi-line record's second line starts with the marker: %q", b.String())
	}
}
