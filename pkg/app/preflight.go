package app

import (
	"context"
	"fmt"
	"time"

	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/preflight"
	"github.com/org/deploy-guard/pkg/report"
	"github.com/org/deploy-guard/pkg/result"
)

// preflight checks the project on the runner before anything reaches the
// org: XML well-formedness, the project file, the manifest's members, the
// named tests, and Apex hygiene warnings. Errors stop the run.
func (a *action) preflight(ctx context.Context) int {
	if !a.cfg.Preflight {
		return ExitOK
	}
	start := a.deps.Now()
	opts := preflight.Options{
		Dir: a.projectDir, Root: a.workspace, SourceDirs: a.cfg.SourceDirs,
		Tests: a.cfg.Tests, TestLevel: a.cfg.TestLevel,
	}
	opts.Manifest = a.cfg.Manifest
	rep, err := preflight.Run(ctx, opts)
	if err != nil {
		a.step("preflight", "error", err.Error(), start)
		a.log.Annotate(actions.Annotation{Level: actions.LevelWarning, Title: "deploy-guard preflight did not run", Message: fmt.Sprintf("Preflight could not run (%v); continuing without it.", err)})
		return ExitOK
	}
	// Findings quote file names and contents: masked before they are
	// rendered, escaped or cut.
	a.red.Walk(rep)
	errs, warns := rep.Errors(), rep.Warnings()
	a.step("preflight", map[bool]string{true: "failed", false: "passed"}[len(errs) > 0],
		fmt.Sprintf("%d files, %d errors, %d warnings", rep.Files, len(errs), len(warns)), start)
	a.log.Infof("Preflight: %d files checked in %s: %d errors, %d warnings.", rep.Files, rep.Duration.Round(time.Microsecond), len(errs), len(warns))
	if len(errs)+len(warns) > 0 {
		a.sections = append(a.sections, report.Section{Title: "Preflight", Body: preflight.Markdown(rep)})
		a.extraAnnotations = append(a.extraAnnotations, preflight.Annotations(rep, 10)...)
	}
	if len(errs) == 0 {
		return ExitOK
	}
	cat := rep.Category()
	first := errs[0]
	a.run.Status, a.run.Category = result.StatusFailed, cat
	where := first.File
	if where != "" && first.Line > 0 {
		where = fmt.Sprintf("%s:%d", where, first.Line)
	}
	if where != "" {
		where += ": "
	}
	a.run.Message = fmt.Sprintf("Preflight found %d problem(s) before anything was sent to the org; first: %s%s", len(errs), where, first.Message)
	a.run.ErrorText = first.Message
	a.run.Error = &result.Diagnosis{Category: cat,
		Explanation: "The project has problems the org would reject; preflight caught them on the runner, so no deployment was started.",
		Fix:         "Fix the files named in the annotations (all problems are listed in the Preflight section), or set preflight: false to skip the checks."}
	a.stoppedEarly = true
	if cat == result.CategoryConfig {
		return ExitConfig
	}
	return ExitFailed
}
