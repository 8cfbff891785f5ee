package preflight

import (
	"errors"
	"fmt"
	"strings"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfproject"
)

// checkManifest reports every manifest member the source does not hold.
func (c *run) checkManifest(p *sfproject.Project, ix *sfproject.Index) {
	if c.o.Manifest == "" {
		return
	}
	path := c.abs(c.o.Manifest)
	file := c.rel(path)
	entries, err := sfproject.ReadManifestEntries(path)
	if err != nil {
		f := Finding{Severity: SeverityError, Category: result.CategoryConfig, Check: CheckManifest, File: file, Message: err.Error()}
		var pe *sfproject.Error
		if errors.As(err, &pe) {
			f.Line, f.Col, f.Message = pe.Line, pe.Col, pe.Problem
		}
		c.config = append(c.config, f)
		return
	}
	where := strings.Join(p.PackageDirs, ", ")
	for _, e := range entries {
		f := Finding{Severity: SeverityError, Category: result.CategoryConfig, Check: CheckManifest, File: file, Line: e.Line, Col: e.Col}
		switch ix.Resolve(e.Member) {
		case sfproject.Missing:
			f.Message = fmt.Sprintf("%s %s is listed but %s has no %s", e.Type, e.Name, where, sfproject.ExpectedPath(e.Member))
			if hs := ix.Holders(e.Member); len(hs) > 0 {
				t := sfproject.LookupType(e.Type)
				var files []string
				for _, h := range hs {
					files = append(files, c.rel(h))
				}
				f.Message = fmt.Sprintf("%s %s is listed but no <%s> element with %s %s is in %s", e.Type, e.Name, t.XMLElement, t.UniqueID, childName(t, e.Name), strings.Join(files, ", "))
			}
		case sfproject.Ignored:
			f.Severity = SeverityWarning
			f.Message = fmt.Sprintf("%s %s is listed but .forceignore leaves its source out, so sf will not deploy it: remove it from the manifest or from .forceignore", e.Type, e.Name)
		case sfproject.UnknownType:
			f.Severity = SeverityWarning
			f.Message = fmt.Sprintf("%q is not a metadata type in the sf CLI's registry: check the spelling of <name> in the manifest", e.Type)
		default:
			continue
		}
		c.config = append(c.config, f)
	}
}

// childName is the name of a child inside its parent's file: the part
// after "Parent." unless the type's names have no parent part.
func childName(t *sfproject.Type, name string) string {
	if t.ChildIgnoresParentName || t.Parent.FixedName {
		return name
	}
	_, child, _ := strings.Cut(name, ".")
	return child
}

// checkTests checks that every test named for RunSpecifiedTests is a test
// class in the source.
func (c *run) checkTests(ix *sfproject.Index) {
	if !strings.EqualFold(c.o.TestLevel, "RunSpecifiedTests") {
		return
	}
	configErr := func(file string, line, col int, msg string) {
		c.config = append(c.config, Finding{Severity: SeverityError, Category: result.CategoryConfig, Check: CheckTests,
			File: file, Line: line, Col: col, Message: msg})
	}
	var names []string
	for _, t := range c.o.Tests {
		if t = strings.TrimSpace(t); t != "" {
			names = append(names, t)
		}
	}
	if len(names) == 0 {
		configErr("", 0, 0, "test-level RunSpecifiedTests needs the tests input: name the test classes to run")
		return
	}
	done := map[string]bool{}
	for _, t := range names {
		j, class := c.testClass(t)
		if done[strings.ToLower(class)] {
			continue
		}
		done[strings.ToLower(class)] = true
		switch {
		case j == nil:
			configErr("", 0, 0, fmt.Sprintf("test class %s (from tests %q) is not in the source: no classes/%s.cls in the package directories", class, t, class))
		case !j.apex.isTest:
			configErr(c.rel(j.path), j.apex.classLine, j.apex.classCol,
				fmt.Sprintf("class %s is named in tests but is not a test class (no @isTest)", class))
		}
	}
}

// testClass finds the class of a tests entry: "Class", "Class.method", or
// with a namespace prefix "ns.Class.method".
func (c *run) testClass(t string) (*job, string) {
	parts := strings.Split(t, ".")
	for _, p := range parts[:min(2, len(parts))] {
		if j := c.facts[strings.ToLower(p)]; j != nil {
			return j, p
		}
	}
	return nil, parts[0]
}
