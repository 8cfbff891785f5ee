package classify

import (
	"fmt"
	"strings"
	"testing"
)

// catalogOf writes a YAML catalog of n entries whose match is match(i).
func catalogOf(t *testing.T, n int, match func(i int) string, examples int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "- id: p-%d\n  category: config\n  match: '%s'\n  fix: x\n", i, match(i))
		if examples > 0 {
			b.WriteString("  examples:\n")
			for range examples {
				b.WriteString("    - ''\n")
			}
		}
	}
	return writeFile(t, "errors.yaml", b.String())
}

// A pull request controls error-catalog: a catalog of many large patterns
// had a load and classify cost nothing bounded (issue 28). Each bound is a
// config error that names the limit; the built-in catalog is well inside.
func TestUserCatalogIsBounded(t *testing.T) {
	big := alternatives(3000)
	cases := []struct {
		name, file, want string
	}{
		{"too many patterns", catalogOf(t, MaxUserPatterns+1, func(i int) string { return fmt.Sprintf("err%d", i) }, 0), "more than the limit of 500"},
		{"one huge expression", catalogOf(t, 1, func(int) string { return big }, 0), "more than the limit of 5000"},
		{"many large expressions", catalogOf(t, 60, func(int) string { return alternatives(600) }, 0), "the catalog's limit of 100000"},
		{"too many examples", catalogOf(t, 1, func(int) string { return ".*" }, MaxExamples+1), "examples: 21"},
		{"oversized file", writeFile(t, "errors.yaml", "# "+strings.Repeat("x", MaxCatalogFile)+"\n"), "too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadFile(tc.file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadFile = %v, want an error with %q", err, tc.want)
			}
		})
	}
	if err := checkBounds(Builtin()); err != nil {
		t.Errorf("the built-in catalog is outside the user bounds: %v", err)
	}
}

// BenchmarkWorstUserCatalog classifies a 64 KB message against the largest
// catalog the bounds allow: the cost a pull request can impose per text.
func BenchmarkWorstUserCatalog(b *testing.B) {
	var ps []Pattern
	for i := range 20 {
		ps = append(ps, Pattern{ID: fmt.Sprintf("p-%d", i), Category: "config", Fix: "x", Match: alternatives(600) + "zz" + fmt.Sprint(i)})
	}
	if err := checkBounds(ps); err != nil {
		b.Fatal(err)
	}
	c, err := New(ps)
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("ax by cz ", 64<<10/9)
	for b.Loop() {
		c.Error("UnknownError", text, 1)
	}
}

// alternatives is an expression of n distinct words (the parser merges
// equal ones): its program grows with n.
func alternatives(n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("w%dx", i*7919)
	}
	return "(" + strings.Join(words, "|") + ")"
}
