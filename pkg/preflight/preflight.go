// Package preflight checks a Salesforce DX project before deploy-guard
// authenticates or calls the org: XML well-formedness of every metadata file,
// the project and manifest configuration, the tests named for
// RunSpecifiedTests, and Apex hygiene that predicts failures.
//
// Problems are findings, not errors: Run fails only on unexpected I/O.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfproject"
)

// Options says what to check.
type Options struct {
	// Dir is the absolute project directory (it holds sfdx-project.json).
	Dir string
	// Root is the absolute repository root; finding paths are relative to it.
	// Empty means Dir.
	Root string
	// SourceDirs are the source-dir inputs, relative to Dir or absolute. When
	// set, only files under them are checked for XML and Apex hygiene.
	SourceDirs []string
	// Manifest is the package.xml path, relative to Dir or absolute; empty
	// when deploying by source-dir.
	Manifest string
	// Tests are the tests named for RunSpecifiedTests ("Class" or
	// "Class.method").
	Tests []string
	// TestLevel is the sf --test-level value.
	TestLevel string
	// PreDestructive and PostDestructive are destructiveChanges manifests,
	// relative to Dir or absolute.
	PreDestructive, PostDestructive string
	// MetadataDir is a Metadata-API-format folder or zip, relative to Dir or
	// absolute: no sfdx-project.json is needed, its XML files are checked.
	MetadataDir string
	// Workers is the number of parallel file checkers; 0 means GOMAXPROCS.
	Workers int
}

// Severity is how bad a finding is.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Check names, as in Finding.Check.
const (
	CheckXML        = "xml"
	CheckProject    = "project"
	CheckManifest   = "manifest"
	CheckTests      = "tests"
	CheckApexAssert = "apex-assert"
	CheckSOQLLoop   = "apex-soql-loop"
	CheckDMLLoop    = "apex-dml-loop"
)

// Finding is one problem found before deploying.
type Finding struct {
	Severity Severity
	// Category is result.CategoryConfig for project, manifest and test
	// configuration, result.CategoryMetadata for file content.
	Category result.Category
	// File is relative to the repository root with '/' separators; empty
	// when the finding is about no file in particular.
	File string
	// Line and Col are 1-based; 0 means absent.
	Line, Col int
	Check     string
	Message   string
}

// Report is the outcome of Run.
type Report struct {
	// Findings are errors and warnings, grouped by check in a stable order.
	Findings []Finding
	// Files is the number of files checked (XML and Apex).
	Files    int
	Duration time.Duration
	// Source is the walk of the package directories the checks used; nil
	// when the project could not be read. Reports reuse it to find files.
	Source *sfproject.Index
}

// Errors returns the error findings.
func (r *Report) Errors() []Finding { return r.filter(SeverityError) }

// Warnings returns the warning findings.
func (r *Report) Warnings() []Finding { return r.filter(SeverityWarning) }

func (r *Report) filter(s Severity) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == s {
			out = append(out, f)
		}
	}
	return out
}

// Category is the failure category of the report: config when any project,
// manifest or test error was found, else metadata when an XML error was,
// else none. Warnings never fail.
func (r *Report) Category() result.Category {
	c := result.CategoryNone
	for _, f := range r.Errors() {
		c = result.Most(c, f.Category)
	}
	return c
}

// Run checks the project. Its error is for unexpected I/O failures and
// cancellation only; every problem with the project is a finding.
func Run(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	c := &run{o: o, r: &Report{}}
	if c.o.Root == "" {
		c.o.Root = c.o.Dir
	}
	if err := c.all(ctx); err != nil {
		return nil, err
	}
	c.r.Findings = append(c.config, c.content...)
	c.r.Duration = time.Since(start)
	return c.r, nil
}

// run is the state of one Run.
type run struct {
	o       Options
	r       *Report
	config  []Finding       // project, manifest, tests
	content []Finding       // xml, apex
	facts   map[string]*job // lower-case class name → its scanned .cls
}

func (c *run) all(ctx context.Context) error {
	c.checkLinks()
	if c.o.MetadataDir != "" {
		return c.checkMetadataDir(ctx)
	}
	p, healthy := c.project()
	if p == nil {
		c.checkDestructive(nil, nil)
		return c.checkManifestXMLOnly(ctx)
	}
	ix, err := p.IndexWithin(c.o.Root)
	if err != nil {
		return fmt.Errorf("preflight: reading the source: %w", err)
	}
	c.r.Source = ix
	dirs := c.sourceDirs(p)
	manifestOK, err := c.checkFiles(ctx, ix, dirs)
	if err != nil {
		return err
	}
	if healthy && manifestOK {
		c.checkManifest(p, ix)
	}
	if healthy {
		var deployed []sfproject.ManifestEntry
		if c.o.Manifest != "" && manifestOK {
			deployed, _ = sfproject.ReadManifestEntries(c.abs(c.o.Manifest))
		}
		c.checkDestructive(ix, deployed)
	}
	if healthy {
		c.checkTests(ix)
	}
	return nil
}

// project loads sfdx-project.json. It returns nil when there is nothing to
// index, and healthy false when the project has a configuration error that
// would make manifest and test findings noise.
func (c *run) project() (*sfproject.Project, bool) {
	p, err := sfproject.Read(c.o.Dir)
	if err != nil {
		c.projectError(err)
		return nil, false
	}
	errs := p.CheckDirs()
	for _, e := range errs {
		c.projectError(e)
	}
	return p, len(errs) == 0
}

func (c *run) projectError(err error) {
	f := Finding{Severity: SeverityError, Category: result.CategoryConfig, Check: CheckProject, Message: err.Error()}
	var pe *sfproject.Error
	if errors.As(err, &pe) {
		f.Message, f.Line, f.Col, f.File = pe.Problem, pe.Line, pe.Col, c.rel(pe.File)
		if errors.Is(err, sfproject.ErrNoProject) {
			where := c.rel(c.o.Dir)
			if where == "." {
				where = "the repository root"
			}
			f.File = ""
			f.Message = fmt.Sprintf("no %s in %s: set working-directory to the folder that holds it", sfproject.FileName, where)
		}
	}
	c.config = append(c.config, f)
}

// sourceDirs checks the source-dir inputs and returns the existing ones as
// absolute paths (a source-dir may also name a single file).
func (c *run) sourceDirs(p *sfproject.Project) []string {
	var out []string
	for _, d := range c.o.SourceDirs {
		abs := p.Abs(d)
		if _, err := os.Stat(abs); err != nil {
			c.config = append(c.config, Finding{Severity: SeverityError, Category: result.CategoryConfig, Check: CheckProject,
				Message: fmt.Sprintf("source-dir %q does not exist in %s", d, c.rel(p.Dir))})
			continue
		}
		out = append(out, abs)
	}
	return out
}

// rel makes a path relative to the repository root, with '/' separators.
func (c *run) rel(path string) string {
	if r, err := filepath.Rel(c.o.Root, path); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(path)
}

func (c *run) abs(path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(c.o.Dir, path)
}

// under reports whether path is one of dirs or inside one; no dirs means
// everything.
func under(path string, dirs []string) bool {
	if len(dirs) == 0 {
		return true
	}
	for _, d := range dirs {
		if path == d || strings.HasPrefix(path, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}
