package safetext

// Escaper escapes and cuts untrusted text after redacting it: every method
// first passes s through Redact, so a secret is masked while it is still
// whole and unescaped. The zero Escaper redacts nothing (for text that holds
// no secret, and for tests).
type Escaper struct {
	// Redact masks secrets in s; nil leaves s as it is.
	Redact func(s string) string
}

func (e Escaper) clean(s string) string {
	if e.Redact == nil {
		return s
	}
	return e.Redact(s)
}

// Text is s redacted, neither escaped nor cut.
func (e Escaper) Text(s string) string { return e.clean(s) }

// Inline is Inline of s redacted.
func (e Escaper) Inline(s string) string { return Inline(e.clean(s)) }

// InlineMax is InlineMax of s redacted.
func (e Escaper) InlineMax(s string, n int) string { return InlineMax(e.clean(s), n) }

// Code is Code of s redacted.
func (e Escaper) Code(s string) string { return Code(e.clean(s)) }

// CodeCell is CodeCell of s redacted.
func (e Escaper) CodeCell(s string) string { return CodeCell(e.clean(s)) }

// HTML is HTML of s redacted.
func (e Escaper) HTML(s string) string { return HTML(e.clean(s)) }

// Fence is Fence of s redacted.
func (e Escaper) Fence(s, info string) string { return Fence(e.clean(s), info) }

// Truncate is Truncate of s redacted.
func (e Escaper) Truncate(s string, n int) string { return Truncate(e.clean(s), n) }

// TruncateRunes is TruncateRunes of s redacted.
func (e Escaper) TruncateRunes(s string, n int) string { return TruncateRunes(e.clean(s), n) }
