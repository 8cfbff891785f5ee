package sfproject

import (
	"errors"
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"
)

// skipDirs are never part of the deployed source.
var skipDirs = map[string]bool{"node_modules": true, ".git": true, ".sfdx": true, ".sf": true}

// Index is what one walk of the package directories found: the components
// in source format and the metadata files to check.
type Index struct {
	files    []string
	classes  map[string]string
	triggers map[string]string
	members  map[string]bool // memberKey
	order    []Member
}

// Index walks the package directories once and records their source files.
// Package directories that do not exist are skipped (CheckDirs reports
// them); node_modules, .git, .sfdx and .sf are never entered, nor are the
// contents of static resource folders.
func (p *Project) Index() (*Index, error) {
	ix := &Index{classes: map[string]string{}, triggers: map[string]string{}, members: map[string]bool{}}
	var roots []string
	for _, d := range p.PackageDirs {
		root := p.Abs(d)
		if nested(root, roots) {
			continue
		}
		roots = append(roots, root)
		if err := ix.walk(root); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// nested reports whether dir is one of roots or inside one.
func nested(dir string, roots []string) bool {
	for _, r := range roots {
		if dir == r || strings.HasPrefix(dir, r+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func (ix *Index) walk(root string) error {
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipDir
			}
			return err
		}
		if path == root {
			return nil
		}
		rel := path[len(root)+1:]
		parts := strings.Split(rel, string(filepath.Separator))
		if d.IsDir() {
			return ix.addDir(parts)
		}
		ix.addFile(path, parts)
		return nil
	})
	if errors.Is(err, fs.SkipDir) {
		return nil
	}
	return err
}

func (ix *Index) addDir(parts []string) error {
	name := parts[len(parts)-1]
	if skipDirs[name] {
		return fs.SkipDir
	}
	if len(parts) < 2 {
		return nil
	}
	parent := strings.ToLower(parts[len(parts)-2])
	switch {
	case parent == "staticresources":
		return fs.SkipDir // the resource's own files are not metadata
	case parent == "objects":
		ix.add(Member{Type: "CustomObject", Name: name})
	case typesByBundle[parent] != nil && !inBundle(parts[:len(parts)-1]):
		ix.add(Member{Type: typesByBundle[parent].name, Name: name})
	}
	return nil
}

// inBundle reports whether a path lies inside an LWC or Aura bundle folder.
func inBundle(parts []string) bool {
	for i := 0; i+2 < len(parts); i++ {
		if typesByBundle[strings.ToLower(parts[i])] != nil {
			return true
		}
	}
	return false
}

func (ix *Index) addFile(path string, parts []string) {
	base := parts[len(parts)-1]
	lower := strings.ToLower(base)
	if inBundle(parts) {
		if strings.HasSuffix(lower, ".xml") {
			ix.files = append(ix.files, path)
		}
		return
	}
	stem, meta := strings.CutSuffix(lower, "-meta.xml")
	if meta {
		stem = base[:len(stem)]
	} else {
		stem = base
	}
	dot := strings.LastIndexByte(stem, '.')
	var t *typeInfo
	if dot > 0 {
		t = typesBySuffix[strings.ToLower(stem[dot+1:])]
	}
	if meta || strings.HasSuffix(lower, ".xml") || (t != nil && !t.content) {
		ix.files = append(ix.files, path)
	}
	if t == nil {
		return
	}
	name, suffix := stem[:dot], strings.ToLower(stem[dot+1:])
	if m, ok := memberOf(t, name, suffix, parts); ok {
		ix.add(m)
		if t.name == "ApexClass" && !meta {
			ix.classes[name] = path
		}
		if t.name == "ApexTrigger" && !meta {
			ix.triggers[name] = path
		}
	}
}

// memberOf names the component a file belongs to.
func memberOf(t *typeInfo, name, suffix string, parts []string) (Member, bool) {
	n := len(parts)
	switch t.layout {
	case child:
		if n < 3 || !strings.EqualFold(parts[n-2], t.folder) {
			return Member{}, false
		}
		return Member{Type: t.name, Name: parts[n-3] + "." + name}, true
	case foldered:
		i := n - 2
		for i >= 0 && !strings.EqualFold(parts[i], t.folder) {
			i--
		}
		if i < 0 {
			i = n - 3 // not under the type folder: take the parent as the folder
		}
		dirs := parts[i+1 : n-1]
		if suffix != strings.ToLower(t.folderSuffix) && len(dirs) == 0 {
			return Member{}, false // an item must be in a folder
		}
		return Member{Type: t.name, Name: strings.Join(append(append([]string{}, dirs...), name), "/")}, true
	}
	return Member{Type: t.name, Name: name}, true
}

func (ix *Index) add(m Member) {
	k := memberKey(m)
	if ix.members[k] {
		return
	}
	ix.members[k] = true
	ix.order = append(ix.order, m)
}

// memberKey compares names the way sf does: case-insensitively, with
// percent-encoded characters (as in layout names) decoded.
func memberKey(m Member) string {
	name := m.Name
	if strings.Contains(name, "%") {
		if u, err := url.PathUnescape(name); err == nil {
			name = u
		}
	}
	return strings.ToLower(m.Type) + "\x00" + strings.ToLower(name)
}

// Has reports whether the source holds a member. Wildcards and members of
// types whose layout the index does not know are always present, so that an
// unknown type never blocks a deployment.
func (ix *Index) Has(m Member) bool {
	if m.Name == "*" || !KnownType(m.Type) {
		return true
	}
	return ix.members[memberKey(m)]
}

// Files returns every metadata XML file to check (absolute paths, in walk
// order): -meta.xml files, other .xml files, and metadata-API-format files
// such as Foo.object. It is the caller's copy.
func (ix *Index) Files() []string { return append([]string(nil), ix.files...) }

// ApexClasses maps each class name (as its .cls file spells it) to the
// absolute path of the .cls file.
func (ix *Index) ApexClasses() map[string]string { return copyMap(ix.classes) }

// ApexTriggers maps each trigger name to its .trigger file.
func (ix *Index) ApexTriggers() map[string]string { return copyMap(ix.triggers) }

// Components lists the source's members of the given types, in walk order,
// for instance Components([]string{"CustomObject", "CustomField"}) for the
// foundation phase of a phased deployment.
func (ix *Index) Components(types []string) []Member {
	want := map[string]bool{}
	for _, t := range types {
		want[strings.ToLower(t)] = true
	}
	var out []Member
	for _, m := range ix.order {
		if want[strings.ToLower(m.Type)] {
			out = append(out, m)
		}
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
