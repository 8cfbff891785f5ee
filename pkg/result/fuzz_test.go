package result

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tidwall/gjson"
)

// FuzzParseDeploy: no result document, however malformed, panics the parser,
// and what it returns is internally consistent.
func FuzzParseDeploy(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "sf", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			if r := gjson.GetBytes(b, "result"); r.Exists() {
				f.Add([]byte(r.Raw))
			}
		}
	}
	f.Add([]byte(`{"details":{"componentFailures":{"lineNumber":"x"},"runTestResult":{"codeCoverage":[{"numLocations":"-3","locationsNotCovered":{"line":"2"}}]}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := ParseDeploy(in)
		if err != nil {
			return
		}
		for _, c := range d.Coverage {
			if p := c.Percent(); p != p {
				t.Fatalf("coverage percent is NaN for %+v", c)
			}
		}
		_, _ = d.OrgCoverage()
		_ = d.Finished()
		_, _ = ParseTestRun(in)
	})
}
