// Package sfproject reads a Salesforce DX project the way the sf CLI sees it:
// sfdx-project.json, the package directories it names, the package.xml
// manifest, and the source-format file layout of the metadata inside them.
//
// It never talks to an org; deploy-guard uses it to check a project before
// authenticating (see package preflight) and to compute component lists.
package sfproject

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/org/deploy-guard/pkg/safefs"
)

// FileName is the project file sf looks for in the working directory.
const FileName = "sfdx-project.json"

// ErrNoProject is wrapped by Load's error when the directory holds no
// sfdx-project.json.
var ErrNoProject = errors.New("no " + FileName)

// Error is a problem in a project file, with a position when one is known.
type Error struct {
	// File is the absolute path of the file at fault.
	File string
	// Line and Col are 1-based; 0 means unknown.
	Line, Col int
	// Problem says what is wrong and how to fix it.
	Problem string
	// Err is the underlying cause, if any (for errors.Is).
	Err error
}

// Error formats the problem as file:line:col: problem.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Project is a parsed sfdx-project.json.
type Project struct {
	// Dir is the absolute directory that holds sfdx-project.json.
	Dir string
	// PackageDirs are the packageDirectories paths as written, in order.
	PackageDirs []string
	// DefaultDir is the package directory marked "default": true (the first
	// one when none is marked).
	DefaultDir string
	// APIVersion is sourceApiVersion; empty when unset.
	APIVersion string
	// Namespace is the package namespace; empty when unset. Manifest
	// members may carry it as a prefix ("ns__Field__c") that the source
	// file names leave out.
	Namespace string
	// ReplaceWithFile are the replaceWithFile paths of the replacements
	// entries, as written (sf reads them relative to the project directory
	// and puts their contents in the deployed files).
	ReplaceWithFile []string

	dirPos [][2]int // line and column of each package directory's "path" value
}

// Load reads dir/sfdx-project.json and checks that its package directories
// exist. Its errors are *Error values naming the file and the problem; a
// missing file also wraps ErrNoProject.
func Load(dir string) (*Project, error) {
	p, err := Read(dir)
	if err != nil {
		return nil, err
	}
	if errs := p.CheckDirs(); len(errs) > 0 {
		return nil, errs[0]
	}
	return p, nil
}

// Read reads and parses dir/sfdx-project.json without checking that the
// package directories exist (see CheckDirs).
func Read(dir string) (*Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("project directory %s: %w", dir, err)
	}
	file := filepath.Join(abs, FileName)
	data, err := safefs.ReadFile(file, MaxProjectFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &Error{File: file, Err: ErrNoProject,
			Problem: fmt.Sprintf("no %s in %s: set working-directory to the folder that holds it", FileName, abs)}
	}
	if err != nil {
		return nil, &Error{File: file, Problem: err.Error(), Err: err}
	}
	return Parse(abs, data)
}

// MaxProjectFile bounds sfdx-project.json (real ones are a few KB).
const MaxProjectFile = 4 << 20

// Parse parses the content of an sfdx-project.json that lives in dir.
func Parse(dir string, data []byte) (*Project, error) {
	file := filepath.Join(dir, FileName)
	var doc struct {
		PackageDirectories []struct {
			Path    string `json:"path"`
			Default bool   `json:"default"`
		} `json:"packageDirectories"`
		SourceAPIVersion string `json:"sourceApiVersion"`
		Namespace        string `json:"namespace"`
		Replacements     []struct {
			ReplaceWithFile string `json:"replaceWithFile"`
		} `json:"replacements"`
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(file, data, err)
	}
	if len(doc.PackageDirectories) == 0 {
		return nil, &Error{File: file, Line: lineOf(data, "packageDirectories"),
			Problem: `no packageDirectories: add at least one, e.g. "packageDirectories": [{"path": "force-app", "default": true}]`}
	}
	p := &Project{Dir: dir, APIVersion: doc.SourceAPIVersion, Namespace: doc.Namespace}
	for _, r := range doc.Replacements {
		if r.ReplaceWithFile != "" {
			p.ReplaceWithFile = append(p.ReplaceWithFile, r.ReplaceWithFile)
		}
	}
	for i, d := range doc.PackageDirectories {
		if strings.TrimSpace(d.Path) == "" {
			return nil, &Error{File: file, Line: lineOf(data, "packageDirectories"),
				Problem: fmt.Sprintf("packageDirectories[%d] has no path", i)}
		}
		p.PackageDirs = append(p.PackageDirs, d.Path)
		p.dirPos = append(p.dirPos, positionOf(data, quoteJSON(d.Path)))
		if d.Default && p.DefaultDir == "" {
			p.DefaultDir = d.Path
		}
	}
	if p.DefaultDir == "" {
		p.DefaultDir = p.PackageDirs[0]
	}
	return p, nil
}

// CheckDirs returns one *Error for each package directory that does not
// exist or is not a directory, at the line that names it.
func (p *Project) CheckDirs() []error {
	var errs []error
	file := filepath.Join(p.Dir, FileName)
	for i, d := range p.PackageDirs {
		st, err := os.Stat(p.Abs(d))
		switch {
		case err == nil && st.IsDir():
			continue
		case err == nil:
			errs = append(errs, &Error{File: file, Line: p.dirPos[i][0], Col: p.dirPos[i][1],
				Problem: fmt.Sprintf("package directory %q is not a directory", d)})
		default:
			errs = append(errs, &Error{File: file, Line: p.dirPos[i][0], Col: p.dirPos[i][1], Err: err,
				Problem: fmt.Sprintf("package directory %q does not exist: fix packageDirectories or check out the full repository", d)})
		}
	}
	return errs
}

// SourceDirs are the package directories as sf's --source-dir values, in
// the file's order, each once: what `sf project deploy` deploys when no
// source is named, spelled out so that every command of a run (validate,
// a rerun, a fallback, a phase) deploys the same content. Relative paths
// stay relative to the project directory, where sf runs; one that starts
// with "-" gets "./" so the CLI cannot read it as a flag.
func (p *Project) SourceDirs() []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(p.PackageDirs))
	for _, d := range p.PackageDirs {
		c := filepath.ToSlash(filepath.Clean(filepath.FromSlash(d)))
		if strings.HasPrefix(c, "-") {
			c = "./" + c
		}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// Abs resolves a path relative to the project directory.
func (p *Project) Abs(rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	return filepath.Join(p.Dir, filepath.FromSlash(rel))
}

func jsonError(file string, data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset - 1 // Offset counts the offending byte
	case errors.As(err, &typ):
		off = typ.Offset
	}
	e := &Error{File: file, Problem: "invalid JSON: " + err.Error(), Err: err}
	if len(bytes.TrimSpace(data)) == 0 {
		e.Problem = "the file is empty: it must be a JSON object with packageDirectories"
		return e
	}
	if off >= 0 {
		e.Line, e.Col = Position(data, int(off))
	}
	return e
}

// Position converts a byte offset in data into a 1-based line and a 1-based
// column counted in characters.
func Position(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	head := data[:off]
	line = bytes.Count(head, []byte{'\n'}) + 1
	start := bytes.LastIndexByte(head, '\n') + 1
	return line, len(bytes.Runes(head[start:])) + 1
}

// lineOf returns the line of the first occurrence of s in data, or 0.
func lineOf(data []byte, s string) int {
	return positionOf(data, s)[0]
}

// positionOf returns the line and column of the first occurrence of s in
// data, or zeros.
func positionOf(data []byte, s string) [2]int {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return [2]int{}
	}
	line, col := Position(data, i)
	return [2]int{line, col}
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
