package redact

import (
	"io"
	"strings"
)

// matcher masks secrets as strings.Replacer does with the secrets sorted
// longest first (the leftmost occurrence, the longest secret there), but
// faster on a large sf result: it looks for the secrets' distinct prefixes
// of prefixLen bytes with strings.Index, which the runtime vectorises, and
// compares whole secrets only where a prefix occurs. Short prefixes are
// everywhere in sf's JSON ("00" in every record id, like the "00D" every
// access token starts with); four bytes are rare. Every secret is at least
// minSecretLen bytes long.
const prefixLen = minSecretLen

type matcher struct {
	prefixes []string
	// byPrefix[i] are the secrets that start with prefixes[i], longest first.
	byPrefix [][]string
}

// newMatcher indexes secrets, which must be sorted longest first.
func newMatcher(secrets []string) *matcher {
	m := &matcher{}
	at := map[string]int{}
	for _, s := range secrets {
		p := s[:prefixLen]
		i, ok := at[p]
		if !ok {
			i = len(m.prefixes)
			at[p] = i
			m.prefixes = append(m.prefixes, p)
			m.byPrefix = append(m.byPrefix, nil)
		}
		m.byPrefix[i] = append(m.byPrefix[i], s)
	}
	return m
}

// scan finds the secrets in one text from left to right.
type scan struct {
	m *matcher
	s string
	// next[i] is where prefixes[i] next occurs at or after the last search,
	// -1 when it occurs no more, -2 before the first search.
	next []int
}

func (m *matcher) scan(s string) *scan {
	sc := &scan{m: m, s: s, next: make([]int, len(m.prefixes))}
	for i := range sc.next {
		sc.next[i] = -2
	}
	return sc
}

// index returns the first position at or after from where a secret starts,
// and the longest secret there, or -1.
func (sc *scan) index(from int) (int, string) {
	for {
		best, bi := -1, -1
		for i, p := range sc.m.prefixes {
			if n := sc.next[i]; n == -2 || (n >= 0 && n < from) {
				sc.next[i] = -1
				if from < len(sc.s) {
					if k := strings.Index(sc.s[from:], p); k >= 0 {
						sc.next[i] = from + k
					}
				}
			}
			if n := sc.next[i]; n >= 0 && (best < 0 || n < best) {
				best, bi = n, i
			}
		}
		if best < 0 {
			return -1, ""
		}
		for _, sec := range sc.m.byPrefix[bi] {
			if strings.HasPrefix(sc.s[best:], sec) {
				return best, sec
			}
		}
		from = best + 1
	}
}

// WriteString writes s to w with every secret replaced by Mask.
func (m *matcher) WriteString(w io.Writer, s string) (n int, err error) {
	sc := m.scan(s)
	last := 0
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

// Replace returns s with every secret replaced by Mask (s itself when none
// occurs).
func (m *matcher) Replace(s string) string {
	if at, _ := m.scan(s).index(0); at < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	m.WriteString(&b, s)
	return b.String()
}
