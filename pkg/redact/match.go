package redact

import (
	"io"
	"strings"
)

// matcher masks secrets as strings.Replacer does with the secrets sorted
// longest first (the leftmost occurrence, the longest secret there), but
// fast on a large sf result and the reports built from it. For each secret
// it searches with strings.Index for the four bytes that start at the
// secret's rarest byte (a token's "!", a URL's "@", an upper-case letter):
// strings.Index looks for that first byte with the vectorised IndexByte,
// and switches to a vectorised comparison where the byte turns out common.
// The whole secret is compared only where those four bytes occur.
type matcher struct {
	keys []key
	// all are the secrets, longest first.
	all []string
}

// key is a needle to look for, and the secrets it stands for, with its
// offset in each.
type key struct {
	needle  string
	secrets []anchored
	// maxOff is the largest offset: a match of the key's secrets that
	// starts at x has its needle at or before x+maxOff.
	maxOff int
}

// needleLen is the length of a needle; every secret is at least that long.
const needleLen = minSecretLen

type anchored struct {
	secret string
	off    int
}

// byteOrder lists bytes from the most to the least common in sf's JSON
// output (counted over the fixtures and a large generated result) and in
// the XML and Markdown reports built from it. A byte not listed is rarer
// than all of these.
const byteOrder = `"` + ` :e,n0=muiltcos1-<>{}a2d46prA83f57N9k.TEOh|C/ygDxZvbP_S\LI#*[]RJwFj` + "\n`" + `UBqG()MQW%@HKVz';YX?`

// commonness ranks each byte: 0 for the rarest, higher for more common.
var commonness = func() (rank [256]int) {
	for i := 0; i < len(byteOrder); i++ {
		rank[byteOrder[i]] = len(byteOrder) - i
	}
	return rank
}()

// newMatcher indexes secrets, which must be sorted longest first.
func newMatcher(secrets []string) *matcher {
	m := &matcher{all: secrets}
	at := map[string]int{}
	for _, s := range secrets {
		off := 0
		for i := 1; i < len(s); i++ {
			if commonness[s[i]] < commonness[s[off]] {
				off = i
			}
		}
		off = min(off, len(s)-needleLen)
		needle := s[off : off+needleLen]
		i, ok := at[needle]
		if !ok {
			i = len(m.keys)
			at[needle] = i
			m.keys = append(m.keys, key{needle: needle})
		}
		k := &m.keys[i]
		k.secrets = append(k.secrets, anchored{s, off})
		k.maxOff = max(k.maxOff, off)
	}
	return m
}

// scan finds the secrets in one text from left to right.
type scan struct {
	m *matcher
	s string
	// next[i] is where the first match of keys[i] starts at or after the
	// last search, -1 when there is none, -2 before the first search.
	next []int
}

func (m *matcher) scan(s string) *scan {
	sc := &scan{m: m, s: s, next: make([]int, len(m.keys))}
	for i := range sc.next {
		sc.next[i] = -2
	}
	return sc
}

// index returns the first position at or after from where a secret starts,
// and the longest secret there, or -1.
func (sc *scan) index(from int) (int, string) {
	best := -1
	for i := range sc.m.keys {
		if n := sc.next[i]; n == -2 || (n >= 0 && n < from) {
			sc.next[i] = sc.first(&sc.m.keys[i], from)
		}
		if n := sc.next[i]; n >= 0 && (best < 0 || n < best) {
			best = n
		}
	}
	if best < 0 {
		return -1, ""
	}
	for _, sec := range sc.m.all {
		if strings.HasPrefix(sc.s[best:], sec) {
			return best, sec
		}
	}
	return -1, "" // not reached: a key's secret starts at best
}

// first returns where the first match of one of k's secrets starts at or
// after from, or -1.
func (sc *scan) first(k *key, from int) int {
	best := -1
	for pos := from; pos < len(sc.s); {
		j := strings.Index(sc.s[pos:], k.needle)
		if j < 0 {
			break
		}
		at := pos + j
		if best >= 0 && at > best+k.maxOff {
			break // a later occurrence cannot start an earlier match
		}
		for _, a := range k.secrets {
			if start := at - a.off; start >= from && (best < 0 || start < best) && strings.HasPrefix(sc.s[start:], a.secret) {
				best = start
			}
		}
		pos = at + 1
	}
	return best
}

// WriteString writes s to w with every secret replaced by Mask.
func (m *matcher) WriteString(w io.Writer, s string) (int, error) {
	return m.scan(s).writeTo(w)
}

// Replace returns s with every secret replaced by Mask (s itself when none
// occurs).
func (m *matcher) Replace(s string) string {
	sc := m.scan(s)
	if !sc.found() {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	sc.writeTo(&b)
	return b.String()
}

// found reports whether a secret occurs in the text. The search is kept:
// writeTo goes on from it rather than looking again.
func (sc *scan) found() bool {
	at, _ := sc.index(0)
	return at >= 0
}

// writeTo writes the text to w with every secret replaced by Mask.
func (sc *scan) writeTo(w io.Writer) (n int, err error) {
	s, last := sc.s, 0
	for {
		at, sec := sc.index(last)
		if at < 0 {
			break
		}
		for _, part := range [2]string{s[last:at], Mask} {
			k, err := io.WriteString(w, part)
			if n += k; err != nil {
				return n, err
			}
		}
		last = at + len(sec)
	}
	k, err := io.WriteString(w, s[last:])
	return n + k, err
}
