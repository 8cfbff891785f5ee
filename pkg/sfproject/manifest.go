package sfproject

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/org/deploy-guard/pkg/safefs"
)

// Member is one metadata component: a type such as ApexClass and its full
// name as sf writes it in package.xml ("Invoice__c.Amount__c" for a field).
type Member struct{ Type, Name string }

// String formats the member as "Type Name".
func (m Member) String() string { return m.Type + " " + m.Name }

// ManifestEntry is a manifest member with the position of its <members>
// element.
type ManifestEntry struct {
	Member
	Line, Col int
}

// ReadManifest reads the types and members of a package.xml manifest. A
// wildcard "*" is kept as a member. XML errors are *Error values with the
// line and column.
func ReadManifest(path string) ([]Member, error) {
	entries, err := ReadManifestEntries(path)
	if err != nil {
		return nil, err
	}
	out := make([]Member, len(entries))
	for i, e := range entries {
		out[i] = e.Member
	}
	return out, nil
}

// MaxManifestFile bounds package.xml: 20,000 members take about 2 MB.
const MaxManifestFile = 64 << 20

// ReadManifestEntries is ReadManifest with the position of each member.
func ReadManifestEntries(path string) ([]ManifestEntry, error) {
	data, err := safefs.ReadFile(path, MaxManifestFile)
	if err != nil {
		return nil, &Error{File: path, Problem: "cannot read the manifest: " + err.Error(), Err: err}
	}
	entries, err := ParseManifest(data)
	var e *Error
	if errors.As(err, &e) {
		e.File = path
	}
	return entries, err
}

// ParseManifest parses package.xml content. Its errors are *Error values
// without a file name.
func ParseManifest(data []byte) ([]ManifestEntry, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	d := xml.NewDecoder(bytes.NewReader(data))
	var (
		out     []ManifestEntry
		pending []ManifestEntry // members of the current <types>, named at </types>
		typ     string
		path    []string
		text    strings.Builder
	)
	fail := func(msg string) error {
		line, col := Position(data, int(d.InputOffset()))
		return &Error{Line: line, Col: col, Problem: msg}
	}
	for {
		start := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, col := Position(data, int(d.InputOffset()))
			return nil, &Error{Line: line, Col: col, Problem: "XML syntax error: " + err.Error(), Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			text.Reset()
			if len(path) == 1 && t.Name.Local != "Package" {
				return nil, fail(fmt.Sprintf("the root element is <%s>, not <Package>", t.Name.Local))
			}
			if len(path) == 3 && path[1] == "types" && t.Name.Local == "members" {
				line, col := Position(data, int(start))
				pending = append(pending, ManifestEntry{Line: line, Col: col})
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			v := strings.TrimSpace(text.String())
			switch {
			case len(path) == 3 && path[1] == "types" && t.Name.Local == "members":
				pending[len(pending)-1].Name = v
			case len(path) == 3 && path[1] == "types" && t.Name.Local == "name":
				typ = v
			case len(path) == 2 && t.Name.Local == "types":
				if typ == "" && len(pending) > 0 {
					return nil, fail("a <types> element has members but no <name>")
				}
				for _, p := range pending {
					p.Type = typ
					out = append(out, p)
				}
				pending, typ = pending[:0], ""
			}
			path = path[:len(path)-1]
			text.Reset()
		}
	}
	return out, nil
}
