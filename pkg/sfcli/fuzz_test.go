package sfcli

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseEnvelope: any bytes sf might print never panic the parser, and a
// document it accepts is consistent.
func FuzzParseEnvelope(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "sf", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("noise\n{\"status\":1}"))
	f.Add([]byte("\x1b[31m{\"name\":\"E\",\"message\":\"m\"}\x1b[0m"))
	f.Fuzz(func(t *testing.T, in []byte) {
		e, err := ParseEnvelope(in)
		if err != nil {
			return
		}
		if e.IsError() && e.Result != nil {
			t.Fatal("an error document cannot carry a result")
		}
		_ = e.DeployID()
		_ = e.ResultStatus()
	})
}
