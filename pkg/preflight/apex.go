package preflight

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// token kinds of the Apex lexer.
const (
	tkIdent  = 'i'
	tkPunct  = 'p'
	tkString = 's'
	tkNumber = 'n'
	tkAnnot  = '@' // @Name; text is the name
)

type apexToken struct {
	kind      byte
	text      []byte // a slice of the source
	line, col int
}

// lexApex splits Apex source into tokens, dropping comments and keeping
// string literals as opaque tokens, so that nothing inside them is mistaken
// for code. It appends to toks[:0] so that a worker can reuse one slice.
func lexApex(src []byte, toks []apexToken) []apexToken {
	l := apexLexer{src: src, line: 1, col: 1}
	toks = toks[:0]
	for {
		l.skipSpaceAndComments()
		if l.i >= len(src) {
			return toks
		}
		toks = append(toks, l.next())
	}
}

type apexLexer struct {
	src       []byte
	i         int
	line, col int
}

func (l *apexLexer) advance() {
	b := l.src[l.i]
	l.i++
	switch {
	case b == '\n':
		l.line++
		l.col = 1
	case b < utf8.RuneSelf || utf8.RuneStart(b):
		l.col++
	}
}

func (l *apexLexer) peek(k int) byte {
	if l.i+k < len(l.src) {
		return l.src[l.i+k]
	}
	return 0
}

func (l *apexLexer) skipSpaceAndComments() {
	for l.i < len(l.src) {
		switch b := l.src[l.i]; {
		case b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\f':
			l.advance()
		case b == '/' && l.peek(1) == '/':
			for l.i < len(l.src) && l.src[l.i] != '\n' {
				l.advance()
			}
		case b == '/' && l.peek(1) == '*':
			l.advance()
			l.advance()
			for l.i < len(l.src) && !(l.src[l.i] == '*' && l.peek(1) == '/') {
				l.advance()
			}
			if l.i < len(l.src) {
				l.advance()
				l.advance()
			}
		default:
			return
		}
	}
}

func (l *apexLexer) next() apexToken {
	t := apexToken{line: l.line, col: l.col}
	start := l.i
	b := l.src[l.i]
	switch {
	case isIdentStart(b):
		t.kind = tkIdent
		for l.i < len(l.src) && isIdentPart(l.src[l.i]) {
			l.advance()
		}
	case b == '@' && isIdentStart(l.peek(1)):
		t.kind = tkAnnot
		l.advance()
		start = l.i
		for l.i < len(l.src) && isIdentPart(l.src[l.i]) {
			l.advance()
		}
	case b == '\'':
		t.kind = tkString
		l.advance()
		for l.i < len(l.src) && l.src[l.i] != '\'' && l.src[l.i] != '\n' {
			if l.src[l.i] == '\\' && l.i+1 < len(l.src) {
				l.advance()
			}
			l.advance()
		}
		if l.i < len(l.src) && l.src[l.i] == '\'' {
			l.advance()
		}
	case b >= '0' && b <= '9':
		t.kind = tkNumber
		for l.i < len(l.src) && (isIdentPart(l.src[l.i]) || l.src[l.i] == '.') {
			l.advance()
		}
	default:
		t.kind = tkPunct
		l.advance()
	}
	t.text = l.src[start:l.i]
	return t
}

func isIdentStart(b byte) bool {
	return b == '_' || (b|0x20 >= 'a' && b|0x20 <= 'z') || b >= utf8.RuneSelf
}

func isIdentPart(b byte) bool { return isIdentStart(b) || (b >= '0' && b <= '9') }

// apexFacts is what the hygiene scan learns from one Apex file.
type apexFacts struct {
	className           string
	classLine, classCol int
	isTest              bool // @isTest or testMethod anywhere
	hasTestMethod       bool // a test method, not only a test utility class
	hasAssert           bool
	loopHits            []loopHit
}

// loopHit is SOQL or DML found inside a loop body.
type loopHit struct {
	check     string // CheckSOQLLoop or CheckDMLLoop
	line, col int
	what      string // "SOQL query", "insert", "Database.update" ...
	loopLine  int
}

var dmlWords = [][]byte{[]byte("insert"), []byte("update"), []byte("delete"), []byte("upsert"), []byte("merge"), []byte("undelete")}

func isWord(t apexToken, w string) bool {
	return t.kind == tkIdent && len(t.text) == len(w) && bytes.EqualFold(t.text, []byte(w))
}

func isPunct(t apexToken, c byte) bool { return t.kind == tkPunct && t.text[0] == c }

func isDMLWord(t apexToken) bool {
	if t.kind != tkIdent {
		return false
	}
	for _, w := range dmlWords {
		if bytes.EqualFold(t.text, w) {
			return true
		}
	}
	return false
}

// scanApex gathers the facts the hygiene checks need. scratch is a token
// buffer to reuse (may be nil); the grown buffer is returned with the facts.
func scanApex(src []byte, scratch []apexToken) (apexFacts, []apexToken) {
	toks := lexApex(src, scratch)
	var f apexFacts
	for i, t := range toks {
		switch {
		case t.kind == tkAnnot && bytes.EqualFold(t.text, []byte("isTest")):
			f.isTest = true
			if !annotatesClass(toks, i) {
				f.hasTestMethod = true
			}
		case isWord(t, "testMethod"):
			f.isTest, f.hasTestMethod = true, true
		case isWord(t, "class") && f.className == "" && i+1 < len(toks) && toks[i+1].kind == tkIdent:
			n := toks[i+1]
			f.className, f.classLine, f.classCol = string(n.text), n.line, n.col
		case isWord(t, "Assert") && i+1 < len(toks) && isPunct(toks[i+1], '.'):
			f.hasAssert = true
		case isWord(t, "System") && i+2 < len(toks) && isPunct(toks[i+1], '.') &&
			toks[i+2].kind == tkIdent && len(toks[i+2].text) >= 6 && bytes.EqualFold(toks[i+2].text[:6], []byte("assert")):
			f.hasAssert = true
		}
	}
	f.loopHits = scanLoops(toks)
	return f, toks
}

// annotatesClass reports whether the annotation at i applies to a class
// declaration (skipping its arguments and the modifiers in between).
func annotatesClass(toks []apexToken, i int) bool {
	j := i + 1
	if j < len(toks) && isPunct(toks[j], '(') {
		j = matchParen(toks, j) + 1
	}
	for ; j < len(toks); j++ {
		t := toks[j]
		switch {
		case isWord(t, "class"):
			return true
		case t.kind == tkAnnot, isWord(t, "public"), isWord(t, "private"), isWord(t, "global"),
			isWord(t, "with"), isWord(t, "without"), isWord(t, "inherited"), isWord(t, "sharing"),
			isWord(t, "virtual"), isWord(t, "abstract"):
			continue
		default:
			return false
		}
	}
	return false
}

// matchParen returns the index of the ')' matching the '(' at i, or the last
// index when it is unbalanced.
func matchParen(toks []apexToken, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		switch {
		case isPunct(toks[j], '('):
			depth++
		case isPunct(toks[j], ')'):
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(toks) - 1
}

// loopFrame is an open loop body: a block that ends when the brace depth
// drops below depth, or a single statement that ends at the next ';' (or
// closing brace) at depth.
type loopFrame struct {
	block bool
	depth int
	line  int
	// bounded: the loop already works in chunks or over a few fixed
	// items (see boundedLoop), so a query or DML per iteration is the
	// intended pattern.
	bounded bool
}

// ifFrame is an open if block, with what its condition says.
type ifFrame struct {
	depth    int      // brace depth of its body
	nullVars []string // the condition tests X == null (lazy initialisation)
	sizeTest bool     // the condition tests list.size() against a number (flush every N rows)
}

type hitKey struct {
	line  int
	check string
}

// scanLoops finds SOQL and DML inside loop bodies. Loop headers are skipped,
// so a SOQL for loop (for (X x : [SELECT ...])) is not reported. Patterns a
// reviewer would not change are left out: a loop that provably runs the
// statement at most once (a null guard that the statement assigns, a break,
// return or throw after it in the same block), queries of custom metadata
// types (__mdt, not counted against the query limit), and bounded chunking
// (DML when a list reaches N rows, loops stepping by a chunk size, the list
// form of a SOQL for loop, loops over a literal collection).
func scanLoops(toks []apexToken) []loopHit {
	var (
		hits   []loopHit
		frames []loopFrame
		ifs    []ifFrame
		depth  int
		seen   map[hitKey]bool // one report per line and check
	)
	report := func(i int, check string, what string) {
		t := toks[i]
		key := hitKey{t.line, check}
		if len(frames) == 0 || seen[key] {
			return
		}
		loop := frames[len(frames)-1]
		// In a single-statement body, what follows is after the loop.
		inBlock := loop.block || depth > loop.depth
		if loop.bounded || (inBlock && runsOnce(toks, i)) || lazyInit(toks, i, ifs, loop.depth) ||
			(check == CheckDMLLoop && flushes(ifs, loop.depth)) {
			return
		}
		if seen == nil {
			seen = map[hitKey]bool{}
		}
		seen[key] = true
		hits = append(hits, loopHit{check, t.line, t.col, what, loop.line})
	}
	popStatements := func() {
		for len(frames) > 0 && !frames[len(frames)-1].block && frames[len(frames)-1].depth >= depth {
			frames = frames[:len(frames)-1]
		}
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case (isWord(t, "for") || isWord(t, "while")) && i+1 < len(toks) && isPunct(toks[i+1], '('):
			j := matchParen(toks, i+1)
			block := j+1 < len(toks) && isPunct(toks[j+1], '{')
			frames = append(frames, loopFrame{block: block, depth: depth + boolInt(block), line: t.line,
				bounded: isWord(t, "for") && boundedLoop(toks[i+2:j])})
			i = j
		case isWord(t, "do") && i+1 < len(toks) && isPunct(toks[i+1], '{'):
			frames = append(frames, loopFrame{block: true, depth: depth + 1, line: t.line})
		case isWord(t, "if") && i+1 < len(toks) && isPunct(toks[i+1], '('):
			j := matchParen(toks, i+1)
			if j+1 < len(toks) && isPunct(toks[j+1], '{') {
				ifs = append(ifs, readCondition(toks[i+2:j], depth+1))
			}
		case isPunct(t, '{'):
			depth++
		case isPunct(t, '}'):
			depth--
			for len(frames) > 0 && frames[len(frames)-1].block && frames[len(frames)-1].depth > depth {
				frames = frames[:len(frames)-1]
			}
			for len(ifs) > 0 && ifs[len(ifs)-1].depth > depth {
				ifs = ifs[:len(ifs)-1]
			}
			if i+1 >= len(toks) || !isWord(toks[i+1], "else") {
				popStatements()
			}
		case isPunct(t, ';'):
			popStatements()
		case isPunct(t, '[') && i+1 < len(toks) && (isWord(toks[i+1], "SELECT") || isWord(toks[i+1], "FIND")):
			if !customMetadataQuery(toks, i) {
				report(i, CheckSOQLLoop, "SOQL query")
			}
		case isWord(t, "Database") && i+3 < len(toks) && isPunct(toks[i+1], '.') && isPunct(toks[i+3], '('):
			m := toks[i+2]
			switch {
			case isWord(m, "query"), isWord(m, "countQuery"), isWord(m, "queryWithBinds"):
				report(i, CheckSOQLLoop, "SOQL query (Database."+string(m.text)+")")
			case isDMLWord(m):
				report(i, CheckDMLLoop, "Database."+string(m.text))
			}
			i += 2
		case isDMLWord(t) && i+1 < len(toks) && startsStatement(toks, i) && startsOperand(toks[i+1]):
			report(i, CheckDMLLoop, string(bytes.ToLower(t.text)))
		}
	}
	return hits
}

// boundedLoop reads a for header (between its parentheses): the list form
// of a SOQL for loop (for (List<Account> batch : [SELECT ...]), 200 rows per
// iteration), a loop stepping by a chunk size (i += chunkSize), or a loop
// over a literal collection (for (X x : new List<X>{a, b})).
func boundedLoop(h []apexToken) bool {
	colon := -1
	for k, t := range h {
		if isPunct(t, ':') {
			colon = k
			break
		}
	}
	if colon > 0 && colon+1 < len(h) {
		src := h[colon+1]
		if isPunct(src, '[') && colon+2 < len(h) && isWord(h[colon+2], "SELECT") {
			// The loop variable is a list: List<X> v or X[] v.
			return isWord(h[0], "List") || (colon >= 3 && isPunct(h[colon-2], ']'))
		}
		if isWord(src, "new") {
			for _, t := range h[colon+1:] {
				if isPunct(t, '{') {
					return true
				}
				if isPunct(t, '(') {
					return false
				}
			}
		}
		return false
	}
	for k := 0; k+2 < len(h); k++ {
		if isPunct(h[k], '+') && isPunct(h[k+1], '=') {
			step := h[k+2]
			return !(step.kind == tkNumber && string(step.text) == "1")
		}
	}
	return false
}

// readCondition reads an if condition for a null test and a size test.
func readCondition(c []apexToken, bodyDepth int) ifFrame {
	f := ifFrame{depth: bodyDepth}
	for k := 0; k+2 < len(c); k++ {
		switch {
		case c[k].kind == tkIdent && isPunct(c[k+1], '=') && isPunct(c[k+2], '=') && k+3 < len(c) && isWord(c[k+3], "null"):
			f.nullVars = append(f.nullVars, string(c[k].text))
		case isWord(c[k], "null") && isPunct(c[k+1], '=') && isPunct(c[k+2], '=') && k+3 < len(c) && c[k+3].kind == tkIdent:
			f.nullVars = append(f.nullVars, string(c[k+3].text))
		case isWord(c[k], "size") && isPunct(c[k+1], '(') && isPunct(c[k+2], ')'):
			f.sizeTest = true
		}
	}
	return f
}

// statementStart returns the index of the first token of the statement
// that holds toks[i].
func statementStart(toks []apexToken, i int) int {
	for k := i - 1; k >= 0; k-- {
		if isPunct(toks[k], ';') || isPunct(toks[k], '{') || isPunct(toks[k], '}') {
			return k + 1
		}
	}
	return 0
}

// lazyInit reports whether toks[i] is in a statement that assigns a
// variable an enclosing if block (inside the loop) tests for null: the
// statement runs at most once.
func lazyInit(toks []apexToken, i int, ifs []ifFrame, loopDepth int) bool {
	s := statementStart(toks, i)
	var target []byte
	for k := s; k+1 < i; k++ {
		if isPunct(toks[k+1], '=') && (k+2 >= len(toks) || !isPunct(toks[k+2], '=')) && toks[k].kind == tkIdent {
			target = toks[k].text
			break
		}
	}
	if target == nil {
		return false
	}
	for _, f := range ifs {
		if f.depth <= loopDepth {
			continue
		}
		for _, v := range f.nullVars {
			if bytes.EqualFold([]byte(v), target) {
				return true
			}
		}
	}
	return false
}

// flushes reports whether an if block inside the loop tests a list's size:
// DML there writes every N rows, not every row.
func flushes(ifs []ifFrame, loopDepth int) bool {
	for _, f := range ifs {
		if f.depth > loopDepth && f.sizeTest {
			return true
		}
	}
	return false
}

// runsOnce reports whether the statement holding toks[i] is followed, in
// the same block, by break, return or throw: the loop ends after it.
func runsOnce(toks []apexToken, i int) bool {
	level, atStart := 0, false
	for k := i; k < len(toks); k++ {
		t := toks[k]
		switch {
		case isPunct(t, '(') || isPunct(t, '['):
			k = matchBracket(toks, k)
		case isPunct(t, '{'):
			level++
		case isPunct(t, '}'):
			level--
			if level < 0 {
				return false
			}
			atStart = level == 0
			continue
		case isPunct(t, ';'):
			atStart = level == 0
			continue
		case atStart && level == 0 && (isWord(t, "break") || isWord(t, "return") || isWord(t, "throw")):
			return true
		}
		atStart = false
	}
	return false
}

// matchBracket returns the index of the bracket closing the '(' or '[' at
// i, or the last index when it is unbalanced.
func matchBracket(toks []apexToken, i int) int {
	open, closing := toks[i].text[0], byte(')')
	if open == '[' {
		closing = ']'
	}
	d := 0
	for j := i; j < len(toks); j++ {
		if toks[j].kind != tkPunct {
			continue
		}
		switch toks[j].text[0] {
		case open:
			d++
		case closing:
			d--
			if d == 0 {
				return j
			}
		}
	}
	return len(toks) - 1
}

// customMetadataQuery reports whether the SOQL at '[' (index i) reads a
// custom metadata type (FROM X__mdt), which does not count toward the
// query limit.
func customMetadataQuery(toks []apexToken, i int) bool {
	end := matchBracket(toks, i)
	paren := 0
	for k := i + 1; k < end; k++ {
		switch {
		case isPunct(toks[k], '('):
			paren++
		case isPunct(toks[k], ')'):
			paren--
		case paren == 0 && isWord(toks[k], "FROM") && k+1 < end:
			n := toks[k+1].text
			return len(n) > 5 && bytes.EqualFold(n[len(n)-5:], []byte("__mdt"))
		}
	}
	return false
}

// startsStatement reports whether the token at i begins a statement.
func startsStatement(toks []apexToken, i int) bool {
	if i == 0 {
		return true
	}
	p := toks[i-1]
	return isPunct(p, ';') || isPunct(p, '{') || isPunct(p, '}') || isPunct(p, ')') || isWord(p, "else")
}

// startsOperand reports whether t can begin the operand of a DML statement.
func startsOperand(t apexToken) bool {
	return t.kind == tkIdent || isPunct(t, '(') || isPunct(t, '[')
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (h loopHit) message() string {
	if h.check == CheckSOQLLoop {
		return fmt.Sprintf("%s inside a loop (the loop starts at line %d): it runs once per iteration and fails past 100 queries per transaction; query once before the loop", h.what, h.loopLine)
	}
	return fmt.Sprintf("DML statement %s inside a loop (the loop starts at line %d): it runs once per iteration and fails past 150 DML statements per transaction; collect the records and run one %s after the loop", h.what, h.loopLine, h.what)
}
