// Package report renders a result.Run for people and tools: GitHub
// annotations, the step summary and report.md, JUnit XML, SARIF, coverage
// JSON and Cobertura, and failing Apex test skeletons for classes that lack
// coverage.
//
// Every renderer is a pure function of the Run (and of the files of the local
// project, to point at source lines) and is deterministic, so its output can
// be compared with golden files.
package report

import (
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfproject"
)

// Project locates the local source files of the deployed components. The
// layout model is sfproject's: the CLI's metadata registry and .forceignore
// applied to one walk of the package directories.
type Project struct {
	// Root is the repository root (the workspace), absolute.
	Root string
	// Dir is the SFDX project directory (holds sfdx-project.json), absolute.
	Dir string
	// PackageDirs are the package directories relative to Dir ("force-app").
	// When empty they are read from sfdx-project.json; failing that the whole
	// of Dir is searched. Unused when Source is set.
	PackageDirs []string
	// Source is the walked project, shared with preflight. When nil, each
	// renderer walks the project once, when it first needs a file.
	Source *sfproject.Index

	lazy *lazySource
}

func (p Project) root() string {
	if p.Root != "" {
		return filepath.Clean(p.Root)
	}
	return filepath.Clean(p.Dir)
}

func (p Project) dir() string {
	if p.Dir != "" {
		return filepath.Clean(p.Dir)
	}
	return filepath.Clean(p.Root)
}

// prepared returns the project ready for one renderer: without a Source,
// it walks the project on first use, once for the renderer, never for the
// process.
func (p Project) prepared() Project {
	if p.Source == nil && p.lazy == nil {
		p.lazy = &lazySource{}
	}
	return p
}

// lazySource is the walk of a renderer's project, built on first use.
type lazySource struct {
	once sync.Once
	ix   *sfproject.Index
}

// index returns the walked project; nil when there is no project at all.
func (p Project) index() *sfproject.Index {
	switch {
	case p.Source != nil:
		return p.Source
	case p.Root == "" && p.Dir == "":
		return nil
	case p.lazy == nil:
		return p.walk()
	}
	p.lazy.once.Do(func() { p.lazy.ix = p.walk() })
	return p.lazy.ix
}

// walk reads the project with sfproject. A project that cannot be read
// has an empty index: files are then simply not found.
func (p Project) walk() *sfproject.Index {
	var sp *sfproject.Project
	if len(p.PackageDirs) == 0 {
		sp, _ = sfproject.Read(p.dir())
	}
	if sp == nil {
		dirs := p.PackageDirs
		if len(dirs) == 0 {
			dirs = []string{"."}
		}
		sp = &sfproject.Project{Dir: p.dir(), PackageDirs: dirs}
	}
	ix, err := sp.IndexWithin(p.root())
	if err != nil {
		ix, _ = (&sfproject.Project{Dir: p.dir()}).IndexWith(nil)
	}
	return ix
}

// rel turns an absolute path of the source into a repository path.
func (p Project) rel(abs string) string {
	if abs == "" {
		return ""
	}
	r, err := filepath.Rel(p.root(), abs)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return ""
	}
	return filepath.ToSlash(r)
}

// lookup returns the repository path of the first candidate suffix that
// names a file of the source.
func (p Project) lookup(cands ...string) string {
	for _, c := range cands {
		if c == "" {
			continue
		}
		if f := p.rel(p.index().Lookup(c)); f != "" {
			return f
		}
	}
	return ""
}

// File returns the repository-relative path ('/' separators) of the local
// file of c, or "" when it cannot be found.
func (p Project) File(c result.ComponentFailure) string {
	ix := p.index()
	if ix == nil {
		return ""
	}
	if c.FilePath != "" {
		if f := p.fromPath(c.FilePath); f != "" {
			return f
		}
	}
	if c.Type != "" && c.FullName != "" {
		if f := p.rel(ix.Source(sfproject.Member{Type: c.Type, Name: c.FullName})); f != "" {
			return f
		}
	}
	if f := p.lookup(zipCandidates(c.FileName)...); f != "" {
		return f
	}
	// A child component that has no file of its own: point at its parent.
	if t := sfproject.LookupType(c.Type); t != nil && t.Parent != nil {
		parent, _, _ := strings.Cut(c.FullName, ".")
		if t.ChildIgnoresParentName || t.Parent.FixedName {
			parent = t.Parent.Name
		}
		return p.rel(ix.Source(sfproject.Member{Type: t.Parent.Name, Name: parent}))
	}
	return ""
}

// ClassFile returns the repository-relative path of an Apex class (or, when
// no class of that name exists, trigger), or "".
func (p Project) ClassFile(name string) string {
	ix := p.index()
	if ix == nil {
		return ""
	}
	names := []string{name}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		names = append(names, name[i+1:])
	}
	for _, n := range names {
		for _, typ := range []string{"ApexClass", "ApexTrigger"} {
			if f := p.rel(ix.Source(sfproject.Member{Type: typ, Name: n})); f != "" {
				return f
			}
		}
	}
	return ""
}

// componentFile returns the repository path of a component's main file.
func (p Project) componentFile(typ, name string) string {
	ix := p.index()
	if ix == nil {
		return ""
	}
	return p.rel(ix.Source(sfproject.Member{Type: typ, Name: name}))
}

// fromPath converts a path reported by sf (absolute, relative to Dir, maybe
// with Windows separators, maybe from another machine) to a repository path.
func (p Project) fromPath(fp string) string {
	slashed := strings.ReplaceAll(fp, "\\", "/")
	native := filepath.FromSlash(slashed)
	if !filepath.IsAbs(native) {
		native = filepath.Join(p.dir(), native)
	}
	if p.index().Contains(native) {
		return p.rel(native)
	}
	// Not in this checkout (the path of another machine): match its tail.
	parts := strings.Split(strings.Trim(slashed, "/"), "/")
	for i := 0; i < len(parts)-1; i++ {
		if f := p.lookup(strings.Join(parts[i:], "/")); f != "" {
			return f
		}
	}
	return ""
}

// nameVariants returns the name as given and URL-decoded (layouts and other
// names with special characters are encoded in file names, %28 for '(').
func nameVariants(n string) []string {
	out := []string{n}
	if u, err := url.PathUnescape(n); err == nil && u != n {
		out = append(out, u)
	}
	if e := strings.ReplaceAll(strings.ReplaceAll(n, "(", "%28"), ")", "%29"); e != n {
		out = append(out, e)
	}
	return out
}

// zipCandidates maps a path of the deploy zip (metadata format) to the
// suffixes its source-format file may have.
func zipCandidates(fn string) []string {
	fn = strings.Trim(strings.ReplaceAll(fn, "\\", "/"), "/")
	if fn == "" || fn == "package.xml" || !strings.Contains(fn, "/") {
		return nil
	}
	var out []string
	for _, v := range nameVariants(fn) {
		out = append(out, v)
		dir, file := path.Split(v)
		dir = strings.TrimSuffix(dir, "/")
		top := dir
		if i := strings.IndexByte(dir, '/'); i >= 0 {
			top = dir[:i]
		}
		ext := path.Ext(file)
		base := strings.TrimSuffix(file, ext)
		if (top == "objects" || top == "objectTranslations") && ext != "" && dir == top {
			out = append(out, top+"/"+base+"/"+base+ext+"-meta.xml")
		}
		if ext != "" && !strings.HasSuffix(file, "-meta.xml") {
			out = append(out, v+"-meta.xml")
		}
	}
	return out
}
