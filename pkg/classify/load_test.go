package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodEntry = `
  - id: my-lock
    category: transient
    transient: true
    applies: [component, error]
    match: 'custom lock \d+'
    explanation: Our own lock.
    fix: Retry.
    examples: ['custom lock 42']
`

func TestLoadFileForms(t *testing.T) {
	cases := []struct {
		name, file, content string
		n                   int
	}{
		{"yaml list", "errors.yaml", goodEntry, 1},
		{"yaml patterns key", "errors.yml", "patterns:" + goodEntry, 1},
		{"yaml empty patterns", "errors.yaml", "patterns: []\n", 0},
		{"json list", "errors.json", `[{"id":"a-b","category":"config","match":"foo","fix":"do x","examples":["FOO bar"]}]`, 1},
		{"json patterns key", "errors.json", `{"patterns":[{"id":"a-b","category":"auth","match":"foo","fix":"do x"},{"id":"c","category":"unknown","match":"bar","fix":"y","applies":["test"]}]}`, 2},
		{"other extension read as YAML", "errors.txt", goodEntry, 1},
		{"JSON is valid YAML too", "errors.conf", `[{"id":"a-b","category":"config","match":"foo","fix":"do x"}]`, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := LoadFile(writeFile(t, tc.file, tc.content))
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != tc.n {
				t.Fatalf("got %d patterns, want %d", len(ps), tc.n)
			}
			if _, err := New(ps); err != nil {
				t.Fatal(err)
			}
		})
	}
	ps, _ := LoadFile(writeFile(t, "e.yaml", goodEntry))
	want := Pattern{ID: "my-lock", Category: result.CategoryTransient, Transient: true,
		Applies: []Scope{ScopeComponent, ScopeError}, Match: `custom lock \d+`,
		Explanation: "Our own lock.", Fix: "Retry.", Examples: []string{"custom lock 42"}}
	if len(ps) != 1 || ps[0].ID != want.ID || ps[0].Match != want.Match || len(ps[0].Applies) != 2 || !ps[0].Transient {
		t.Fatalf("decoded %+v, want %+v", ps, want)
	}
}

func TestLoadFileErrors(t *testing.T) {
	entry := func(fields string) string {
		return "patterns:\n  - id: ok-one\n    category: test\n    match: fine\n    fix: x\n  - " + strings.TrimSpace(strings.ReplaceAll(fields, "\n", "\n    ")) + "\n"
	}
	cases := []struct {
		name, file, content, want string
	}{
		{"invalid regex", "errors.yaml",
			entry("id: my-id\ncategory: auth\nmatch: 'abc(('\nfix: x"),
			`error-catalog: {path}: pattern 2 ("my-id"): match: invalid regular expression: missing closing ): ` + "`abc((`"},
		{"bad category", "errors.yaml",
			entry("id: my-id\ncategory: foo\nmatch: abc\nfix: x"),
			`error-catalog: {path}: pattern 2 ("my-id"): category "foo" is not one of test, coverage, dependency, limits, metadata, auth, transient, timeout, config, unknown`},
		{"category none is not allowed", "errors.yaml",
			entry("id: my-id\ncategory: none\nmatch: abc\nfix: x"),
			`error-catalog: {path}: pattern 2 ("my-id"): category "none" is not one of test, coverage`},
		{"missing category", "errors.yaml",
			entry("id: my-id\nmatch: abc\nfix: x"),
			`error-catalog: {path}: pattern 2 ("my-id"): category: missing`},
		{"unknown field", "errors.yaml",
			entry("id: my-id\ncategory: auth\nmatch: abc\nfix: x\ncolour: red"),
			`error-catalog: {path}: pattern 2 ("my-id"): unknown field "colour" (line 10)`},
		{"pattern instead of match", "errors.yaml",
			entry("id: my-id\ncategory: auth\npattern: abc\nfix: x"),
			`error-catalog: {path}: pattern 2 ("my-id"): unknown field "pattern": the field is called "match" (line `},
		{"unknown top-level field", "errors.yaml",
			"patterns: []\nversion: 2\n",
			`error-catalog: {path}: line 2: unknown top-level field "version" (expected only "patterns")`},
		{"duplicate id", "errors.yaml",
			entry("id: ok-one\ncategory: auth\nmatch: abc\nfix: x"),
			`error-catalog: {path}: pattern 2 ("ok-one"): id: duplicate id, already used by pattern 1`},
		{"missing id", "errors.yaml",
			entry("category: auth\nmatch: abc\nfix: x"),
			`error-catalog: {path}: pattern 2: id: missing`},
		{"id not kebab-case", "errors.yaml",
			entry("id: My_ID\ncategory: auth\nmatch: abc\nfix: x"),
			`error-catalog: {path}: pattern 2 ("My_ID"): id: "My_ID" is not kebab-case`},
		{"missing match", "errors.yaml",
			entry("id: my-id\ncategory: auth\nfix: x"),
			`error-catalog: {path}: pattern 2 ("my-id"): match: missing`},
		{"missing fix", "errors.yaml",
			entry("id: my-id\ncategory: auth\nmatch: abc"),
			`error-catalog: {path}: pattern 2 ("my-id"): fix: missing`},
		{"bad scope", "errors.yaml",
			entry("id: my-id\ncategory: auth\nmatch: abc\nfix: x\napplies: [deploy]"),
			`error-catalog: {path}: pattern 2 ("my-id"): applies: "deploy" is not one of component, test, error, coverage`},
		{"example mismatch", "errors.yaml",
			entry("id: my-id\ncategory: auth\nmatch: '^abc$'\nfix: x\nexamples: [abc, xyz]"),
			`error-catalog: {path}: pattern 2 ("my-id"): examples[1]: "xyz" does not match the pattern's match expression`},
		{"wrong type", "errors.yaml",
			entry("id: my-id\ncategory: auth\nmatch: abc\nfix: x\ntransient: maybe"),
			`error-catalog: {path}: pattern 2 ("my-id"): transient: line 10: cannot unmarshal !!str ` + "`maybe`" + ` into bool`},
		{"field given twice", "errors.yaml",
			entry("id: my-id\ncategory: auth\nmatch: abc\nfix: x\nfix: y"),
			`error-catalog: {path}: pattern 2 ("my-id"): fix: field given twice (line 10)`},
		{"applies not a list", "errors.yaml",
			entry("id: my-id\ncategory: auth\nmatch: abc\nfix: x\napplies: {a: b}"),
			`error-catalog: {path}: pattern 2 ("my-id"): applies: line 10: cannot unmarshal !!map into []classify.Scope`},
		{"bad yaml", "errors.yaml",
			"patterns:\n  - id: a\n   category: [\n",
			`error-catalog: {path}: invalid YAML: yaml: line `},
		{"scalar document", "errors.yaml",
			"hello\n",
			`error-catalog: {path}: line 1: expected a list of patterns or a mapping with a "patterns" list`},
		{"empty file", "errors.yaml",
			"\n",
			`error-catalog: {path}: the file is empty`},
		{"bad json", "errors.json",
			`[{"id": "a",]`,
			`error-catalog: {path}: invalid JSON: invalid character ']'`},
		{"json unknown field", "errors.json",
			`{"patterns":[{"id":"a","category":"auth","match":"x","fix":"y","severity":3}]}`,
			`error-catalog: {path}: pattern 1 ("a"): unknown field "severity"`},
		{"json pattern instead of match", "errors.json",
			`[{"id":"a","category":"auth","pattern":"x","fix":"y"}]`,
			`error-catalog: {path}: pattern 1 ("a"): unknown field "pattern": the field is called "match"`},
		{"json unknown top-level field", "errors.json",
			`{"patterns":[],"extra":1}`,
			`error-catalog: {path}: unknown top-level field "extra" (expected only "patterns")`},
		{"json invalid regex", "errors.json",
			`[{"id":"a","category":"auth","match":"[z-a]","fix":"y"}]`,
			`error-catalog: {path}: pattern 1 ("a"): match: invalid regular expression: invalid character class range: ` + "`z-a`"},
		{"json wrong type", "errors.json",
			`[{"id":"a","category":"auth","match":"x","fix":"y","transient":"yes"}]`,
			`error-catalog: {path}: pattern 1 ("a"): transient: expected bool, got JSON string`},
		{"json not a list", "errors.json",
			`"hello"`,
			`error-catalog: {path}: expected a list of patterns or an object with a "patterns" list`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.file, tc.content)
			_, err := LoadFile(path)
			if err == nil {
				t.Fatal("no error")
			}
			want := strings.ReplaceAll(tc.want, "{path}", path)
			if !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error:\n got %s\nwant prefix %s", err, want)
			}
		})
	}
}

func TestLoadFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := LoadFile(path)
	if err == nil || !strings.HasPrefix(err.Error(), "error-catalog: "+path+": ") || !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("got %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

func TestNewValidates(t *testing.T) {
	_, err := New([]Pattern{{ID: "x", Category: "auth", Match: "(", Fix: "f"}})
	want := `error-catalog: pattern 1 ("x"): match: invalid regular expression: missing closing ): ` + "`(`"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestUserPatternOverridesBuiltin(t *testing.T) {
	path := writeFile(t, "errors.yaml", `
- id: our-lock-is-config
  category: config
  match: 'UNABLE_TO_LOCK_ROW'
  explanation: In our org this means the nightly job is still running.
  fix: Move the deploy window.
- id: team-field
  category: dependency
  applies: [component]
  match: 'Team__c'
  fix: Deploy the team package first.
`)
	ps, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(ps)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Text(ScopeError, "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record")
	if d.Category != result.CategoryConfig || d.PatternID != "our-lock-is-config" || d.Transient || d.Fix != "Move the deploy window." {
		t.Fatalf("user pattern not used: %+v", d)
	}
	// Scope limits apply to user patterns too; elsewhere the builtin wins.
	if d := c.Text(ScopeComponent, "Variable does not exist: Team__c"); d.PatternID != "team-field" {
		t.Fatalf("got %+v", d)
	}
	if d := c.Text(ScopeError, "Variable does not exist: Team__c"); d.PatternID != "variable-does-not-exist" {
		t.Fatalf("got %+v", d)
	}
	// A user pattern without explanation gets the scope's generic one.
	if d := c.Text(ScopeComponent, "Team__c"); d.Explanation == "" {
		t.Fatal("empty explanation")
	}
	// Default is unaffected.
	if d := Default().Text(ScopeError, "UNABLE_TO_LOCK_ROW"); d.Category != result.CategoryTransient {
		t.Fatalf("default changed: %+v", d)
	}
	// The same id as a builtin pattern is allowed (it shadows it).
	if _, err := New([]Pattern{{ID: "unable-to-lock-row", Category: "config", Match: "x", Fix: "y"}}); err != nil {
		t.Fatal(err)
	}
}

func TestBuiltinReturnsACopy(t *testing.T) {
	a := Builtin()
	a[0].ID = "changed"
	a[0].Examples[0] = "changed"
	if b := Builtin(); b[0].ID == "changed" || b[0].Examples[0] == "changed" {
		t.Fatal("Builtin shares memory with the catalog")
	}
}
