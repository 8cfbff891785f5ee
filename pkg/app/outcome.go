package app

import (
	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/report"
	"github.com/org/deploy-guard/pkg/result"
)

// rankSelf ranks deploy-guard's own trouble (a side channel that failed, a
// check that could not run) before the findings about the project: it is
// what the run's reader cannot learn anywhere else.
const rankSelf = -1

// outcome is what a step hands back: its part of the summary, its findings,
// and whether (and how) it ends the run. Steps do not write the action's
// state themselves; apply does, in one place.
type outcome struct {
	sections    []report.Section
	annotations []actions.Ranked
	// end, when set, decides the run: the exit code and what the outputs
	// and the summary say.
	end *ending
}

// ending is how a step ends the run.
type ending struct {
	code      int
	status    result.Status
	category  result.Category
	message   string
	errorText string
	diagnosis *result.Diagnosis
	// explained means the step's own annotations say why the run ended;
	// the run-level annotation would only repeat them.
	explained bool
}

// section adds a titled part of the summary.
func (o *outcome) section(title, body string) {
	o.sections = append(o.sections, report.Section{Title: title, Body: body})
}

// annotate adds findings of one rank.
func (o *outcome) annotate(rank int, as ...actions.Annotation) {
	for _, a := range as {
		o.annotations = append(o.annotations, actions.Ranked{Annotation: a, Rank: rank})
	}
}

// apply writes the outcomes of steps into the run, in order: sections and
// annotations of all of them, and the first ending. It returns that
// ending's exit code and whether there was one.
func (a *action) apply(outs ...outcome) (code int, ended bool) {
	for _, o := range outs {
		a.sections = append(a.sections, o.sections...)
		a.notes.AddRanked(o.annotations...)
		if o.end == nil || ended {
			continue
		}
		e := o.end
		ended, code = true, e.code
		a.run.Status, a.run.Category, a.run.Message = e.status, e.category, e.message
		if e.errorText != "" {
			a.run.ErrorText = e.errorText
		}
		if e.diagnosis != nil {
			a.run.Error = e.diagnosis
		}
		a.explained = e.explained
	}
	return code, ended
}

// stop applies an outcome that ends the run and returns its exit code.
func (a *action) stop(o outcome) int {
	code, _ := a.apply(o)
	return code
}

// warn records deploy-guard's own trouble as a warning annotation.
func (a *action) warn(title, message string) {
	a.notes.Add(rankSelf, actions.Annotation{Level: actions.LevelWarning, Title: title, Message: message})
}
