package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		failed bool
	}{
		{"pass", false},
		{"fail", true},
		{"build", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in, err := os.Open(filepath.Join("testdata", tc.name+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			want, err := os.ReadFile(filepath.Join("testdata", tc.name+".want"))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			failed, err := run(in, &out, regexp.MustCompile(`/e2e$`))
			if err != nil {
				t.Fatal(err)
			}
			if failed != tc.failed {
				t.Errorf("failed = %v, want %v", failed, tc.failed)
			}
			if out.String() != string(want) {
				t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
			}
		})
	}
}
