package redact

import (
	"bytes"
	"io"
	"unsafe"
)

// chunk is how much a Writer gathers before it masks and passes text on.
const chunk = 64 << 10

// Writer masks the registered secrets in everything written to it and passes
// the result to the underlying writer, without building a redacted copy of
// the whole stream: a 50 MB sf result goes to disk in 64 KiB pieces. It holds
// back just enough bytes that a secret split across two writes is still
// masked whole. Close flushes what is held back; it does not close the
// underlying writer.
type Writer struct {
	w       io.Writer
	rep     *matcher
	secrets [][]byte
	hold    int
	buf     []byte
	err     error
}

// NewWriter returns a Writer that masks r's secrets (as registered now) in
// what it passes to w. A nil or empty Redactor passes text through as is.
func (r *Redactor) NewWriter(w io.Writer) *Writer {
	out := &Writer{w: w}
	if r == nil {
		return out
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	out.rep = r.rep
	for _, s := range r.secrets {
		out.secrets = append(out.secrets, []byte(s))
		out.hold = max(out.hold, len(s)-1)
	}
	return out
}

// Write implements io.Writer. It reports len(p) written once p is accepted;
// an error of the underlying writer is returned by this or a later call.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.rep == nil {
		_, w.err = w.w.Write(p)
		return len(p), w.err
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= chunk+w.hold {
		w.flush(w.safeCut(len(w.buf) - w.hold))
	}
	return len(p), w.err
}

// Close passes on what is still held back.
func (w *Writer) Close() error {
	if w.err == nil && len(w.buf) > 0 {
		w.flush(len(w.buf))
	}
	return w.err
}

// safeCut moves cut back to the start of any secret that spans it, so that
// masking the text before it and the text after it apart gives the same
// result as masking both together. Every such secret lies wholly in buf,
// because at least hold bytes follow cut.
func (w *Writer) safeCut(cut int) int {
	for moved := true; moved && cut > 0; {
		moved = false
		for _, s := range w.secrets {
			for start := max(0, cut-len(s)+1); start < cut && start+len(s) <= len(w.buf); start++ {
				if bytes.Equal(w.buf[start:start+len(s)], s) {
					cut, moved = start, true
					break
				}
			}
		}
	}
	return cut
}

// flush masks and writes buf[:n] and keeps the rest.
func (w *Writer) flush(n int) {
	if n <= 0 {
		return
	}
	// The held bytes are read in place: nothing changes them until
	// WriteString returns.
	_, w.err = w.rep.WriteString(w.w, unsafe.String(unsafe.SliceData(w.buf), n))
	w.buf = w.buf[:copy(w.buf, w.buf[n:])]
}
