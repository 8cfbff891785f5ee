package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"sync"

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
// the file. It is called from several goroutines at once.
type Filter func(io.Writer) io.WriteCloser

// Write writes the report artifacts into dir (created 0755; files 0644):
// report.md always, junit.xml when tests ran, deploy-guard.sarif always,
// coverage.json and coverage.cobertura.xml when there is coverage data, and
// test-skeletons/<Class>CoverageTest.cls(-meta.xml) for the classes under
// the threshold that SkeletonClasses picks. It returns the action outputs
// that point at them: "report-path", "sarif-path", and when written
// "junit-path" and "coverage-path" (the JSON). It writes what it can and
// returns every error, joined, in the order of the files above. Every file
// passes through filter on its way to disk; nil keeps the bytes as
// rendered.
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

// WriteTo is Write into the files dst creates. The artifacts are rendered
// and written side by side, each in its own goroutine (dst must allow
// concurrent Create, as safefs.Dir does): on a large run each of them is
// megabytes. The outputs and the errors do not depend on the order in
// which they finish.
func WriteTo(dst FileCreator, r *result.Run, o Options, toolVersion string, filter Filter) (map[string]string, error) {
	o.Project = o.Project.prepared()
	arts := []artifact{
		{"report-path", whole(FileReport, func() ([]byte, error) { return []byte(Markdown(r, o)), nil })},
		{"junit-path", whole(FileJUnit, func() ([]byte, error) { return JUnit(r) })},
		{"sarif-path", whole(FileSARIF, func() ([]byte, error) { return SARIF(r, o.Project, toolVersion) })},
	}
	if hasCoverageData(r) {
		arts = append(arts, artifact{"coverage-path", streamed(FileCoverage, func(w io.Writer) error { return WriteCoverageJSON(w, r, o.CoverageThreshold) })})
	}
	if hasCoverage(r) {
		arts = append(arts, artifact{"", streamed(FileCobertura, func(w io.Writer) error { return WriteCobertura(w, r, o.Project) })})
	}
	arts = append(arts, artifact{"", func(put putFunc) error {
		sk := TestSkeletons(r, o.Project, o.CoverageThreshold, o.MaxSkeletons)
		names := make([]string, 0, len(sk))
		for n := range sk {
			names = append(names, n)
		}
		sort.Strings(names)
		var first error
		for _, n := range names {
			if err := whole(DirSkeletons+"/"+n, func() ([]byte, error) { return sk[n], nil })(put); err != nil && first == nil {
				first = err
			}
		}
		return first
	}})

	paths := make([]string, len(arts))
	errs := make([]error, len(arts))
	var wg sync.WaitGroup
	for i, a := range arts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = a.write(func(name string, render func(io.Writer) error) error {
				f, p, err := dst.Create(name)
				if err == nil {
					err = writeFile(f, filter, render)
				}
				if err != nil {
					return fmt.Errorf("write %s: %w", name, err)
				}
				paths[i] = p
				return nil
			})
		}()
	}
	wg.Wait()
	outputs := map[string]string{}
	for i, a := range arts {
		if a.output != "" && paths[i] != "" {
			outputs[a.output] = paths[i]
		}
	}
	return outputs, errors.Join(errs...)
}

// artifact is one report file (the skeletons: a set of files), written by
// WriteTo in a goroutine of its own.
type artifact struct {
	// output is the action output that points at the file, if any.
	output string
	write  func(put putFunc) error
}

// putFunc creates the artifact file name and streams render's output into
// it through the filter.
type putFunc func(name string, render func(io.Writer) error) error

// whole is an artifact rendered in one piece before it is written; it
// writes what render returned even with an error.
func whole(name string, render func() ([]byte, error)) func(putFunc) error {
	return func(put putFunc) error {
		data, err := render()
		if data == nil {
			return err
		}
		werr := put(name, func(w io.Writer) error { _, err := w.Write(data); return err })
		return errors.Join(err, werr)
	}
}

// streamed is an artifact rendered as it is written.
func streamed(name string, render func(io.Writer) error) func(putFunc) error {
	return func(put putFunc) error { return put(name, render) }
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
