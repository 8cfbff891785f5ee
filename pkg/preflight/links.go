package preflight

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfproject"
)

// CheckLink names the findings of symbolic links that lead out of the
// deployed source, and replaceWithFile entries that read outside it.
const CheckLink = "link"

// Links checks only what sf would follow out of the project: every
// symbolic link in the package directories, the source-dir inputs and
// metadata-dir, the manifest and destructive changes, and every
// replacements entry's replaceWithFile. sf follows links when it builds the
// deployment zip and reads replaceWithFile wherever it points, so a pull
// request's link to sf's private HOME, the runner's HOME or .git/config
// would upload credentials to the org; the action's redaction never sees
// those bytes. Run includes these findings; Links is for runs without the
// other checks (preflight: false), since this one is never skipped.
func Links(o Options) *Report {
	c := &run{o: o, r: &Report{}}
	if c.o.Root == "" {
		c.o.Root = c.o.Dir
	}
	c.checkLinks()
	c.r.Findings = c.config
	return c.r
}

// checkLinks adds a config finding for each link or replacement that
// resolves outside the deployed source.
func (c *run) checkLinks() {
	var roots, walks []string
	var p *sfproject.Project
	// A deployed folder reached through a link would make its target the
	// source: each one must be a real folder at its own path.
	root := func(abs string) {
		r, err := filepath.EvalSymlinks(abs)
		switch {
		case err != nil:
			// Missing: CheckDirs or the metadata-dir check reports it.
		case r != abs:
			c.linkFinding(abs, r, "a deployed folder must not be reached through a symbolic link")
		case !inside(c.o.Root, r):
			c.linkFinding(abs, r, "the folder is outside the repository")
		default:
			roots = append(roots, r)
			if !insideAny(walks, r) {
				walks = append(walks, r)
			}
		}
	}
	if c.o.MetadataDir != "" {
		root(c.abs(c.o.MetadataDir))
	} else if proj, err := sfproject.Read(c.o.Dir); err == nil {
		p = proj
		for _, d := range p.PackageDirs {
			root(p.Abs(d))
		}
		n := len(roots)
		for _, d := range c.o.SourceDirs {
			root(p.Abs(d))
		}
		// A source-dir is deployed, but links must still land in a
		// package directory.
		roots = roots[:n]
	}
	for _, w := range walks {
		c.walkLinks(w, roots)
	}
	files := []string{c.o.Manifest, c.o.PreDestructive, c.o.PostDestructive}
	if c.o.Manifest != "" {
		// sf reads destructiveChanges*.xml beside the manifest too.
		m := c.abs(c.o.Manifest)
		entries, _ := os.ReadDir(filepath.Dir(m))
		for _, e := range entries {
			if n := strings.ToLower(e.Name()); strings.HasPrefix(n, "destructivechanges") && strings.HasSuffix(n, ".xml") {
				files = append(files, filepath.Join(filepath.Dir(m), e.Name()))
			}
		}
	}
	for _, f := range files {
		if f != "" {
			c.checkLinkAt(c.abs(f), roots)
		}
	}
	if p != nil {
		for _, f := range p.ReplaceWithFile {
			c.checkReplacement(p, f, roots)
		}
	}
}

// walkLinks checks every symbolic link under dir without following any.
func (c *run) walkLinks(dir string, roots []string) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: the other checks say so
		}
		if d.Type()&fs.ModeSymlink != 0 {
			c.checkLinkAt(path, roots)
		}
		return nil
	})
}

// checkLinkAt reports a finding when path is a symbolic link whose target
// is missing or outside roots. It returns true when path is not a link or
// its target is in the source.
func (c *run) checkLinkAt(path string, roots []string) bool {
	st, err := os.Lstat(path)
	if err != nil || st.Mode()&fs.ModeSymlink == 0 {
		return true
	}
	target, _ := os.Readlink(path)
	r, err := filepath.EvalSymlinks(path)
	switch {
	case err != nil:
		c.linkFinding(path, target, "its target does not resolve")
		return false
	case !insideAny(roots, r):
		c.linkFinding(path, r, "")
		return false
	}
	return true
}

func (c *run) linkFinding(path, target, why string) {
	msg := fmt.Sprintf("%s is a symbolic link to %s, outside the package directories: sf follows links and would upload what it leads to (credentials included); commit the files themselves instead of a link", c.rel(path), target)
	if why != "" {
		msg = fmt.Sprintf("%s is a symbolic link to %s (%s): sf follows links and would upload what it leads to; commit the files themselves instead of a link", c.rel(path), target, why)
	}
	c.config = append(c.config, Finding{Severity: SeverityError, Category: result.CategoryConfig, Check: CheckLink, File: c.rel(path), Message: msg})
}

// checkReplacement refuses a replaceWithFile that goes through a link,
// resolves outside the package directories or into .git: sf puts the
// file's contents in a deployed file.
func (c *run) checkReplacement(p *sfproject.Project, file string, roots []string) {
	abs := p.Abs(file)
	why := ""
	for _, part := range strings.Split(filepath.ToSlash(abs), "/") {
		if part == ".git" {
			why = "it is in .git, which holds the checkout's credentials"
		}
	}
	if why == "" {
		// Every component below the project directory must be a real
		// directory or file: a link anywhere on the way is refused.
		for q := abs; q != p.Dir && q != filepath.Dir(q) && inside(p.Dir, q); q = filepath.Dir(q) {
			if st, err := os.Lstat(q); err == nil && st.Mode()&fs.ModeSymlink != 0 {
				why = "it goes through the symbolic link " + c.rel(q)
				break
			}
		}
	}
	if why == "" {
		r, err := filepath.EvalSymlinks(abs)
		if errors.Is(err, fs.ErrNotExist) {
			r = abs
		}
		if !insideAny(roots, r) {
			why = "it is outside the package directories"
		}
	}
	if why == "" {
		return
	}
	c.config = append(c.config, Finding{Severity: SeverityError, Category: result.CategoryConfig, Check: CheckLink, File: c.rel(abs),
		Message: fmt.Sprintf("replacements: replaceWithFile %q is refused: %s; sf would upload the file's contents to the org. Keep replacement files as regular files inside a package directory", file, why)})
}

func insideAny(roots []string, p string) bool {
	for _, r := range roots {
		if inside(r, p) {
			return true
		}
	}
	return false
}

// inside reports whether p is root or inside it.
func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
