//go:build !unix

package preflight

import (
	"fmt"
	"io"
	"os"
)

// readFile reads path into buf, growing it as needed, and returns the
// (possibly new) buffer holding the content.
func readFile(buf []byte, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, fmt.Errorf("reading %s: %w", path, err)
		}
	}
}
