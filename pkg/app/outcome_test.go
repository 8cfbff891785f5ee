package app

import (
	"io"
	"testing"

	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/result"
)

// apply is the one writer of what steps hand back: every section and
// annotation in order, and the first ending only.
func TestApply(t *testing.T) {
	breaker := outcome{}
	breaker.section("Circuit breaker", "open")
	breaker.annotate(0, actions.Annotation{Level: actions.LevelError, Title: "open"})
	breaker.end = &ending{code: ExitFailed, status: result.StatusBlocked, category: result.CategoryNone, message: "blocked", explained: true}
	metrics := outcome{}
	metrics.section("Deployment metrics", "table")
	later := outcome{end: &ending{code: ExitConfig, status: result.StatusFailed, category: result.CategoryConfig, message: "later", errorText: "x",
		diagnosis: &result.Diagnosis{Category: result.CategoryConfig}}}

	a := newAction(Deps{Getenv: func(string) string { return "" }, Stdout: io.Discard})
	if code, ended := a.apply(outcome{}); ended || code != ExitOK {
		t.Fatalf("an empty outcome ended the run: %d %v", code, ended)
	}
	code, ended := a.apply(breaker, metrics, later)
	if !ended || code != ExitFailed {
		t.Fatalf("code %d ended %v, want the first ending (%d)", code, ended, ExitFailed)
	}
	r := a.run
	if r.Status != result.StatusBlocked || r.Message != "blocked" || r.ErrorText != "" || r.Error != nil || !a.explained {
		t.Errorf("run = %+v explained=%v: want the breaker's ending alone", r, a.explained)
	}
	if len(a.sections) != 2 || a.sections[0].Title != "Circuit breaker" || a.sections[1].Title != "Deployment metrics" {
		t.Errorf("sections = %+v, want both in order", a.sections)
	}
	if a.notes.Len() != 1 {
		t.Errorf("%d annotations buffered, want 1", a.notes.Len())
	}
	// A later step that ends the run (a panic) replaces the outcome.
	if code := a.stop(later); code != ExitConfig || r.Status != result.StatusFailed || r.ErrorText != "x" || r.Error == nil || a.explained {
		t.Errorf("stop: code %d run %+v explained=%v", code, r, a.explained)
	}
}
