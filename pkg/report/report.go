package report

import (
	"bufio"
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

// WriteTo is Write into the files dst creates. The artifacts are rendered
// and written side by side, each in its own goroutine (dst must allow
// concurrent Create, as safefs.Dir does): on a large run each of them is
// megabytes. The outputs and the first error do not depend on the order
// in which they finish.
func WriteTo(dst FileCreator, r *result.Run, o Options, toolVersion string, filter Filter) (map[string]string, error) {
	o.Project = o.Project.prepared()
	// Each artifact is one task; a task writes files and reports the output
	// that points at its file.
	type task struct {
		output string
		run    func(put func(name string, render func(io.Writer) error) (string, error)) error
	}
	bytesOf := func(name string, render func() ([]byte, error)) func(func(string, func(io.Writer) error) (string, error)) error {
		return func(put func(string, func(io.Writer) error) (string, error)) error {
			data, err := render()
			if data != nil {
				if _, werr := put(name, func(w io.Writer) error { _, err := w.Write(data); return err }); err == nil {
					err = werr
				}
			}
			return err
		}
	}
	tasks := []task{
		{"report-path", bytesOf(FileReport, func() ([]byte, error) { return []byte(Markdown(r, o)), nil })},
		{"junit-path", bytesOf(FileJUnit, func() ([]byte, error) { return JUnit(r) })},
		{"sarif-path", bytesOf(FileSARIF, func() ([]byte, error) { return SARIF(r, o.Project, toolVersion) })},
	}
	if hasCoverageData(r) {
		tasks = append(tasks, task{"coverage-path", func(put func(string, func(io.Writer) error) (string, error)) error {
			_, err := put(FileCoverage, func(w io.Writer) error { return WriteCoverageJSON(w, r, o.CoverageThreshold) })
			return err
		}})
	}
	if hasCoverage(r) {
		tasks = append(tasks, task{"", func(put func(string, func(io.Writer) error) (string, error)) error {
			_, err := put(FileCobertura, func(w io.Writer) error { return WriteCobertura(w, r, o.Project) })
			return err
		}})
	}
	tasks = append(tasks, task{"", func(put func(string, func(io.Writer) error) (string, error)) error {
		sk := TestSkeletons(r, o.Project, o.CoverageThreshold, o.MaxSkeletons)
		names := make([]string, 0, len(sk))
		for n := range sk {
			names = append(names, n)
		}
		sort.Strings(names)
		var first error
		for _, n := range names {
			data := sk[n]
			if _, err := put(DirSkeletons+"/"+n, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil && first == nil {
				first = err
			}
		}
		return first
	}})

	type done struct {
		path string
		err  error
	}
	results := make([]done, len(tasks))
	var wg sync.WaitGroup
	for i, t := range tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var path string
			results[i].err = t.run(func(name string, render func(io.Writer) error) (string, error) {
				f, p, err := dst.Create(name)
				if err == nil {
					err = writeFile(f, filter, render)
				}
				if err != nil {
					return "", fmt.Errorf("write %s: %w", name, err)
				}
				path = p
				return p, nil
			})
			results[i].path = path
		}()
	}
	wg.Wait()
	paths := map[string]string{}
	var first error
	for i, t := range tasks {
		if results[i].err != nil && first == nil {
			first = results[i].err
		}
		if t.output != "" && results[i].path != "" {
			paths[t.output] = results[i].path
		}
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
