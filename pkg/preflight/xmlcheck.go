package preflight

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/org/deploy-guard/pkg/sfproject"
)

// xmlProblem is the first well-formedness error in a file.
type xmlProblem struct {
	Line, Col int
	Message   string
}

var (
	bomUTF8    = []byte("\xef\xbb\xbf")
	bomUTF16LE = []byte("\xff\xfe")
	bomUTF16BE = []byte("\xfe\xff")
)

// checkXML reports the first well-formedness error in data, or nil. It
// streams the document through encoding/xml in strict mode (no AutoClose,
// no entities beyond the five predefined ones) and adds the checks the
// decoder leaves out: one root element, no text outside it, the XML
// declaration first, no repeated attribute, valid UTF-8 everywhere.
func checkXML(data []byte) *xmlProblem {
	switch {
	case bytes.HasPrefix(data, bomUTF16LE), bytes.HasPrefix(data, bomUTF16BE):
		return &xmlProblem{1, 1, "the file is UTF-16: save it as UTF-8"}
	}
	// sf accepts a UTF-8 byte order mark; it is not a column.
	data = bytes.TrimPrefix(data, bomUTF8)
	if len(bytes.TrimSpace(data)) == 0 {
		msg := "file is empty"
		if len(data) > 0 {
			msg = "file is empty (only whitespace)"
		}
		return &xmlProblem{1, 1, msg}
	}
	if p := checkEncoding(data); p != nil {
		return p
	}
	c := xmlScan{data: data, d: xml.NewDecoder(bytes.NewReader(data))}
	c.d.Strict = true
	// Reached only for a declared non-UTF-8 encoding whose content
	// checkEncoding proved to be ASCII, which reads the same in UTF-8.
	c.d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	return c.run()
}

// checkEncoding rejects bytes that are not UTF-8, and non-ASCII content in a
// file that declares another encoding (Salesforce reads metadata as UTF-8).
func checkEncoding(data []byte) *xmlProblem {
	if enc := declaredEncoding(data); enc != "" && !strings.EqualFold(enc, "UTF-8") && !strings.EqualFold(enc, "UTF8") {
		for i, b := range data {
			if b >= utf8.RuneSelf {
				line, col := sfproject.Position(data, i)
				return &xmlProblem{line, col, fmt.Sprintf("the file declares encoding %q and has non-ASCII byte 0x%02X: save it as UTF-8 and declare encoding=\"UTF-8\"", enc, b)}
			}
		}
		return nil
	}
	if utf8.Valid(data) {
		return nil
	}
	i := firstInvalidUTF8(data)
	line, col := sfproject.Position(data, i)
	return &xmlProblem{line, col, fmt.Sprintf("invalid UTF-8 byte 0x%02X: the file is not UTF-8 (Latin-1 or Windows-1252?); save it as UTF-8", data[i])}
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// declaredEncoding returns the encoding pseudo-attribute of a leading XML
// declaration, or "".
func declaredEncoding(data []byte) string {
	if !bytes.HasPrefix(data, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(data, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(data[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	rest, ok := strings.CutPrefix(rest, "=")
	if !ok {
		return ""
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	v, _, _ := strings.Cut(rest[1:], rest[:1])
	return v
}

// openElement is an element whose end tag has not been read yet.
type openElement struct {
	name string
	off  int
}

type xmlScan struct {
	data     []byte
	d        *xml.Decoder
	stack    []openElement
	rootDone bool
	rootSeen bool
	attrs    map[xml.Name]struct{} // reused by repeatedAttr
}

// run walks the tokens. RawToken is used rather than Token because it skips
// namespace translation (a quarter faster); run matches end tags itself.
func (c *xmlScan) run() *xmlProblem {
	for {
		off := int(c.d.InputOffset())
		tok, err := c.d.RawToken()
		if err == io.EOF {
			return c.atEOF()
		}
		if err != nil {
			return c.decoderError(err)
		}
		if p := c.token(tok, off); p != nil {
			return p
		}
	}
}

func (c *xmlScan) token(tok xml.Token, off int) *xmlProblem {
	switch t := tok.(type) {
	case xml.StartElement:
		name := qname(t.Name)
		if len(c.stack) == 0 && c.rootDone {
			return c.at(off, fmt.Sprintf("XML syntax error: a second root element <%s> after the end of the document: a file has one root element", name))
		}
		if p := c.repeatedAttr(t, off); p != nil {
			return p
		}
		c.rootSeen = true
		c.stack = append(c.stack, openElement{name, off})
	case xml.EndElement:
		name := qname(t.Name)
		if len(c.stack) == 0 {
			return c.at(off, fmt.Sprintf("XML syntax error: unexpected end element </%s>", name))
		}
		top := c.stack[len(c.stack)-1]
		if top.name != name {
			line, _ := sfproject.Position(c.data, top.off)
			return c.at(off, fmt.Sprintf("XML syntax error: element <%s> closed by </%s> (<%s> opened at line %d)", top.name, name, top.name, line))
		}
		c.stack = c.stack[:len(c.stack)-1]
		c.rootDone = len(c.stack) == 0
	case xml.CharData:
		if len(c.stack) > 0 {
			return nil
		}
		if i := bytes.IndexFunc(t, func(r rune) bool { return !isSpace(r) }); i >= 0 {
			where := "before the root element"
			if c.rootDone {
				where = "after the end of the root element"
			}
			return c.atText(off, fmt.Sprintf("XML syntax error: text %s", where))
		}
	case xml.ProcInst:
		if strings.EqualFold(t.Target, "xml") && off != 0 {
			return c.at(off, "XML syntax error: the XML declaration <?xml ...?> must be at the very start of the file")
		}
	}
	return nil
}

// pairAttrs is the attribute count up to which comparing every pair is
// cheaper than a set; above it a set keeps the check linear in a file a
// pull request controls (issue 28: 50,000 attributes were 1.25e9 pairs).
const pairAttrs = 16

func (c *xmlScan) repeatedAttr(t xml.StartElement, off int) *xmlProblem {
	repeated := func(i int) *xmlProblem {
		return c.at(off, fmt.Sprintf("XML syntax error: attribute %s repeated in <%s>", qname(t.Attr[i].Name), qname(t.Name)))
	}
	if len(t.Attr) <= pairAttrs {
		for i := 1; i < len(t.Attr); i++ {
			for j := 0; j < i; j++ {
				if t.Attr[i].Name == t.Attr[j].Name {
					return repeated(i)
				}
			}
		}
		return nil
	}
	if c.attrs == nil {
		c.attrs = map[xml.Name]struct{}{}
	}
	clear(c.attrs)
	for i, a := range t.Attr {
		if _, dup := c.attrs[a.Name]; dup {
			return repeated(i)
		}
		c.attrs[a.Name] = struct{}{}
	}
	return nil
}

func (c *xmlScan) atEOF() *xmlProblem {
	if n := len(c.stack); n > 0 {
		top := c.stack[n-1]
		return c.at(top.off, fmt.Sprintf("unexpected EOF: unclosed <%s>", top.name))
	}
	if !c.rootSeen {
		return c.at(len(bytes.TrimRight(c.data, " \t\r\n")), "XML syntax error: no root element")
	}
	return nil
}

// decoderError places an encoding/xml error. The decoder stops just after
// the offending character; entities and illegal characters are moved back
// onto it, and an error at the end of the file onto the last line.
func (c *xmlScan) decoderError(err error) *xmlProblem {
	off := int(c.d.InputOffset())
	msg := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg = se.Msg
	}
	switch {
	case strings.HasPrefix(msg, "invalid character entity"):
		if i := bytes.LastIndexByte(c.data[:off], '&'); i >= 0 {
			off = i
		}
		msg += " (only &amp; &lt; &gt; &quot; &apos; and numeric references are defined in XML)"
	case strings.HasPrefix(msg, "illegal character code"):
		_, n := utf8.DecodeLastRune(c.data[:off])
		off -= n
	}
	if msg == "unexpected EOF" && len(c.stack) > 0 {
		msg = fmt.Sprintf("unexpected EOF inside <%s>", c.stack[len(c.stack)-1].name)
	}
	if end := len(bytes.TrimRight(c.data, " \t\r\n")); off > end {
		off = end
	}
	if !strings.HasPrefix(msg, "unexpected EOF") {
		msg = "XML syntax error: " + msg
	}
	return c.at(off, msg)
}

func (c *xmlScan) at(off int, msg string) *xmlProblem {
	line, col := sfproject.Position(c.data, off)
	return &xmlProblem{line, col, msg}
}

// atText places an error on the first non-space character at or after off.
func (c *xmlScan) atText(off int, msg string) *xmlProblem {
	for off < len(c.data) && isSpace(rune(c.data[off])) {
		off++
	}
	return c.at(off, msg)
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}
