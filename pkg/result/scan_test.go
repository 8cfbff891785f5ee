package result

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tidwall/gjson"
)

// normalize makes "no lines" one value: gjson's reading gives nil or an
// empty list, and both mean none.
func normalize(cs []ClassCoverage) []ClassCoverage {
	for i := range cs {
		if len(cs[i].UncoveredLines) == 0 {
			cs[i].UncoveredLines = nil
		}
	}
	return cs
}

// agree checks that scanCoverage, when it reads raw, reads it as gjson does.
func agree(t *testing.T, raw string) (scanned bool) {
	t.Helper()
	if !gjson.Valid(raw) || !gjson.Parse(raw).IsArray() {
		return false
	}
	fast, ok := scanCoverage(raw)
	if !ok {
		return false
	}
	if want := normalize(gjsonCoverage(gjson.Parse(raw))); !reflect.DeepEqual(normalize(fast), want) && !(len(fast) == 0 && len(want) == 0) {
		t.Fatalf("scanCoverage(%q)\n got %+v\nwant %+v", raw, fast, want)
	}
	return true
}

func coverageSeeds(t testing.TB) []string {
	seeds := []string{
		`[]`, ` [ ] `,
		`[{"id":"01p","locationsNotCovered":[{"column":0,"line":12,"numExecutions":0,"time":-1.0},{"line":3}],"name":"A","namespace":null,"numLocations":20,"numLocationsNotCovered":2,"type":"Class"}]`,
		"[\n  {\n    \"name\": \"B\",\n    \"type\": \"Trigger\",\n    \"numLocations\": 4,\n    \"numLocationsNotCovered\": 0,\n    \"locationsNotCovered\": []\n  }\n]",
		`[{"name":null,"type":null,"numLocations":null,"locationsNotCovered":null}]`,
		`[{"name":"A","name":"B","numLocations":3,"numLocations":"9"}]`,
		`[{"name":"A","locationsNotCovered":[{"line":0},{"line":-2},{"line":7}]}]`,
		`[{"name":"A","locationsNotCovered":[{"line":"7"}]}]`,
		`[{"name":"A\u0042","numLocations":1}]`,
		`[{"name":"A","numLocations":1.5}]`,
		`[{"name":"A","numLocations":12345678901}]`,
		`[{"name":"A","locationsNotCovered":[{"line":1,"line":2}]}]`,
		`[{"name":"A","locationsNotCovered":{"line":4}}]`,
		`[{"name":{"$":{"xsi:nil":"true"}},"numLocations":2}]`,
		`[null, {"name":"A"}]`,
		`[{"name":"A","extra":[1,2]}]`,
		`[{"name":"A","numLocations":-3,"locationsNotCovered":[{"line":9},{"line":2}]}]`,
		`[{"dmlInfo":[],"id":"01p\"x\\","locationsNotCovered":[{"line":4}],"methodInfo":[{"a":[{"b":"]}"}]}],"name":"A","soqlInfo":[],"soslInfo":{"x":null}}]`,
		`[{"name":"A","locationsNotCovered":[{"line":4}],"locationsNotCovered":[{"line":5}]}]`,
	}
	seeds = append(seeds, fixtureCoverage(t)...)
	return seeds
}

// fixtureCoverage are the codeCoverage lists of the captured sf outputs.
func fixtureCoverage(t testing.TB) []string {
	var lists []string
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "sf", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if cc := gjson.GetBytes(b, "result.details.runTestResult.codeCoverage"); cc.IsArray() {
			lists = append(lists, cc.Raw)
		}
	}
	return lists
}

func TestScanCoverageAgreesWithGJSON(t *testing.T) {
	t.Parallel()
	scanned := 0
	for _, raw := range coverageSeeds(t) {
		if agree(t, raw) {
			scanned++
		}
	}
	// The shapes sf prints must take the fast path, not just agree.
	if scanned < 8 {
		t.Errorf("only %d of the seeds were scanned in one pass", scanned)
	}
	fixtures := fixtureCoverage(t)
	if len(fixtures) == 0 {
		t.Fatal("no captured codeCoverage list found")
	}
	for _, raw := range fixtures {
		if !agree(t, raw) {
			t.Errorf("a codeCoverage list as sf prints it was left to gjson: %.300s", raw)
		}
	}
	for _, raw := range []string{
		`[{"name":"A","locationsNotCovered":[{"line":"7"}]}]`, // a quoted line
		`[{"name":"A\u0042","numLocations":1}]`,               // an escape
		`[null]`,
	} {
		if _, ok := scanCoverage(raw); ok {
			t.Errorf("scanCoverage read %s; it must leave it to gjson", raw)
		}
	}
}

// FuzzScanCoverage: whatever scanCoverage reads, it reads as gjson does.
func FuzzScanCoverage(f *testing.F) {
	for _, s := range coverageSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		agree(t, raw)
	})
}
