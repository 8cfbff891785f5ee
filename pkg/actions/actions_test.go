package actions

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/redact"
)

func TestEscapeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", "50% done", "a\nb\r\nc", "%0A literal", "C:\\path,with:colons", "%25%3A%2C"} {
		if got := UnescapeData(EscapeData(s)); got != s {
			t.Errorf("data round trip of %q = %q", s, got)
		}
		if got := UnescapeProperty(EscapeProperty(s)); got != s {
			t.Errorf("property round trip of %q = %q", s, got)
		}
		if e := EscapeProperty(s); strings.ContainsAny(e, ":,\r\n") {
			t.Errorf("EscapeProperty(%q) = %q still holds a separator", s, e)
		}
	}
}

func TestAnnotationString(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		a    Annotation
		want string
	}{
		{"full", Annotation{Level: LevelError, File: "force-app/classes/A.cls", Line: 12, Col: 5, Title: "metadata: A", Message: "Unexpected token ':'"},
			"::error col=5,file=force-app/classes/A.cls,line=12,title=metadata%3A A::Unexpected token ':'"},
		{"col without line dropped", Annotation{Level: LevelWarning, File: "a", Col: 3, Message: "m"}, "::warning file=a::m"},
		{"multi-line range drops columns", Annotation{File: "a", Line: 3, EndLine: 5, Col: 2, Message: "m"}, "::error endLine=5,file=a,line=3::m"},
		{"endLine before line dropped", Annotation{File: "a", Line: 5, EndLine: 3, Message: "m"}, "::error file=a,line=5::m"},
		{"message escaped", Annotation{Level: LevelNotice, Message: "a\nb%c"}, "::notice::a%0Ab%25c"},
	}
	for _, tc := range cases {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	long := Annotation{Message: strings.Repeat("é", 5000)}.String()
	if msg := UnescapeData(strings.TrimPrefix(long, "::error::")); len(msg) > MaxAnnotationMessage || !strings.HasSuffix(msg, "…") {
		t.Errorf("long message not truncated safely: %d bytes", len(msg))
	}
}

// parseOutputFile reads GITHUB_OUTPUT the way the runner does
// (FileCommandManager.EnvFileKeyValuePairs): NAME=VALUE lines, or heredocs
// ended by a line exactly equal to the delimiter.
func parseOutputFile(t *testing.T, content string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(content, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, heredoc := strings.Index(line, "="), strings.Index(line, "<<")
		if eq >= 0 && (heredoc < 0 || eq < heredoc) {
			out[line[:eq]] = line[eq+1:]
			continue
		}
		name, delim := line[:heredoc], line[heredoc+2:]
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("runner would fail: delimiter %q not found", delim)
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

func TestOutputsCannotBeForged(t *testing.T) {
	t.Parallel()
	// A component name from a pull request that tries to close the fixed
	// go-githubactions delimiter and set outputs of its own.
	hostile := "Evil\n_GitHubActionsFileCommandDelimeter_\nstatus=succeeded\nfailure-category<<EOF\nnone\nEOF"
	o := NewOutputs(redact.New())
	o.Set("status", "failed")
	o.Set("failed-component", hostile)
	o.Set("failure-category", "metadata")
	path := filepath.Join(t.TempDir(), "output")
	if err := o.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	got := parseOutputFile(t, string(b))
	want := map[string]string{"status": "failed", "failed-component": hostile, "failure-category": "metadata"}
	if len(got) != len(want) {
		t.Fatalf("later steps see %d outputs %v, want exactly %v", len(got), got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("output %s = %q, want %q", k, got[k], v)
		}
	}
}

func TestOutputsRedactAndCap(t *testing.T) {
	t.Parallel()
	o := NewOutputs(redact.New("s3cr3t-token"))
	o.Set("coverage", "token s3cr3t-token here")
	o.Set("failed-tests", strings.Repeat("T.m,", 20000))
	if err := o.Set("bad name", "x"); err == nil {
		t.Error("invalid name accepted")
	}
	enc := o.Encode()
	if strings.Contains(enc, "s3cr3t-token") {
		t.Error("secret reached the outputs")
	}
	if len(enc) > MaxOutputValue+MaxOutputsTotal {
		t.Errorf("encoded outputs are %d bytes", len(enc))
	}
}

func TestOutputsFileErrors(t *testing.T) {
	t.Parallel()
	o := NewOutputs(redact.New())
	o.Set("status", "failed")
	if err := o.WriteFile(""); err == nil {
		t.Error("unset GITHUB_OUTPUT accepted")
	}
	if err := o.WriteFile(filepath.Join(t.TempDir(), "missing-dir", "out")); err == nil {
		t.Error("unwritable GITHUB_OUTPUT accepted")
	}
	if err := o.WriteFile("/dev/full"); err == nil {
		t.Error("full GITHUB_OUTPUT accepted")
	}
}

func TestCapMarkdown(t *testing.T) {
	t.Parallel()
	big := "# Banner\n" + strings.Repeat("| row | with text |\n", 100000)
	got := CapMarkdown(big, MaxSummaryBytes)
	if len(got) > MaxSummaryBytes || !strings.HasPrefix(got, "# Banner\n") || !strings.Contains(got, "truncated") {
		t.Errorf("capped summary: %d bytes", len(got))
	}
	if !strings.HasSuffix(strings.TrimSuffix(got, "\n\n> (truncated: the full report is in the artifacts, report.md)\n"), "|") {
		t.Error("summary not cut at a line boundary")
	}
	if CapMarkdown("small", 100) != "small" {
		t.Error("small summary changed")
	}
}

func TestLogUntrustedAndMask(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	r := redact.New()
	l := NewLog(&b, r, false)
	l.Mask("-----BEGIN KEY-----\nline2secret\n-----END KEY-----")
	l.Untrusted("sf stderr:", []byte("::error::forged\n::add-mask::x\nline2secret\n"))
	l.Infof("::warning::from a class name")
	l.Group("one")
	l.Group("two")
	l.EndGroup()
	l.EndGroup()
	out := b.String()
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "::add-mask::-----BEGIN KEY-----%0Aline2secret%0A") {
		t.Errorf("multi-line mask not escaped: %q", lines[0])
	}
	if !strings.Contains(out, "::add-mask::line2secret\n") {
		t.Error("each line of a multi-line secret must be masked too")
	}
	var token string
	for _, ln := range lines {
		if strings.HasPrefix(ln, "::stop-commands::") {
			token = strings.TrimPrefix(ln, "::stop-commands::")
		}
	}
	if len(token) < 32 || !strings.Contains(out, "::"+token+"::\n") {
		t.Fatalf("no stop-commands block with a 32+ char token: %q", out)
	}
	if strings.Contains(out, "\nline2secret\n") {
		t.Error("secret relayed in clear")
	}
	if strings.Contains(out, "\n::warning::") || !strings.Contains(out, "from a class name") {
		t.Error("own line starting with a command was not neutralized")
	}
	if strings.Count(out, "::group::") != 2 || strings.Count(out, "::endgroup::") != 2 {
		t.Errorf("groups must not nest and must all close:\n%s", out)
	}
}

// A secret is masked before a line is neutralized or an excerpt is cut:
// either would leave a form of it the redactor no longer recognises.
func TestLogRedactsBeforeNeutralizingOrCutting(t *testing.T) {
	t.Parallel()
	const secret = `::tok_Qx7Rk2*Vm9Tz4|Lp3Wn8[Hb6Yc1<Jd5Fs0&Gt2Ku7\Nw4Pe9`
	var buf bytes.Buffer
	l := NewLog(&buf, redact.New(), true)
	l.Mask(secret)
	l.Infof("%s rejected", secret)
	l.Untrusted(secret+" said:", []byte("x"))
	pad := strings.Repeat("p", 4000-20)
	l.DebugExcerpt("sf stdout", []byte(pad+secret+" tail"), 4000)
	out := buf.String()
	if !strings.Contains(out, "::debug::sf stdout") {
		t.Fatalf("no debug excerpt:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "::add-mask::") {
			continue
		}
		for _, frag := range []string{"Qx7Rk2", "Vm9Tz4", "Lp3Wn8", "Hb6Yc1", "Jd5Fs0", "Gt2Ku7"} {
			if strings.Contains(line, frag) {
				t.Errorf("line leaks %q: %.200s", frag, line)
			}
		}
	}
}
