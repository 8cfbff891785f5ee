package report

import (
	"github.com/org/deploy-guard/pkg/classify"
	"github.com/org/deploy-guard/pkg/result"
)

// Playbook is the on-call guidance for one failure category. It comes from
// the classifier's guidance file, the one source the post-mortem's
// checklist reads too.
type Playbook = classify.Guide

// playbookFor returns the guidance for c; ok is false for a category with
// none of its own (none, or one outside the documented list).
func playbookFor(c result.Category) (Playbook, bool) {
	g := classify.GuideFor(c)
	return g, g.Category == c
}
