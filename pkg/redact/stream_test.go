package redact

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// writeInPieces sends text through a Writer in pieces of the given sizes
// (cycled) and returns what came out.
func writeInPieces(t *testing.T, r *Redactor, text string, sizes []int) string {
	t.Helper()
	var out bytes.Buffer
	w := r.NewWriter(&out)
	for i := 0; len(text) > 0; i++ {
		n := min(len(text), sizes[i%len(sizes)])
		if k, err := w.Write([]byte(text[:n])); err != nil || k != n {
			t.Fatalf("Write: %d, %v", k, err)
		}
		text = text[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// A stream masks exactly as String does on the whole text, wherever the
// pieces split a secret: at every offset of a secret, across the 64 KiB
// flush boundary, with secrets that contain or overlap one another.
func TestWriterMatchesString(t *testing.T) {
	secrets := []string{"ghs_AbC*12|[x<&\\y", "00D5g000004Fx1!AQ4AQMp_Q.x", "AbC*12", "tok_tok_tok"}
	r := New(secrets...)
	var b strings.Builder
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Len() < 3*chunk {
		b.WriteString(strings.Repeat("x", rng.IntN(200)))
		b.WriteString(secrets[rng.IntN(len(secrets))])
		if rng.IntN(3) == 0 {
			b.WriteString("tok_tok_") // a prefix of a secret, not the secret
		}
	}
	// A secret right across the point where the first flush cuts.
	text := b.String()
	hold := len(r.Secrets()[0]) - 1
	at := chunk + hold - hold - 3
	text = text[:at] + secrets[0] + text[at:]
	want := r.String(text)
	if strings.Contains(want, secrets[0]) || strings.Count(want, Mask) < 100 {
		t.Fatalf("the test text is not what it claims: %d masks", strings.Count(want, Mask))
	}
	for _, sizes := range [][]int{{1}, {3, 7}, {len(secrets[0]) - 1}, {chunk}, {chunk + 1}, {chunk - 5, 11}, {len(text)}, {4096, 1, 60000}} {
		if got := writeInPieces(t, r, text, sizes); got != want {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Errorf("pieces %v: output differs from String at byte %d of %d/%d: %q vs %q", sizes, i, len(got), len(want),
				got[max(0, i-20):min(len(got), i+40)], want[max(0, i-20):min(len(want), i+40)])
		}
	}
}

// Every position of a secret relative to a flush is covered, one byte at a
// time around the boundary.
func TestWriterSecretAtEveryOffset(t *testing.T) {
	secret := "xoxb-17_*|secret"
	r := New(secret)
	for shift := -len(secret) - 2; shift <= 2; shift++ {
		pos := chunk + len(secret) - 1 + shift
		text := strings.Repeat("a", pos) + secret + strings.Repeat("b", 100)
		got := writeInPieces(t, r, text, []int{chunk + len(secret) - 1, 50})
		if strings.Contains(got, "secret") || got != r.String(text) {
			t.Errorf("shift %d: secret not masked as a whole", shift)
		}
	}
}

// copyThrough writes b through r's Writer in chunk-sized pieces.
func copyThrough(r *Redactor, w io.Writer, b []byte) error {
	rw := r.NewWriter(w)
	for len(b) > 0 {
		n := min(len(b), chunk)
		if _, err := rw.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return rw.Close()
}

func TestCopyAndPassThrough(t *testing.T) {
	text := strings.Repeat("token=sekrit_value; ", 10000)
	var out bytes.Buffer
	if err := copyThrough(New("sekrit_value"), &out, []byte(text)); err != nil {
		t.Fatal(err)
	}
	if out.String() != strings.ReplaceAll(text, "sekrit_value", Mask) {
		t.Error("Copy did not mask every occurrence")
	}
	out.Reset()
	var none *Redactor
	if err := copyThrough(none, &out, []byte(text)); err != nil || out.String() != text {
		t.Errorf("a nil Redactor must pass text through unchanged (%v)", err)
	}
}

type failing struct{ n int }

func (f *failing) Write(p []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriterReportsWriteErrors(t *testing.T) {
	err := copyThrough(New("abcdef"), &failing{n: 1}, bytes.Repeat([]byte("z"), 4*chunk))
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("got %v, want the underlying writer's error", err)
	}
}
