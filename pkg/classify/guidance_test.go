package classify

import (
	"regexp"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

// The guidance file is the one source of per-category advice: one complete
// entry for every category but none, in priority order, and only the
// placeholders the renderers fill in.
func TestGuidance(t *testing.T) {
	t.Parallel()
	var want []result.Category
	for _, c := range result.Categories {
		if c != result.CategoryNone {
			want = append(want, c)
		}
	}
	gs := Guides()
	if len(gs) != len(want) {
		t.Fatalf("%d guides, want one per category %v", len(gs), want)
	}
	placeholder := regexp.MustCompile(`\{[^}]*\}`)
	for i, g := range gs {
		if g.Category != want[i] {
			t.Errorf("guide %d is %q, want %q (priority order)", i, g.Category, want[i])
		}
		if g.Title == "" || g.Meaning == "" || g.Fix == "" || len(g.Steps) == 0 || len(g.Commands) == 0 || len(g.Checklist) == 0 {
			t.Errorf("%s: incomplete guide %+v", g.Category, g)
		}
		for _, c := range g.Commands {
			for _, p := range placeholder.FindAllString(c, -1) {
				if p != "{org}" && p != "{job}" && p != "{tests}" && p != "{target}" && p != "{test-wait}" {
					t.Errorf("%s: unknown placeholder %s in %q", g.Category, p, c)
				}
			}
		}
	}
	if GuideFor(result.CategoryNone).Category != result.CategoryUnknown || GuideFor("bogus").Category != result.CategoryUnknown {
		t.Error("a category without guidance does not fall back to unknown")
	}
	if GuideFor(result.CategoryAuth).Title != "Authentication failed" {
		t.Errorf("auth guide = %+v", GuideFor(result.CategoryAuth))
	}
}
