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

// StrictEnv is a fake environment for getenv-style lookups: a key in vars
// reads its value, a key in unset reads as unset (""), and any other key
// fails the test, so code cannot come to depend on a variable the test
// never thought about.
func StrictEnv(t testing.TB, vars map[string]string, unset ...string) func(string) string {
	known := map[string]bool{}
	for _, k := range unset {
		known[k] = true
	}
	return func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		if !known[k] {
			t.Errorf("read the environment variable %s, which the test neither set nor declared unset", k)
		}
		return ""
	}
}
