package report

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/safefs"
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
	d := safefs.NewDir(dir, nil)
	defer d.Close()
	return WriteTo(d, r, o, toolVersion, filter)
}

// FileCreator creates an artifact file and returns it with its path
// (safefs.Dir: a fresh file, never one a planted link points at).
type FileCreator interface {
	Create(name string) (*os.File, string, error)
}

// WriteTo is Write into the files dst creates.
func WriteTo(dst FileCreator, r *result.Run, o Options, toolVersion string, filter Filter) (map[string]string, error) {
	o.Project = o.Project.prepared()
	paths := map[string]string{}
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	stream := func(name, output string, render func(io.Writer) error) {
		f, p, err := dst.Create(name)
		if err != nil {
			fail(fmt.Errorf("write %s: %w", name, err))
			return
		}
		if err := writeFile(f, filter, render); err != nil {
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
		put(DirSkeletons+"/"+n, sk[n], nil, "")
	}
	return paths, first
}

// writeFile streams render's output into f through filter and closes f.
func writeFile(f *os.File, filter Filter, render func(io.Writer) error) (err error) {
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
