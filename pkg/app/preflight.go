package app

import (
	"context"
	"fmt"
	"time"

	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/preflight"
	"github.com/org/deploy-guard/pkg/result"
)

// preflight checks the project on the runner before anything reaches the
// org: XML well-formedness, the project file, the manifest's members, the
// named tests, and Apex hygiene warnings. Errors end the run.
func (a *action) preflight(ctx context.Context) (o outcome) {
	start := a.deps.Now()
	opts := preflight.Options{
		Dir: a.projectDir, Root: a.workspace, SourceDirs: a.cfg.SourceDirs,
		Tests: a.cfg.Tests, TestLevel: a.cfg.TestLevel,
		PreDestructive: a.cfg.PreDestructive, PostDestructive: a.cfg.PostDestructive, MetadataDir: a.cfg.MetadataDir,
	}
	opts.Manifest = a.cfg.Manifest
	// The link check is never skipped: sf follows links and replaceWithFile
	// out of the project and uploads what it finds (issue 28).
	var rep *preflight.Report
	var err error
	if a.cfg.Preflight {
		rep, err = preflight.Run(ctx, opts)
	}
	if err != nil {
		a.step("preflight", "error", err.Error(), start)
		o.annotate(rankSelf, actions.Annotation{Level: actions.LevelWarning, Title: "deploy-guard preflight did not run", Message: fmt.Sprintf("Preflight could not run (%v); continuing with the link check only.", err)})
	}
	if rep == nil {
		rep = preflight.Links(opts)
		if len(rep.Findings) == 0 {
			return o
		}
	}
	// Findings quote file names and contents: masked before they are
	// rendered, escaped or cut.
	a.red.Walk(rep)
	a.source = rep.Source
	errs, warns := rep.Errors(), rep.Warnings()
	a.step("preflight", map[bool]string{true: "failed", false: "passed"}[len(errs) > 0],
		fmt.Sprintf("%d files, %d errors, %d warnings", rep.Files, len(errs), len(warns)), start)
	a.log.Infof("Preflight: %d files checked in %s: %d errors, %d warnings.", rep.Files, rep.Duration.Round(time.Microsecond), len(errs), len(warns))
	if len(errs)+len(warns) > 0 {
		o.section("Preflight", preflight.Markdown(rep))
		// Errors stopped the run and come first; hygiene warnings rank
		// after every finding of a deployment. The collector caps them all.
		for _, an := range preflight.Annotations(rep) {
			rank := 0
			if an.Level != actions.LevelError {
				rank = len(result.Categories)
			}
			o.annotate(rank, an)
		}
	}
	if len(errs) == 0 {
		return o
	}
	cat := rep.Category()
	first := errs[0]
	where := first.File
	if where != "" && first.Line > 0 {
		where = fmt.Sprintf("%s:%d", where, first.Line)
	}
	if where != "" {
		where += ": "
	}
	code := ExitFailed
	if cat == result.CategoryConfig {
		code = ExitConfig
	}
	o.end = &ending{code: code, status: result.StatusFailed, category: cat, explained: true,
		message:   fmt.Sprintf("Preflight found %d problem(s) before anything was sent to the org; first: %s%s", len(errs), where, first.Message),
		errorText: first.Message,
		diagnosis: &result.Diagnosis{Category: cat,
			Explanation: "The project has problems the org would reject; preflight caught them on the runner, so no deployment was started.",
			Fix:         "Fix the files named in the annotations (all problems are listed in the Preflight section), or set preflight: false to skip the checks."}}
	return o
}
