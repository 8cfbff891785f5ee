package app

import (
	"io"
	"path/filepath"

	"github.com/org/deploy-guard/pkg/report"
)

// Version is deploy-guard's version, set at build time with -ldflags.
var Version = "dev"

// maxSkeletons is the test-skeletons input as config resolved it (config
// alone holds its default). Without a configuration nothing was deployed:
// there is no coverage to write skeletons for.
func (a *action) maxSkeletons() int {
	if a.cfg == nil {
		return 0
	}
	return a.cfg.TestSkeletons
}

// project describes the local project for mapping failures to files.
func (a *action) project() report.Project {
	p := report.Project{Root: a.workspace, Dir: a.projectDir, Source: a.source}
	if a.sfproject != nil {
		p.PackageDirs = a.sfproject.PackageDirs
	}
	return p
}

// threshold is the coverage-threshold input as config resolved it (config
// alone holds its default; 0 is a threshold, not "unset"). Without a
// configuration nothing was deployed: there is no coverage to judge.
func (a *action) threshold() float64 {
	if a.cfg == nil {
		return 0
	}
	return a.cfg.CoverageThreshold
}

func (a *action) reportOptions() report.Options {
	o := report.Options{Project: a.project(), CoverageThreshold: a.threshold(), MaxSkeletons: a.maxSkeletons(), Extra: a.sections}
	o.RunURL = a.ghEnv.RunURL()
	if a.artifacts != "" {
		o.ArtifactsDir = a.rel(a.artifacts)
	}
	return o
}

// writeReports writes report.md, JUnit, SARIF, coverage and test skeletons
// into the artifacts directory and records their paths for the outputs.
func (a *action) writeReports() {
	if a.artDir == nil {
		return
	}
	// The reports relay texts from sf and the org, which may quote a token.
	paths, err := report.WriteTo(a.artDir, a.run, a.reportOptions(), Version, func(w io.Writer) io.WriteCloser { return a.red.NewWriter(w) })
	if err != nil {
		a.log.Infof("Could not write all report artifacts: %v", err)
	}
	for name, p := range paths {
		if rel, err := filepath.Rel(a.workspace, p); err == nil {
			p = filepath.ToSlash(rel)
		}
		a.paths[name] = p
	}
}

// flushAnnotations adds the run's own findings, unless the step that ended
// the run already explained it, and writes every annotation of the run,
// capped and ranked by the collector.
func (a *action) flushAnnotations() {
	if !a.explained {
		a.notes.AddRanked(report.RankedAnnotations(a.run, a.project(), a.threshold())...)
	}
	a.notes.Flush(a.log)
}

func (a *action) summary() string {
	return report.Summary(a.run, a.reportOptions())
}
