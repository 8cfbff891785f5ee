// Package testkit is the test support every package shares: one golden-file
// helper behind one -update flag, a strict fake environment and a scripted
// sf runner. Only tests import it.
package testkit

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files (and generated test data) instead of comparing")

// Update reports whether the test binary runs with -update.
func Update() bool { return *update }

// Golden compares got with the file at path, or rewrites the file under
// -update. A difference fails the test with the command that rewrites it.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with go test -run '%s' -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -run '%s' -update and review the diff):\n%s", path, t.Name(), got)
	}
}
