package report

import (
	"bufio"
	"fmt"
	"io"
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

// Filter wraps the writer of each artifact file: the action's redactor
// masks secrets as the file streams to disk. Close flushes the filter, not
// the file.
type Filter func(io.Writer) io.WriteCloser

// Write writes the report artifacts into dir (created 0755; files 0644):
// report.md always, junit.xml when tests ran, deploy-guard.sarif always,
// coverage.json and coverage.cobertura.xml when there is coverage data, and
// test-skeletons/<Class>CoverageTest.cls(-meta.xml) for the classes under
// the threshold that SkeletonClasses picks. It returns the action outputs
// that point at them: "report-path", "sarif-path", and when written
// "junit-path" and "coverage-path" (the JSON). It writes what it can and
// returns the first error. Every file passes through filter on its way to
// disk; nil keeps the bytes as rendered.
func Write(dir string, r *result.Run, o Options, toolVersion string, filter Filter) (map[string]string, error) {
	o.Project = o.Project.prepared()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	paths := map[string]string{}
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	stream := func(name, output string, render func(io.Writer) error) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fail(err)
			return
		}
		if err := writeFile(p, filter, render); err != nil {
			fail(fmt.Errorf("write %s: %w", name, err))
			return
		}
		if output != "" {
			paths[output] = p
		}
	}
	put := func(name string, data []byte, err error, output string) {
		if err != nil {
			fail(err)
		}
		if data == nil {
			return
		}
		stream(name, output, func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
	}
	put(FileReport, []byte(Markdown(r, o)), nil, "report-path")
	junit, err := JUnit(r)
	put(FileJUnit, junit, err, "junit-path")
	sarif, err := SARIF(r, o.Project, toolVersion)
	put(FileSARIF, sarif, err, "sarif-path")
	cov, err := CoverageJSON(r, o.CoverageThreshold)
	put(FileCoverage, cov, err, "coverage-path")
	if hasCoverage(r) {
		stream(FileCobertura, "", func(w io.Writer) error { return WriteCobertura(w, r, o.Project) })
	}
	sk := TestSkeletons(r, o.Project, o.CoverageThreshold, o.MaxSkeletons)
	names := make([]string, 0, len(sk))
	for n := range sk {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		put(filepath.Join(DirSkeletons, n), sk[n], nil, "")
	}
	return paths, first
}

// writeFile creates path and streams render's output into it through filter.
func writeFile(path string, filter Filter, render func(io.Writer) error) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	var w io.Writer = bw
	var fw io.WriteCloser
	if filter != nil {
		fw = filter(bw)
		w = fw
	}
	if err := render(w); err != nil {
		return err
	}
	if fw != nil {
		if err := fw.Close(); err != nil {
			return err
		}
	}
	return bw.Flush()
}
