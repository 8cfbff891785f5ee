package preflight

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfproject"
)

// CheckDestructive names findings about destructiveChanges manifests.
const CheckDestructive = "destructive"

// destructiveFile is one destructive-changes manifest to check.
type destructiveFile struct {
	input, path string
	// post is true for post-destructive changes: deleted after the deploy.
	post bool
}

// destructiveFiles lists the destructive manifests named by the options.
func (c *run) destructiveFiles() []destructiveFile {
	var out []destructiveFile
	if c.o.PreDestructive != "" {
		out = append(out, destructiveFile{input: "pre-destructive-changes", path: c.abs(c.o.PreDestructive)})
	}
	if c.o.PostDestructive != "" {
		out = append(out, destructiveFile{input: "post-destructive-changes", path: c.abs(c.o.PostDestructive), post: true})
	}
	return out
}

// checkDestructive checks each destructive manifest: it exists and is a
// well-formed package.xml, names types with their exact spelling, lists no
// wildcard (the Metadata API deletes named components only), and, where
// the repository can tell, does not delete what this deployment deploys or
// what the source still holds. ix and deployed may be nil (no project).
func (c *run) checkDestructive(ix *sfproject.Index, deployed []sfproject.ManifestEntry) {
	inManifest := map[string]bool{}
	for _, e := range deployed {
		inManifest[strings.ToLower(e.Type+"\x00"+e.Name)] = true
	}
	for _, d := range c.destructiveFiles() {
		file := c.rel(d.path)
		add := func(sev Severity, line, col int, msg string) {
			c.config = append(c.config, Finding{Severity: sev, Category: result.CategoryConfig, Check: CheckDestructive,
				File: file, Line: line, Col: col, Message: msg})
		}
		if st, err := os.Stat(d.path); err != nil || st.IsDir() {
			add(SeverityError, 0, 0, fmt.Sprintf("%s %q does not exist in %s; name a destructiveChanges XML file relative to working-directory", d.input, c.o.relInput(d.path), c.rel(c.o.Dir)))
			continue
		}
		entries, err := sfproject.ReadManifestEntries(d.path)
		if err != nil {
			var pe *sfproject.Error
			if errors.As(err, &pe) {
				add(SeverityError, pe.Line, pe.Col, pe.Problem)
			} else {
				add(SeverityError, 0, 0, err.Error())
			}
			continue
		}
		if len(entries) == 0 {
			add(SeverityWarning, 0, 0, fmt.Sprintf("%s lists no components: nothing will be deleted", d.input))
		}
		for _, e := range entries {
			if t := sfproject.LookupType(e.Type); t != nil && t.Name != e.Type {
				add(SeverityError, e.Line, e.Col, fmt.Sprintf("type %q is spelled %q by the Metadata API (type names are case-sensitive)", e.Type, t.Name))
			}
			switch {
			case e.Name == "":
				add(SeverityError, e.Line, e.Col, fmt.Sprintf("an empty <members> under %s: name the component to delete", e.Type))
			case strings.Contains(e.Name, "*"):
				add(SeverityError, e.Line, e.Col, fmt.Sprintf("%s %s: destructive changes cannot use wildcards; list each component to delete", e.Type, e.Name))
			case d.post && inManifest[strings.ToLower(e.Type+"\x00"+e.Name)]:
				add(SeverityError, e.Line, e.Col, fmt.Sprintf("%s %s is deployed by the manifest and then deleted by %s; remove it from one of them", e.Type, e.Name, d.input))
			case ix != nil && ix.Resolve(e.Member) == sfproject.Present:
				add(SeverityWarning, e.Line, e.Col, fmt.Sprintf("%s %s is deleted from the org but its source is still in the project: the next full deployment brings it back; delete the source too", e.Type, e.Name))
			}
		}
	}
}

// relInput shows a path the way the user wrote it: relative to the project
// directory when it is inside it.
func (o Options) relInput(path string) string {
	if r, err := filepath.Rel(o.Dir, path); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path
}

// CheckMetadataDir names findings about the metadata-dir input.
const CheckMetadataDir = "metadata-dir"

// checkMetadataDir checks a Metadata-API-format deployment: the folder (or
// zip) exists, and every XML file in a folder is well-formed.
func (c *run) checkMetadataDir(ctx context.Context) error {
	root := c.abs(c.o.MetadataDir)
	st, err := os.Stat(root)
	if err != nil {
		c.config = append(c.config, Finding{Severity: SeverityError, Category: result.CategoryConfig, Check: CheckMetadataDir,
			Message: fmt.Sprintf("metadata-dir %q does not exist in %s; name the Metadata API folder (with package.xml) or zip", c.o.MetadataDir, c.rel(c.o.Dir))})
		return nil
	}
	if !st.IsDir() {
		return nil // a zip: sf reads it as it is
	}
	var jobs []job
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(strings.ToLower(d.Name()), ".xml") {
			jobs = append(jobs, job{path: p})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("preflight: reading metadata-dir: %w", err)
	}
	if err := c.do(ctx, jobs); err != nil {
		return err
	}
	for i := range jobs {
		c.collect(&jobs[i])
	}
	return nil
}
