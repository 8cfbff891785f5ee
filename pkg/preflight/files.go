package preflight

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfproject"
)

type jobKind int

const (
	jobXML jobKind = iota
	jobApex
)

// job is one file to check; its outcome is filled in by a worker.
type job struct {
	path  string
	kind  jobKind
	xml   *xmlProblem
	apex  apexFacts
	quiet bool // scanned for facts only (outside the source dirs)
}

// checkFiles checks the XML of the files that will be deployed and scans
// every Apex class and trigger. It reports whether the manifest exists and
// is well-formed.
func (c *run) checkFiles(ctx context.Context, ix *sfproject.Index, dirs []string) (bool, error) {
	var jobs []job
	seen := map[string]bool{}
	for _, f := range ix.Files() {
		if under(f, dirs) {
			jobs = append(jobs, job{path: f})
			seen[f] = true
		}
	}
	manifest, manifestOK := c.manifestFiles()
	for _, f := range manifest {
		if !seen[f] {
			jobs = append(jobs, job{path: f})
		}
	}
	var apexPaths []string
	for _, m := range []map[string]string{ix.ApexClasses(), ix.ApexTriggers()} {
		for _, f := range m {
			apexPaths = append(apexPaths, f)
		}
	}
	sort.Strings(apexPaths)
	for _, f := range apexPaths {
		jobs = append(jobs, job{path: f, kind: jobApex, quiet: !under(f, dirs)})
	}
	if err := c.do(ctx, jobs); err != nil {
		return false, err
	}
	c.facts = map[string]*job{}
	for i := range jobs {
		j := &jobs[i]
		if j.kind == jobXML && j.xml != nil && len(manifest) > 0 && j.path == manifest[0] {
			manifestOK = false
		}
		c.collect(j)
	}
	return manifestOK, nil
}

// manifestFiles returns the manifest and the destructiveChanges*.xml files
// beside it, and false when a manifest was named but does not exist.
func (c *run) manifestFiles() ([]string, bool) {
	if c.o.Manifest == "" {
		return nil, true
	}
	m := c.abs(c.o.Manifest)
	if st, err := os.Stat(m); err != nil || st.IsDir() {
		c.config = append(c.config, Finding{Severity: SeverityError, Category: result.CategoryConfig, Check: CheckManifest,
			Message: fmt.Sprintf("manifest %q does not exist in %s", c.o.Manifest, c.rel(c.o.Dir))})
		return nil, false
	}
	out := []string{m}
	entries, _ := os.ReadDir(filepath.Dir(m))
	for _, e := range entries {
		if !e.IsDir() && strings.HasPrefix(strings.ToLower(e.Name()), "destructivechanges") && strings.HasSuffix(strings.ToLower(e.Name()), ".xml") {
			out = append(out, filepath.Join(filepath.Dir(m), e.Name()))
		}
	}
	return out, true
}

// checkManifestXMLOnly is the fallback when the project cannot be read:
// the manifest is still checked for XML errors.
func (c *run) checkManifestXMLOnly(ctx context.Context) error {
	files, _ := c.manifestFiles()
	jobs := make([]job, len(files))
	for i, f := range files {
		jobs[i] = job{path: f}
	}
	if err := c.do(ctx, jobs); err != nil {
		return err
	}
	for i := range jobs {
		c.collect(&jobs[i])
	}
	return nil
}

// collect turns a checked job into findings.
func (c *run) collect(j *job) {
	file := c.rel(j.path)
	if j.kind == jobXML {
		if j.xml != nil {
			c.content = append(c.content, Finding{Severity: SeverityError, Category: result.CategoryMetadata, Check: CheckXML,
				File: file, Line: j.xml.Line, Col: j.xml.Col, Message: j.xml.Message})
		}
		return
	}
	f := j.apex
	if strings.HasSuffix(j.path, ".cls") && c.facts != nil {
		c.facts[strings.ToLower(strings.TrimSuffix(filepath.Base(j.path), ".cls"))] = j
	}
	if j.quiet {
		return
	}
	if f.isTest && f.hasTestMethod && !f.hasAssert {
		c.content = append(c.content, Finding{Severity: SeverityWarning, Category: result.CategoryMetadata, Check: CheckApexAssert,
			File: file, Line: f.classLine, Col: f.classCol,
			Message: fmt.Sprintf("test class %s has no assertions: it can pass while the code is broken; add Assert.areEqual (or System.assertEquals) calls", f.className)})
	}
	for _, h := range f.loopHits {
		c.content = append(c.content, Finding{Severity: SeverityWarning, Category: result.CategoryMetadata, Check: h.check,
			File: file, Line: h.line, Col: h.col, Message: h.message()})
	}
}

// do runs the jobs on a pool of workers, each with its own read buffer.
func (c *run) do(ctx context.Context, jobs []job) error {
	c.r.Files += len(jobs)
	workers := c.o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) { errOnce.Do(func() { firstErr = err }) }
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 64<<10)
			var toks []apexToken
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				var err error
				buf, err = readFile(buf, jobs[i].path)
				if err != nil {
					fail(fmt.Errorf("preflight: %w", err))
					return
				}
				if jobs[i].kind == jobXML {
					jobs[i].xml = checkXML(buf)
				} else {
					jobs[i].apex, toks = scanApex(buf, toks)
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}
