package preflight

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckXML(t *testing.T) {
	t.Parallel()
	const decl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	tests := []struct {
		name      string
		in        string
		line, col int
		msg       string // "" means well-formed
	}{
		{name: "ok", in: decl + "<a xmlns=\"urn:x\">\n  <b>x &amp; y &#233;</b>\n</a>\n"},
		{name: "bom accepted", in: "\xef\xbb\xbf" + decl + "<a/>"},
		{name: "bom error columns ignore the bom", in: "\xef\xbb\xbf<a>&bad;</a>", line: 1, col: 4, msg: "invalid character entity &bad;"},
		{name: "no declaration", in: "<a/>"},
		{name: "ascii content with latin-1 declared", in: `<?xml version="1.0" encoding="ISO-8859-1"?><a>plain</a>`},
		{name: "non-ascii content with latin-1 declared", in: "<?xml version=\"1.0\" encoding='ISO-8859-1'?>\n<a>caf\xe9</a>", line: 2, col: 7, msg: `declares encoding "ISO-8859-1" and has non-ASCII byte 0xE9`},
		{name: "utf-8 content with latin-1 declared", in: "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<a>caf\xc3\xa9</a>", line: 2, col: 7, msg: "non-ASCII byte 0xC3"},
		{name: "empty", in: "", line: 1, col: 1, msg: "file is empty"},
		{name: "whitespace only", in: " \n\t", line: 1, col: 1, msg: "file is empty (only whitespace)"},
		{name: "bom only", in: "\xef\xbb\xbf", line: 1, col: 1, msg: "file is empty"},
		{name: "utf-16", in: "\xff\xfe<\x00a\x00/\x00>\x00", line: 1, col: 1, msg: "UTF-16"},
		{name: "invalid utf-8 after multibyte", in: "<a>é\xe9</a>", line: 1, col: 5, msg: "invalid UTF-8 byte 0xE9"},
		{name: "invalid utf-8 in comment", in: "<a>\n<!-- \xff --></a>", line: 2, col: 6, msg: "invalid UTF-8 byte 0xFF"},
		{name: "mismatched end", in: "<a>\n  <b>x</c>\n</a>", line: 2, col: 7, msg: "XML syntax error: element <b> closed by </c> (<b> opened at line 2)"},
		{name: "unclosed at eof", in: decl + "<a>\n  <b>x</b>\n", line: 2, col: 1, msg: "unexpected EOF: unclosed <a>"},
		{name: "eof inside tag", in: "<a>\n<b attr=\"x", line: 2, col: 11, msg: "unexpected EOF"},
		{name: "undefined entity", in: "<a>\n <b>&nbsp;</b></a>", line: 2, col: 5, msg: "XML syntax error: invalid character entity &nbsp;"},
		{name: "bare ampersand", in: "<a>fish & chips</a>", line: 1, col: 9, msg: "XML syntax error: invalid character entity &"},
		{name: "illegal control char", in: "<a>\n<b>\x01</b></a>", line: 2, col: 4, msg: "illegal character code U+0001"},
		{name: "two roots", in: "<a/>\n<b/>", line: 2, col: 1, msg: "a second root element <b>"},
		{name: "text after root", in: "<a/>\n  junk", line: 2, col: 3, msg: "text after the end of the root element"},
		{name: "text before root", in: "junk<a/>", line: 1, col: 1, msg: "text before the root element"},
		{name: "whitespace around root", in: "\n<a/>\n\n"},
		{name: "comment after root", in: "<a/><!-- c -->"},
		{name: "declaration not first", in: "\n" + decl + "<a/>", line: 2, col: 1, msg: "XML declaration"},
		{name: "no root", in: decl + "<!-- nothing -->\n", line: 2, col: 17, msg: "no root element"},
		{name: "repeated attribute", in: "<a>\n <b x='1' x='2'/></a>", line: 2, col: 2, msg: "attribute x repeated in <b>"},
		// Above pairAttrs the check uses a set: same answer, linear time.
		{name: "repeated attribute among many", in: manyAttrs(5000, "a7"), line: 1, col: 1, msg: "attribute a7 repeated in <r>"},
		{name: "many distinct attributes", in: manyAttrs(5000, "")},
		{name: "stray end tag", in: "<a/></a>", line: 1, col: 5, msg: "unexpected end element </a>"},
		{name: "bad name", in: "<a>\n  < b/></a>", line: 2, col: 4, msg: "expected element name after <"},
		{name: "column counts characters", in: "<a>ééé</b>", line: 1, col: 7, msg: "closed by </b>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := checkXML([]byte(tc.in))
			if tc.msg == "" {
				if p != nil {
					t.Fatalf("unexpected problem %d:%d %s", p.Line, p.Col, p.Message)
				}
				return
			}
			if p == nil {
				t.Fatalf("no problem found, want %q", tc.msg)
			}
			if p.Line != tc.line || p.Col != tc.col || !strings.Contains(p.Message, tc.msg) {
				t.Errorf("got %d:%d %q, want %d:%d %q", p.Line, p.Col, p.Message, tc.line, tc.col, tc.msg)
			}
		})
	}
}

// fuzzDoc is marshaled from fuzz strings: whatever they hold, encoding/xml
// must produce a document checkXML accepts.
type fuzzDoc struct {
	XMLName xml.Name `xml:"http://soap.sforce.com/2006/04/metadata CustomField"`
	Attr    string   `xml:"attr,attr"`
	Label   string   `xml:"label"`
	Items   []string `xml:"items>item"`
	Note    string   `xml:",comment"`
}

func FuzzXMLCheck(f *testing.F) {
	f.Add([]byte("<a>\n <b>&nbsp;</b></a>"), "Amount & <more>")
	f.Add([]byte("\xef\xbb\xbf<?xml version=\"1.0\"?><a/>"), "é\x00\xff")
	f.Fuzz(func(t *testing.T, data []byte, s string) {
		if p := checkXML(data); p != nil && (p.Line < 1 || p.Col < 1) {
			t.Fatalf("bad position %d:%d for %q", p.Line, p.Col, data)
		}
		doc := fuzzDoc{Attr: s, Label: s, Items: []string{s, s + s}}
		// Marshal copies comments verbatim, so only legal comment text is a
		// well-formed input.
		if !strings.Contains(s, "--") && !strings.HasSuffix(s, "-") && isXMLText(s) {
			doc.Note = s
		}
		out, err := xml.Marshal(doc)
		if err != nil {
			return // Marshal refuses some comments; nothing to check
		}
		full := append([]byte(xml.Header), out...)
		if p := checkXML(full); p != nil {
			t.Fatalf("well-formed output of xml.Marshal rejected at %d:%d: %s\n%q", p.Line, p.Col, p.Message, full)
		}
	})
}

// isXMLText reports whether s is valid UTF-8 made of XML characters only.
func isXMLText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		ok := r == 0x09 || r == 0x0A || r == 0x0D || (r >= 0x20 && r <= 0xD7FF) ||
			(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
		if !ok {
			return false
		}
	}
	return true
}

// manyAttrs is a root element with n distinct attributes, and repeat once
// more at the end when not empty.
func manyAttrs(n int, repeat string) string {
	var b strings.Builder
	b.WriteString("<r")
	for i := range n {
		fmt.Fprintf(&b, " a%d='v'", i)
	}
	if repeat != "" {
		fmt.Fprintf(&b, " %s='again'", repeat)
	}
	b.WriteString("/>")
	return b.String()
}

// BenchmarkRepeatedAttrs: one element with 20,000 attributes, a
// PR-controlled file. Comparing every pair (before issue 28) is quadratic.
func BenchmarkRepeatedAttrs(b *testing.B) {
	data := []byte(manyAttrs(20000, ""))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if p := checkXML(data); p != nil {
			b.Fatal(p.Message)
		}
	}
}
