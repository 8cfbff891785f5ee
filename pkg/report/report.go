package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/org/deploy-guard/pkg/result"
)

// File names written by Write.
const (
	FileReport    = "report.md"
	FileJUnit     = "junit.xml"
	FileSARIF     = "deploy-guard.sarif"
	FileCoverage  = "coverage.json"
	FileCobertura = "coverage.cobertura.xml"
	DirSkeletons  = "test-skeletons"
)

// Markdown renders the full report (report.md): the step summary without
// its size cap.
func Markdown(r *result.Run, o Options) string {
	o.MaxBytes = math.MaxInt
	return Summary(r, o)
}

// Write writes the report artifacts into dir (created 0755; files 0644):
// report.md always, junit.xml when tests ran, deploy-guard.sarif always,
// coverage.json and coverage.cobertura.xml when there is coverage data, and
// test-skeletons/<Class>CoverageTest.cls(-meta.xml) for the classes under
// the threshold that SkeletonClasses picks. It returns the action outputs that point at them: "report-path",
// "sarif-path", and when written "junit-path" and "coverage-path" (the JSON).
// It writes what it can and returns the first error. Every file passes
// through filter (the action's redactor) on its way to disk; nil keeps the
// bytes as rendered.
func Write(dir string, r *result.Run, o Options, toolVersion string, filter func([]byte) []byte) (map[string]string, error) {
	o.Project = o.Project.prepared()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	paths := map[string]string{}
	var first error
	put := func(name string, data []byte, output string) {
		if data == nil {
			return
		}
		if filter != nil {
			data = filter(data)
		}
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			if first == nil {
				first = err
			}
			return
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			if first == nil {
				first = fmt.Errorf("write %s: %w", name, err)
			}
			return
		}
		if output != "" {
			paths[output] = p
		}
	}
	keep := func(b []byte, err error) []byte {
		if err != nil && first == nil {
			first = err
		}
		return b
	}
	put(FileReport, []byte(Markdown(r, o)), "report-path")
	put(FileJUnit, keep(JUnit(r)), "junit-path")
	put(FileSARIF, keep(SARIF(r, o.Project, toolVersion)), "sarif-path")
	put(FileCoverage, keep(CoverageJSON(r, o.CoverageThreshold)), "coverage-path")
	put(FileCobertura, keep(Cobertura(r, o.Project)), "")
	sk := TestSkeletons(r, o.Project, o.CoverageThreshold, o.MaxSkeletons)
	names := make([]string, 0, len(sk))
	for n := range sk {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		put(filepath.Join(DirSkeletons, n), sk[n], "")
	}
	return paths, first
}
