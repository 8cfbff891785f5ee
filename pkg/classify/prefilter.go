package classify

import (
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// prefilter is a cheap necessary condition for a pattern to match: when ok,
// the case-folded text must contain at least one of lits, otherwise the
// regular expression cannot match and is not run.
type prefilter struct {
	ok   bool
	lits []string
}

// maxPrefilterLits bounds the alternatives kept for one pattern.
const maxPrefilterLits = 32

// buildPrefilter finds the literals of re, a pattern's case-insensitive
// expression as parsed.
func buildPrefilter(re *syntax.Regexp) prefilter {
	set, ok := requiredLits(re.Simplify())
	if !ok || len(set) == 0 {
		return prefilter{}
	}
	for _, s := range set {
		if s == "" {
			return prefilter{}
		}
	}
	return prefilter{ok: true, lits: set}
}

// requiredLits returns a set of folded strings at least one of which occurs in
// every text re matches; ok is false when no such set was found.
func requiredLits(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{foldString(string(re.Rune))}, true
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLits(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLits(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		bestLen := -1
		for _, sub := range re.Sub {
			set, ok := requiredLits(sub)
			if !ok {
				continue
			}
			if l := shortest(set); l > bestLen {
				best, bestLen = set, l
			}
		}
		return best, bestLen > 0
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			set, ok := requiredLits(sub)
			if !ok {
				return nil, false
			}
			all = append(all, set...)
		}
		if len(all) > maxPrefilterLits {
			return nil, false
		}
		return all, true
	}
	return nil, false
}

func shortest(set []string) int {
	n := -1
	for _, s := range set {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

// pass reports whether folded (the output of foldString) may match.
func (p *prefilter) pass(folded string) bool {
	if !p.ok {
		return true
	}
	for _, l := range p.lits {
		if strings.Contains(folded, l) {
			return true
		}
	}
	return false
}

// foldRune maps every member of a simple case-folding orbit to one rune: the
// ASCII lower-case member if there is one (so K, k and the Kelvin sign all
// become k), otherwise the smallest member.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	best := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			if 'A' <= f && f <= 'Z' {
				return f + 'a' - 'A'
			}
			return f
		}
		if f < best {
			best = f
		}
	}
	return best
}

// foldString applies foldRune to every rune of s (invalid UTF-8 becomes
// U+FFFD, as the regexp package reads it).
func foldString(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		return strings.Map(foldRune, s)
	}
	hasUpper := false
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			hasUpper = true
			break
		}
	}
	if !hasUpper {
		return s
	}
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b)
}
