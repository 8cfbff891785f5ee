package result

import "sort"

// scanCoverage reads a codeCoverage array in one pass over its text, for the
// shape sf prints: an array of objects whose name and type are strings
// without escapes (or null), whose counts are integers (or null), and whose
// locationsNotCovered is an array of flat objects with one integer "line"
// each; every other field, of any kind, is passed over. gjson would go over each class's text twice (once to
// find where it ends, once for its fields) and the line scan a third time.
// It reports false for anything else, and the caller reads the text with
// gjson; both ways give the same classes (FuzzScanCoverage). raw is part of
// a document already validated as JSON.
func scanCoverage(raw string) ([]ClassCoverage, bool) {
	p := &scanner{s: raw}
	p.ws()
	if !p.eat('[') {
		return nil, false
	}
	var out []ClassCoverage
	p.ws()
	if p.eat(']') {
		return out, p.end()
	}
	for {
		c, ok := p.class()
		if !ok {
			return nil, false
		}
		out = append(out, c)
		p.ws()
		if p.eat(']') {
			return out, p.end()
		}
		if !p.eat(',') {
			return nil, false
		}
		p.ws()
	}
}

// scanner reads JSON text from s at i.
type scanner struct {
	s   string
	i   int
	buf []int
}

func (p *scanner) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *scanner) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (p *scanner) end() bool {
	p.ws()
	return p.i == len(p.s)
}

// str reads a string without escapes and returns its text, in place.
func (p *scanner) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	// Keys and names are short: a plain loop beats IndexByte's set-up.
	for j := p.i; j < len(p.s); j++ {
		switch p.s[j] {
		case '"':
			text := p.s[p.i:j]
			p.i = j + 1
			return text, true
		case '\\':
			return "", false
		}
	}
	return "", false
}

// null reads a null.
func (p *scanner) null() bool {
	if len(p.s)-p.i >= 4 && p.s[p.i:p.i+4] == "null" {
		p.i += 4
		return true
	}
	return false
}

// integer reads an integer of at most nine digits, with an optional minus.
func (p *scanner) integer() (int, bool) {
	neg := p.eat('-')
	n, digits := 0, 0
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		if digits++; digits > 9 {
			return 0, false
		}
		n = n*10 + int(p.s[p.i]-'0')
		p.i++
	}
	if digits == 0 || (p.i < len(p.s) && (p.s[p.i] == '.' || p.s[p.i] == 'e' || p.s[p.i] == 'E')) {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// number skips any JSON number.
func (p *scanner) number() bool {
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			p.i++
			continue
		}
		break
	}
	return p.i > start
}

// skip passes over one value of any kind, containers included: sf's
// classes carry dmlInfo, methodInfo, soqlInfo and soslInfo lists beside the
// fields read here. The text is part of a document validated as JSON.
func (p *scanner) skip() bool {
	if p.i >= len(p.s) {
		return false
	}
	switch p.s[p.i] {
	case '"':
		return p.skipString()
	case '{', '[':
		depth := 0
		for p.i < len(p.s) {
			switch p.s[p.i] {
			case '"':
				if !p.skipString() {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					p.i++
					return true
				}
			}
			p.i++
		}
		return false
	case 't', 'f', 'n':
		for _, w := range []string{"true", "false", "null"} {
			if len(p.s)-p.i >= len(w) && p.s[p.i:p.i+len(w)] == w {
				p.i += len(w)
				return true
			}
		}
		return false
	}
	return p.number()
}

// skipString passes over a string, escapes included.
func (p *scanner) skipString() bool {
	for j := p.i + 1; j < len(p.s); j++ {
		switch p.s[j] {
		case '\\':
			j++
		case '"':
			p.i = j + 1
			return true
		}
	}
	return false
}

// members reads the members of an object, calling field for each key with
// the scanner at its value; field reads the value and reports false to give
// up.
func (p *scanner) members(field func(key string) bool) bool {
	if !p.eat('{') {
		return false
	}
	p.ws()
	if p.eat('}') {
		return true
	}
	for {
		key, ok := p.str()
		if !ok {
			return false
		}
		p.ws()
		if !p.eat(':') {
			return false
		}
		p.ws()
		if !field(key) {
			return false
		}
		p.ws()
		if p.eat('}') {
			return true
		}
		if !p.eat(',') {
			return false
		}
		p.ws()
	}
}

// class reads one element of codeCoverage. As with gjson, the first of a
// repeated key counts; the others are passed over.
func (p *scanner) class() (ClassCoverage, bool) {
	var c ClassCoverage
	var seen [5]bool
	text := func(dst *string) bool {
		if p.null() {
			return true
		}
		s, ok := p.str()
		*dst = s
		return ok
	}
	count := func(dst *int) bool {
		if p.null() {
			return true
		}
		n, ok := p.integer()
		*dst = n
		return ok
	}
	ok := p.members(func(key string) bool {
		k := -1
		switch key {
		case "name":
			k = 0
		case "type":
			k = 1
		case "numLocations":
			k = 2
		case "numLocationsNotCovered":
			k = 3
		case "locationsNotCovered":
			k = 4
		}
		if k < 0 || seen[k] {
			return p.skip()
		}
		seen[k] = true
		switch k {
		case 0:
			return text(&c.Name)
		case 1:
			return text(&c.Type)
		case 2:
			return count(&c.Locations)
		case 3:
			return count(&c.NotCovered)
		}
		if p.null() {
			return true
		}
		lines, ok := p.lines()
		c.UncoveredLines = lines
		return ok
	})
	if !ok {
		return c, false
	}
	if !sort.IntsAreSorted(c.UncoveredLines) {
		sort.Ints(c.UncoveredLines)
	}
	return c, true
}

// lines reads a locationsNotCovered array: the positive "line" of each
// object. It is the innermost loop over most of a large result, so it reads
// the objects itself rather than through members.
func (p *scanner) lines() ([]int, bool) {
	if !p.eat('[') {
		return nil, false
	}
	// Lines gather in a buffer reused from class to class; each class
	// keeps a copy of exactly its size.
	p.buf = p.buf[:0]
	p.ws()
	if p.eat(']') {
		return []int{}, true
	}
	for {
		p.ws()
		if !p.eat('{') {
			return nil, false
		}
		line, found := 0, false
		for {
			p.ws()
			key, ok := p.str()
			if !ok {
				return nil, false
			}
			p.ws()
			if !p.eat(':') {
				return nil, false
			}
			p.ws()
			if key == "line" {
				n, ok := p.integer()
				if !ok || found {
					return nil, false
				}
				line, found = n, true
			} else if !p.skip() {
				return nil, false
			}
			p.ws()
			if p.eat('}') {
				break
			}
			if !p.eat(',') {
				return nil, false
			}
		}
		if line > 0 {
			p.buf = append(p.buf, line)
		}
		p.ws()
		if p.eat(']') {
			return append(make([]int, 0, len(p.buf)), p.buf...), true
		}
		if !p.eat(',') {
			return nil, false
		}
	}
}
