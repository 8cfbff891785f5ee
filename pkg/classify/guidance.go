package classify

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/org/deploy-guard/pkg/result"
	"gopkg.in/yaml.v3"
)

//go:embed guidance.yaml
var guidanceYAML []byte

// Guide is the on-call guidance for one failure category.
type Guide struct {
	Category result.Category `yaml:"category"`
	// Title names the category for people.
	Title string `yaml:"title"`
	// Meaning says what the category means.
	Meaning string `yaml:"meaning"`
	// Steps are concrete next steps, most useful first.
	Steps []string `yaml:"steps"`
	// Commands reproduce or investigate locally; each must run as printed
	// on the pinned CLI. Placeholders: {org}, {job}, {target}, {tests} and
	// {test-wait} (see guidance.yaml).
	Commands []string `yaml:"commands"`
	// Fix is the one-line fix used when the classifier gave none.
	Fix string `yaml:"fix"`
	// Checklist are the post-mortem's action items for the category.
	Checklist []string `yaml:"checklist"`
}

// guides is the embedded guidance, parsed when first asked for: only a
// failure's report needs it.
var guides = sync.OnceValue(func() []Guide {
	var gs []Guide
	if err := yaml.Unmarshal(guidanceYAML, &gs); err != nil {
		panic(fmt.Sprintf("classify: embedded guidance.yaml is broken: %v", err))
	}
	return gs
})

// Guides returns the guidance of every category (but none), in category
// priority order. The slices are shared: do not modify them.
func Guides() []Guide { return guides() }

// GuideFor returns the guidance for c, or that for unknown when c has none
// (none, and categories outside the documented list).
func GuideFor(c result.Category) Guide {
	var unknown Guide
	for _, g := range guides() {
		if g.Category == c {
			return g
		}
		if g.Category == result.CategoryUnknown {
			unknown = g
		}
	}
	return unknown
}
