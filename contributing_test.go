package main

import (
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/classify"
	"github.com/org/deploy-guard/pkg/result"
)

// recipeFiles returns the files a CONTRIBUTING.md recipe names (in code
// spans), in order of first mention.
func recipeFiles(t *testing.T, title string) []string {
	t.Helper()
	doc := readSource(t, "CONTRIBUTING.md")
	start := strings.Index(doc, "\n## "+title+"\n")
	if start < 0 {
		t.Fatalf("CONTRIBUTING.md has no recipe %q", title)
	}
	body := doc[start+len(title)+5:]
	if end := strings.Index(body, "\n## "); end >= 0 {
		body = body[:end]
	}
	var files []string
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Za-z0-9_./-]+\\.(?:go|ya?ml|json|md|sh))`").FindAllStringSubmatch(body, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			files = append(files, m[1])
		}
	}
	return files
}

// trackedFiles lists the repository's files (git ls-files).
func trackedFiles(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("git", "ls-files").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	return strings.Fields(string(out))
}

// inputConsts maps each input name to its Input… constant in
// pkg/config/inputs.go.
func inputConsts(t *testing.T) map[string]string {
	t.Helper()
	consts := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s*(Input\w+)\s*=\s*"([^"]+)"`).FindAllStringSubmatch(readSource(t, "pkg/config/inputs.go"), -1) {
		consts[m[2]] = m[1]
	}
	return consts
}

func sortedCopy(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

// Every file a recipe names exists.
func TestContributingFilesExist(t *testing.T) {
	t.Parallel()
	for _, title := range []string{"Add an error pattern", "Add an input", "Add a category"} {
		files := recipeFiles(t, title)
		if len(files) < 3 {
			t.Errorf("%s names %d files: %v", title, len(files), files)
		}
		for _, f := range files {
			if _, err := os.Stat(f); err != nil {
				t.Errorf("%s names %s: %v", title, f, err)
			}
		}
	}
}

// Adding an input touches exactly the recipe's numbered files before any
// code uses it: they are the only source files that name an input used only
// through its Config field (post-mortem-labels), and every input of
// action.yml is in each of them.
func TestContributingAddAnInput(t *testing.T) {
	t.Parallel()
	files := recipeFiles(t, "Add an input")
	want := []string{"action.yml", "README.md", "pkg/config/inputs.go", "pkg/config/config.go"}
	if got := files[:min(len(files), len(want))]; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("the recipe's steps name %v, want %v first", got, want)
	}
	consts := inputConsts(t)
	const probe = "post-mortem-labels"
	var mention []string
	for _, f := range trackedFiles(t) {
		if strings.HasSuffix(f, "_test.go") || f == "CONTRIBUTING.md" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if s := string(b); strings.Contains(s, probe) || strings.Contains(s, consts[probe]) {
			mention = append(mention, f)
		}
	}
	if got, w := sortedCopy(mention), sortedCopy(want); strings.Join(got, ",") != strings.Join(w, ",") {
		t.Errorf("the files naming %s are %v; the recipe lists %v", probe, got, w)
	}
	inputs := readAction(t).Inputs
	if len(inputs) == 0 {
		t.Fatal("no inputs in action.yml")
	}
	for name := range inputs {
		c, ok := consts[name]
		if !ok {
			t.Errorf("input %s has no constant in pkg/config/inputs.go", name)
			continue
		}
		for _, f := range want {
			if needle := map[bool]string{true: c, false: name}[strings.HasSuffix(f, ".go")]; !strings.Contains(readSource(t, f), needle) {
				t.Errorf("%s does not name input %s (%s)", f, name, needle)
			}
		}
	}
}

// Adding a category touches every file that lists the categories: each
// file with a line naming all of them is in the recipe, and the files that
// define them (model, playbook) name each one.
func TestContributingAddACategory(t *testing.T) {
	t.Parallel()
	files := recipeFiles(t, "Add a category")
	listed := map[string]bool{}
	for _, f := range files {
		listed[f] = true
	}
	var words []*regexp.Regexp
	for _, c := range result.Categories {
		if c != result.CategoryNone {
			words = append(words, regexp.MustCompile(`\b`+regexp.QuoteMeta(string(c))+`\b`))
		}
	}
	namesAll := func(s string) bool {
		for _, w := range words {
			if !w.MatchString(s) {
				return false
			}
		}
		return true
	}
	for _, f := range trackedFiles(t) {
		if f == "CONTRIBUTING.md" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil || !namesAll(string(b)) {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if namesAll(line) && !listed[f] {
				t.Errorf("%s lists every category (%q) but the recipe does not name it", f, strings.TrimSpace(line))
				break
			}
		}
	}
	for _, f := range []string{"pkg/result/model.go", "pkg/classify/guidance.yaml", "pkg/classify/catalog.go"} {
		if !listed[f] {
			t.Errorf("the recipe does not name %s", f)
		}
		if !namesAll(readSource(t, f)) {
			t.Errorf("%s does not name every category", f)
		}
	}
}

// Adding an error pattern: the README's count of catalog entries is the
// catalog's, and the corpus file the recipe names is the one the tests read.
func TestContributingAddAnErrorPattern(t *testing.T) {
	t.Parallel()
	files := recipeFiles(t, "Add an error pattern")
	for _, f := range []string{"pkg/classify/catalog.yaml", "testdata/deploy-errors.json", "README.md"} {
		if !strings.Contains(strings.Join(files, "\n")+"\n", f+"\n") {
			t.Errorf("the recipe does not name %s", f)
		}
	}
	m := regexp.MustCompile(`error catalog: (\d+) regular expressions`).FindStringSubmatch(readSource(t, "README.md"))
	if m == nil {
		t.Fatal(`README.md does not say "error catalog: N regular expressions"`)
	}
	if n, _ := strconv.Atoi(m[1]); n != len(classify.Builtin()) {
		t.Errorf("README.md says the catalog has %d regular expressions; it has %d", n, len(classify.Builtin()))
	}
	if !strings.Contains(readSource(t, "pkg/classify/deploy_errors_test.go"), `"deploy-errors.json"`) {
		t.Error("the corpus test no longer reads deploy-errors.json: update the recipe")
	}
}
