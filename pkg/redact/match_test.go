package redact

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The matcher masks exactly what strings.Replacer masks with the secrets
// sorted longest first, on text full of secrets that overlap, contain one
// another and share prefixes.
func TestMatcherAgreesWithStringsReplacer(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	alphabet := "ab_*|<&\\\"/%+=xyz"
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for round := range 300 {
		var secrets []string
		for range 1 + rng.IntN(6) {
			s := word(4 + rng.IntN(8))
			secrets = append(secrets, s)
			if rng.IntN(2) == 0 { // one that contains another
				secrets = append(secrets, word(rng.IntN(3))+s+word(rng.IntN(3)))
			}
		}
		r := New(secrets...)
		var pairs []string
		for _, s := range r.Secrets() {
			pairs = append(pairs, s, Mask)
		}
		oracle := strings.NewReplacer(pairs...)
		var b strings.Builder
		for range 200 {
			if rng.IntN(3) == 0 {
				b.WriteString(secrets[rng.IntN(len(secrets))])
			} else {
				b.WriteString(word(1 + rng.IntN(5)))
			}
		}
		text := b.String()
		if got, want := r.String(text), oracle.Replace(text); got != want {
			t.Fatalf("round %d: secrets %q\ntext %q\n got %q\nwant %q", round, secrets, text, got, want)
		}
	}
}

// BenchmarkRedact19MB masks a large sf result that holds no secret, the
// common case: every byte is looked at once.
func BenchmarkRedact19MB(b *testing.B) {
	r := New("force://PlatformCLI::5Aep861refreshtoken@x.my.salesforce.com", "ghs_0123456789abcdefghij", "00D5g000004Fx1!AQ4AQMp")
	text := []byte(strings.Repeat(`{"componentType":"ApexClass","fullName":"Svc00001","problem":"Variable does not exist: amount","success":false},`, 19<<20/110))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		r.Bytes(text)
	}
}

// BenchmarkRedact19MBReplacer is the same text through strings.Replacer,
// which the matcher replaced.
func BenchmarkRedact19MBReplacer(b *testing.B) {
	r := New("force://PlatformCLI::5Aep861refreshtoken@x.my.salesforce.com", "ghs_0123456789abcdefghij", "00D5g000004Fx1!AQ4AQMp")
	var pairs []string
	for _, s := range r.Secrets() {
		pairs = append(pairs, s, Mask)
	}
	rep := strings.NewReplacer(pairs...)
	text := strings.Repeat(`{"componentType":"ApexClass","fullName":"Svc00001","problem":"Variable does not exist: amount","success":false},`, 19<<20/110)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		var out strings.Builder
		out.Grow(len(text))
		rep.WriteString(&out, text)
	}
}
