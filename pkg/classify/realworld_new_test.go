package classify

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

// newRealWorldError is one entry of testdata/real-world-new.json: a message
// gathered from a public tracker, forum or blog after the catalog and the
// other corpora were written, labelled before any classifier ran over it.
// Name and ExitCode are set only where the source showed the CLI's error
// name or exit code.
type newRealWorldError struct {
	Message   string          `json:"message"`
	Category  result.Category `json:"category"`
	Transient bool            `json:"transient"`
	Where     Scope           `json:"where"`
	Source    string          `json:"source"`
	Name      string          `json:"name,omitempty"`
	ExitCode  int             `json:"exitCode,omitempty"`
}

func loadNewRealWorld(t *testing.T) []newRealWorldError {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedFixtures, "real-world-new.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []newRealWorldError
	dec := json.NewDecoder(bytesReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&entries); err != nil {
		t.Fatalf("real-world-new.json: %v", err)
	}
	return entries
}

// normalizeMessage is the comparison key for disjointness: surrounding
// space trimmed and case folded.
func normalizeMessage(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// TestNewRealWorldSet measures the built-in catalog over a held-out set of
// real messages. It checks the set is well formed and disjoint from the
// catalog's examples, deploy-errors.json and real-world-errors.json, then
// logs the accuracy. It sets no floor: the set exists to measure, and a
// floor would invite fitting the catalog to it.
func TestNewRealWorldSet(t *testing.T) {
	entries := loadNewRealWorld(t)

	known := map[string]string{}
	for _, p := range Builtin() {
		for _, ex := range p.Examples {
			known[normalizeMessage(ex)] = "catalog example of " + p.ID
		}
	}
	b, err := os.ReadFile(filepath.Join(sharedFixtures, "deploy-errors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var de []deployError
	if err := json.Unmarshal(b, &de); err != nil {
		t.Fatal(err)
	}
	for _, e := range de {
		known[normalizeMessage(e.Message)] = "deploy-errors.json"
	}
	for _, e := range loadRealWorld(t) {
		known[normalizeMessage(e.Message)] = "real-world-errors.json"
	}

	seen := map[string]int{}
	for i, e := range entries {
		msg := normalizeMessage(e.Message)
		if msg == "" {
			t.Errorf("entry %d: empty message", i)
		}
		if where, ok := known[msg]; ok {
			t.Errorf("entry %d: %q is already in %s", i, summarize(e.Message), where)
		}
		if j, dup := seen[msg]; dup {
			t.Errorf("entry %d: same message as entry %d", i, j)
		}
		seen[msg] = i
		if !patternCategories[e.Category] {
			t.Errorf("entry %d: category %q is not a pattern category", i, e.Category)
		}
		if e.Transient && e.Category != result.CategoryTransient && e.Category != result.CategoryTest {
			t.Errorf("entry %d: only transient and (flaky) test failures are transient, not %s", i, e.Category)
		}
		if !validScopes[e.Where] {
			t.Errorf("entry %d: where %q is not a scope", i, e.Where)
		}
		if e.ExitCode < 0 {
			t.Errorf("entry %d: exit code %d is negative", i, e.ExitCode)
		}
		u, err := url.Parse(e.Source)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("entry %d: source %q is not an https URL", i, e.Source)
		}
	}
	if t.Failed() {
		return
	}

	type tally struct{ n, cat, retry, unknown int }
	byWhere := map[Scope]*tally{}
	total := &tally{}
	var misses []string
	c := Default()
	for i, e := range entries {
		var d result.Diagnosis
		if e.Where == ScopeError {
			exit := e.ExitCode
			if exit == 0 {
				exit = 1
			}
			d = c.Error(e.Name, e.Message, exit).Diagnosis
		} else {
			d = c.Text(e.Where, e.Message)
		}
		w := byWhere[e.Where]
		if w == nil {
			w = &tally{}
			byWhere[e.Where] = w
		}
		for _, s := range []*tally{w, total} {
			s.n++
			if d.Category == e.Category {
				s.cat++
			}
			if d.Transient == e.Transient {
				s.retry++
			}
			if d.Category == result.CategoryUnknown {
				s.unknown++
			}
		}
		if d.Category != e.Category {
			misses = append(misses, fmt.Sprintf("entry %d (%s) category %s, want %s (pattern %q): %q",
				i, e.Where, d.Category, e.Category, d.PatternID, summarize(e.Message)))
		}
		if d.Transient != e.Transient {
			misses = append(misses, fmt.Sprintf("entry %d (%s) transient=%v, want %v (pattern %q): %q",
				i, e.Where, d.Transient, e.Transient, d.PatternID, summarize(e.Message)))
		}
	}

	pct := func(a, n int) float64 { return 100 * float64(a) / float64(n) }
	t.Logf("held-out set: %d messages, category accuracy %.1f%% (%d), retry-decision accuracy %.1f%% (%d), ending unknown %.1f%% (%d)",
		total.n, pct(total.cat, total.n), total.cat, pct(total.retry, total.n), total.retry,
		pct(total.unknown, total.n), total.unknown)
	scopes := make([]string, 0, len(byWhere))
	for s := range byWhere {
		scopes = append(scopes, string(s))
	}
	sort.Strings(scopes)
	for _, s := range scopes {
		w := byWhere[Scope(s)]
		t.Logf("  where=%-9s %3d messages, category %.1f%%, retry %.1f%%, unknown %.1f%%",
			s, w.n, pct(w.cat, w.n), pct(w.retry, w.n), pct(w.unknown, w.n))
	}
	sort.Strings(misses)
	for _, m := range misses {
		t.Log(m)
	}
}
