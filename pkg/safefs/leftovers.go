package safefs

import (
	"errors"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// SFStateDirs are the folders the sf CLI writes into the project directory
// it runs in: its project state (.sf/orgs/<id>/localSourceTracking, a git
// repository, for source-tracked orgs) and the legacy .sfdx.
var SFStateDirs = []string{".sf", ".sfdx"}

// maxWatched bounds the entries a watch remembers under one directory.
const maxWatched = 100_000

// Leftovers remembers what was at a few names of a directory before a run,
// so that Remove takes away exactly what the run added there and never what
// was there before (a committed .sf/config.json stays). It never follows a
// symbolic link: a link that was there before stays, with what it leads
// to; one the run created is removed as a link.
type Leftovers struct {
	dir    string
	names  []string
	before map[string]bool
	// full is set when more than maxWatched entries were there before:
	// Remove then removes only names that did not exist at all.
	full bool
}

// WatchLeftovers records what is at names (slash-separated, relative to
// dir) now; a missing dir or name counts as empty.
func WatchLeftovers(dir string, names ...string) (*Leftovers, error) {
	l := &Leftovers{dir: dir, names: names, before: map[string]bool{}}
	root, err := os.OpenRoot(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return l, nil
		}
		return nil, err
	}
	defer root.Close()
	for _, n := range names {
		if err := walk(root, n, func(p string) bool {
			l.before[p] = true
			if len(l.before) > maxWatched {
				l.full = true
				return false
			}
			return true
		}); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// walk calls visit for name and, when it is a real directory, everything
// under it, without following links; a missing name visits nothing.
func walk(root *os.Root, name string, visit func(string) bool) error {
	fi, err := root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		// A file, or a link: never followed (WalkDir would follow a link
		// at its root).
		visit(name)
		return nil
	}
	err = fs.WalkDir(root.FS(), name, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !visit(p) {
			return fs.SkipAll
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Remove removes what the run added under the watched names and returns
// it (the topmost new paths, sorted).
func (l *Leftovers) Remove() ([]string, error) {
	root, err := os.OpenRoot(l.dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	defer root.Close()
	var added []string
	for _, n := range l.names {
		if l.full && l.before[n] {
			continue
		}
		if err := walk(root, n, func(p string) bool {
			if !l.before[p] && !under(p, added) {
				added = append(added, p)
			}
			return true
		}); err != nil {
			return nil, err
		}
	}
	sort.Strings(added)
	var errs []error
	for _, p := range added {
		if err := root.RemoveAll(p); err != nil {
			errs = append(errs, err)
		}
	}
	return added, errors.Join(errs...)
}

// under reports whether p is inside one of dirs.
func under(p string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}
