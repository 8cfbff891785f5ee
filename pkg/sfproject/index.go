package sfproject

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
)

// skipDirs are never part of the deployed source.
var skipDirs = map[string]bool{"node_modules": true, ".git": true, ".sfdx": true, ".sf": true}

// Index is the one model of a project's source layout: what one walk of the
// package directories found, read with the sf CLI's rules (its metadata
// registry and the project's .forceignore). It names the components, tells
// metadata XML from content, and finds files by path suffix.
type Index struct {
	dir       string // project directory
	namespace string
	files     []string // metadata XML to check
	all       []string // every file the CLI would read, in walk order
	contains  map[string]bool
	classes   map[string]string
	triggers  map[string]string
	members   map[string]string // memberKey → main file (or folder) of the component
	ignored   map[string]string // memberKey → a file .forceignore leaves out
	byType    map[string]int    // lower-case type → number of components
	folders   map[string]bool   // memberKey → members[key] is still the component's folder
	// holders are the files of components whose children live inside
	// them (CustomLabels, Workflow), by memberKey; childNames caches the
	// children each file names.
	linked     bool // the source has symbolic links, which the walk does not follow
	holders    map[string][]string
	childMu    sync.Mutex
	childNames map[string]map[string]bool // file + "\x00" + child type → lower-case names; nil: unreadable
	order      []Member

	suffixOnce sync.Once
	bySuffix   map[string]string
}

// Index walks the package directories once and records their source files.
// Package directories that do not exist are skipped (CheckDirs reports
// them); paths the project's .forceignore denies (with the CLI's defaults)
// and node_modules, .git, .sfdx and .sf are never entered. The .forceignore
// is looked for in the project directory only; IndexWithin also searches
// the folders above it up to the repository root, as the CLI does.
func (p *Project) Index() (*Index, error) { return p.IndexWithin(p.Dir) }

// IndexWithin is Index with the .forceignore looked for from the project
// directory up to root (the repository root; never above it).
func (p *Project) IndexWithin(root string) (*Index, error) {
	fi, err := FindForceIgnore(p.Dir, root)
	if err != nil {
		return nil, err
	}
	return p.IndexWith(fi)
}

// IndexWith is Index with the given ignore rules (nil ignores nothing).
func (p *Project) IndexWith(fi *ForceIgnore) (*Index, error) {
	ix := &Index{dir: p.Dir, namespace: p.Namespace, contains: map[string]bool{}, classes: map[string]string{},
		triggers: map[string]string{}, members: map[string]string{}, ignored: map[string]string{}, byType: map[string]int{}, folders: map[string]bool{},
		holders: map[string][]string{}, childNames: map[string]map[string]bool{}}
	var roots []string
	for _, d := range p.PackageDirs {
		root := p.Abs(d)
		if nested(root, roots) {
			continue
		}
		roots = append(roots, root)
		if err := ix.walk(root, fi); err != nil {
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

func (ix *Index) walk(root string, fi *ForceIgnore) error {
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
		parts := ix.parts(path)
		ignoreRel := fi.rel(path)
		if d.IsDir() {
			if skipDirs[d.Name()] || fi.deniesInWalk(ignoreRel, true) {
				return fs.SkipDir
			}
			ix.addDir(path, parts)
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 && !fi.deniesInWalk(ignoreRel, false) {
			// The CLI follows links; the walk does not read through them
			// (they may leave the workspace). A link may be a folder of
			// components: what is not found is then unverified, not missing.
			ix.linked = true
			if m, ok := classify(parts).member(parts); ok {
				ix.add(m, path)
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if fi.deniesInWalk(ignoreRel, false) {
			if m, ok := classify(parts).member(parts); ok {
				if k := memberKey(m); ix.ignored[k] == "" {
					ix.ignored[k] = path
				}
			}
			return nil
		}
		ix.addFile(path, parts)
		return nil
	})
	if errors.Is(err, fs.SkipDir) {
		return nil
	}
	return err
}

// parts splits a path relative to the project directory (or, outside it,
// to the file system root).
func (ix *Index) parts(path string) []string {
	rel, err := filepath.Rel(ix.dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		rel = path
	}
	return strings.Split(filepath.ToSlash(rel), "/")
}

// addDir records the components that are folders: a bundle (lwc/card) and
// the folder of a decomposed type (objects/Invoice__c).
func (ix *Index) addDir(path string, parts []string) {
	n := len(parts)
	if n < 2 {
		return
	}
	t := reg().byStrict[parts[n-2]]
	if t == nil || (t.Adapter != adapterBundle && t.Adapter != adapterDecomposed) || inFolderOnly(parts[:n-2]) {
		return
	}
	m := Member{Type: t.Name, Name: parts[n-1]}
	if _, ok := ix.members[memberKey(m)]; !ok {
		ix.add(m, path)
		ix.folders[memberKey(m)] = true
	}
}

// inFolderOnly reports whether a folder lies inside the content area of a
// bundle or mixed-content type (where nothing is a component of its own).
func inFolderOnly(dirs []string) bool {
	for _, d := range dirs {
		if t := reg().byStrict[d]; t != nil && t.folderOnly() {
			return true
		}
	}
	return false
}

// fileKind is what the CLI makes of one file.
type fileKind struct {
	t       *Type
	name    string // component name as the file spells it ("" when none)
	xml     bool   // metadata XML to check
	content bool   // a content file of its component (Foo.cls)
	folder  bool   // a folder component (reports/Sales.reportFolder-meta.xml)
}

// classify reads a file path (parts relative to the project directory) the
// way the CLI's metadata resolver does: a strict type's folder first, then
// the -meta.xml suffix, then the file extension.
func classify(parts []string) fileKind {
	n := len(parts)
	base := parts[n-1]
	dirs := parts[:n-1]
	// Bundles and mixed content (lwc/card/..., staticresources/...): only
	// the -meta.xml files are metadata; everything else is content.
	for i, d := range dirs {
		t := reg().byStrict[d]
		if t == nil || !t.folderOnly() {
			continue
		}
		if t.InFolder && i == n-2 {
			break // documents/Folder.documentFolder-meta.xml: a folder, read below
		}
		return classifyInFolderType(t, parts, i)
	}
	stem, meta := strings.CutSuffix(base, "-meta.xml")
	dot := strings.LastIndexByte(stem, '.')
	if dot <= 0 {
		// Folder-style metadata (reports/Sales-meta.xml) or not metadata.
		return fileKind{xml: meta}
	}
	name, suffix := stem[:dot], stem[dot+1:]
	t := typeOf(dirs, suffix, meta)
	if t == nil {
		return fileKind{xml: meta}
	}
	k := fileKind{t: t, name: name, xml: meta || !t.HasContent(), content: !meta && t.HasContent(), folder: t.FolderContent != ""}
	return k
}

// classifyInFolderType reads a file inside the folder of a bundle or
// mixed-content type t, found at parts[i].
func classifyInFolderType(t *Type, parts []string, i int) fileKind {
	n := len(parts)
	base := parts[n-1]
	stem, meta := strings.CutSuffix(base, "-meta.xml")
	switch t.Adapter {
	case adapterBundle:
		if n-1 < i+2 {
			return fileKind{} // lwc/jsconfig.json: beside the bundles
		}
		// The bundle itself is recorded from its folder; its -meta.xml,
		// directly in the bundle folder, is metadata.
		return fileKind{t: t, name: parts[i+1], xml: meta && n-1 == i+2, content: !(meta && n-1 == i+2)}
	case adapterMixedContent:
		direct := n-1 == i+1 || (t.InFolder && n-1 >= i+2)
		if meta && direct {
			name := stem
			if s := "." + t.Suffix; t.Suffix != "" && strings.HasSuffix(stem, s) {
				name = strings.TrimSuffix(stem, s)
			} else if dot := strings.LastIndexByte(stem, '.'); dot > 0 {
				name = stem[:dot]
			}
			return fileKind{t: t, name: name, xml: true}
		}
		return fileKind{} // the resource's content
	}
	return fileKind{} // digital experiences and UI bundles: content, not modelled
}

// typeOf resolves the type of a file by suffix, as the CLI does: a strict
// type whose folder is in the path and whose (or whose child's) suffix
// matches, else the registry's suffix table. A content file (no -meta.xml)
// counts only inside its type's folder.
func typeOf(dirs []string, suffix string, meta bool) *Type {
	for _, d := range dirs {
		s := reg().byStrict[d]
		if s == nil || s.folderOnly() {
			continue
		}
		if s.Suffix == suffix || (s.LegacySuffix != "" && s.LegacySuffix == suffix) {
			return s
		}
		for _, c := range s.Children {
			if c.Suffix == suffix {
				return c
			}
		}
	}
	t := reg().bySuffix[suffix]
	if t == nil {
		return nil
	}
	if t.Strict || !meta {
		found := false
		for _, d := range dirs {
			if d == t.Dir {
				found = true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return t
}

// member names the component a classified file belongs to.
func (k fileKind) member(parts []string) (Member, bool) {
	t := k.t
	if t == nil || k.name == "" {
		return Member{}, false
	}
	n := len(parts)
	dirs := parts[:n-1]
	switch {
	case t.FixedName:
		return Member{Type: t.Name, Name: t.Name}, true
	case t.Parent != nil:
		if !t.Parent.decomposedChildren() {
			return Member{}, false // inside the parent's file
		}
		j := lastIndex(dirs, t.Parent.Dir)
		if j < 0 || j+1 >= len(dirs) {
			return Member{}, false
		}
		return Member{Type: t.Name, Name: dirs[j+1] + "." + k.name}, true
	case t.InFolder || t.FolderContent != "":
		j := lastIndex(dirs, t.Dir)
		if j < 0 {
			return Member{}, false
		}
		folders := dirs[j+1:]
		if t.InFolder && len(folders) == 0 {
			return Member{}, false // an item must be in a folder
		}
		return Member{Type: t.Name, Name: strings.Join(append(append([]string{}, folders...), k.name), "/")}, true
	case t.FolderType != "":
		return Member{}, false // nested types (territories): not modelled
	}
	return Member{Type: t.Name, Name: k.name}, true
}

func lastIndex(s []string, v string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == v {
			return i
		}
	}
	return -1
}

func (ix *Index) addFile(path string, parts []string) {
	ix.all = append(ix.all, path)
	ix.contains[path] = true
	k := classify(parts)
	if k.xml {
		ix.files = append(ix.files, path)
	}
	m, ok := k.member(parts)
	if !ok {
		return
	}
	if k.xml && k.t.Adapter == adapterMatchingContent {
		// Foo.cls-meta.xml outside classes/: the CLI deploys the Foo.cls
		// beside it (walked just before it) as its content.
		if content := strings.TrimSuffix(path, "-meta.xml"); content != path && ix.contains[content] {
			path, k.content = content, true
		}
	}
	ix.add(m, path)
	if k.xml && len(k.t.Children) > 0 && !k.t.decomposedChildren() {
		ix.holders[memberKey(m)] = append(ix.holders[memberKey(m)], path)
	}
	if k.folder {
		ix.add(Member{Type: k.t.FolderContent, Name: m.Name}, path)
	}
	if k.content && k.t.Name == "ApexClass" {
		ix.classes[k.name] = path
	}
	if k.content && k.t.Name == "ApexTrigger" {
		ix.triggers[k.name] = path
	}
}

func (ix *Index) add(m Member, path string) {
	k := memberKey(m)
	if cur, ok := ix.members[k]; ok {
		// A file beats the folder (objects/Foo/Foo.object-meta.xml), and
		// a bundle's code beats its other files.
		if ix.folders[k] || (mainFile(m, path) && !mainFile(m, cur)) {
			ix.members[k] = path
			delete(ix.folders, k)
		}
		return
	}
	ix.members[k] = path
	ix.byType[strings.ToLower(m.Type)]++
	ix.order = append(ix.order, m)
}

// mainFile reports whether path is the file to show for a bundle: the one
// named after it with the code (card/card.js, box/box.cmp).
func mainFile(m Member, path string) bool {
	base := filepath.Base(path)
	stem, ext, ok := strings.Cut(base, ".")
	if !ok || !strings.EqualFold(stem, m.Name) || filepath.Base(filepath.Dir(path)) != m.Name {
		return false
	}
	switch ext {
	case "js", "ts", "cmp", "app", "evt", "intf", "tokens":
		return true
	}
	return false
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

// Presence is what the source says about a manifest member.
type Presence int

const (
	// Present: the source holds the member (or the name is a wildcard).
	Present Presence = iota
	// Missing: the source certainly lacks it; sf would fail.
	Missing
	// Ignored: its source exists but .forceignore leaves it out.
	Ignored
	// Unverified: the index cannot tell (a parent file it cannot parse,
	// types whose layout it does not model, a source with symbolic links).
	Unverified
	// UnknownType: the type is not in the CLI's metadata registry.
	UnknownType
)

// Resolve says whether the source holds a manifest member, with the CLI's
// rules: a trailing "/" names a folder (as sf project generate manifest
// writes report and dashboard folders), fixed-name types (CustomLabels) have
// one component whatever the file name, "*" and partial wildcards match,
// children are "Parent.Child", and the project's namespace prefix may be
// left out of the file names.
func (ix *Index) Resolve(m Member) Presence {
	t := LookupType(m.Type)
	if t == nil {
		return UnknownType
	}
	name := strings.TrimSuffix(strings.TrimSpace(m.Name), "/")
	if name == "" || strings.Contains(name, "*") {
		return Present
	}
	for _, n := range ix.withoutNamespace(name) {
		if _, ok := ix.members[memberKey(Member{Type: t.Name, Name: n})]; ok {
			return Present
		}
		if t.FixedName && ix.byType[strings.ToLower(t.Name)] > 0 {
			return Present
		}
	}
	switch {
	case t.Parent != nil && !t.Parent.decomposedChildren():
		// A child inside its parent's file (CustomLabel, WorkflowRule):
		// missing without the parent, else looked for in its files.
		parent, child, ok := parentOf(t, name)
		if !ok {
			return Unverified
		}
		if p := ix.Resolve(parent); p != Present {
			return p
		}
		return ix.findChild(t, parent, child)
	case t.Parent != nil:
		obj, _, ok := strings.Cut(name, ".")
		if !ok {
			return Missing
		}
		for _, o := range ix.withoutNamespace(obj) {
			if f, ok := ix.members[memberKey(Member{Type: t.Parent.Name, Name: o})]; ok && strings.HasSuffix(f, "."+t.Parent.Suffix) {
				return Unverified // the parent in metadata format (Foo.object) holds its children
			}
		}
	case t.FolderType != "" && !t.InFolder, t.Adapter == "digitalExperience", t.Adapter == "uiBundles":
		return Unverified
	}
	if _, ok := ix.ignored[memberKey(Member{Type: t.Name, Name: name})]; ok {
		return Ignored
	}
	if ix.linked {
		return Unverified
	}
	return Missing
}

// parentOf splits the full name of a child that lives in its parent's
// file into the parent member and the child's own name.
func parentOf(t *Type, name string) (Member, string, bool) {
	if t.ChildIgnoresParentName || t.Parent.FixedName {
		return Member{Type: t.Parent.Name, Name: t.Parent.Name}, name, true
	}
	obj, child, ok := strings.Cut(name, ".")
	return Member{Type: t.Parent.Name, Name: obj}, child, ok
}

// findChild looks for a child element in the parent's files:
// <labels><fullName>Greeting</fullName></labels> in a labels file.
func (ix *Index) findChild(t *Type, parent Member, child string) Presence {
	var files []string
	for _, n := range ix.withoutNamespace(parent.Name) {
		files = append(files, ix.holders[memberKey(Member{Type: parent.Type, Name: n})]...)
	}
	if t.XMLElement == "" || t.UniqueID == "" || len(files) == 0 {
		return Unverified
	}
	sure := true
	for _, f := range files {
		names := ix.children(f, t)
		if names == nil {
			sure = false
			continue
		}
		for _, n := range ix.withoutNamespace(child) {
			if names[strings.ToLower(n)] {
				return Present
			}
		}
	}
	if !sure {
		return Unverified
	}
	return Missing
}

// maxHolder bounds the read of a file that holds children.
const maxHolder = 64 << 20

// children returns the lower-case names of the children of type t in a
// file, or nil when the file cannot be read or parsed.
func (ix *Index) children(file string, t *Type) map[string]bool {
	key := file + "\x00" + t.Name
	ix.childMu.Lock()
	defer ix.childMu.Unlock()
	if names, ok := ix.childNames[key]; ok {
		return names
	}
	var names map[string]bool
	if data, err := readSmall(file, maxHolder); err == nil {
		names = childNames(data, t.XMLElement, t.UniqueID)
	}
	ix.childNames[key] = names
	return names
}

// childNames reads the text of <element><id>...</id></element> directly
// under the root element; nil when the XML is broken.
func childNames(data []byte, element, id string) map[string]bool {
	d := xml.NewDecoder(bytes.NewReader(data))
	names := map[string]bool{}
	var path []string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return names
		}
		if err != nil {
			return nil
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			path = append(path, tk.Name.Local)
			text.Reset()
		case xml.CharData:
			text.Write(tk)
		case xml.EndElement:
			if len(path) == 3 && path[1] == element && path[2] == id {
				names[strings.ToLower(strings.TrimSpace(text.String()))] = true
			}
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
}

// Holders returns the files a child type's members are looked for in
// (the labels files for CustomLabel Greeting), absolute; nil when the
// child has files of its own or the parent is not in the source.
func (ix *Index) Holders(m Member) []string {
	t := LookupType(m.Type)
	if ix == nil || t == nil || t.Parent == nil || t.Parent.decomposedChildren() {
		return nil
	}
	parent, _, ok := parentOf(t, strings.TrimSuffix(m.Name, "/"))
	if !ok {
		return nil
	}
	var out []string
	for _, n := range ix.withoutNamespace(parent.Name) {
		out = append(out, ix.holders[memberKey(Member{Type: parent.Type, Name: n})]...)
	}
	return out
}

// withoutNamespace returns the name and, when it carries the project's
// namespace prefix (in any dotted part), the name without it.
func (ix *Index) withoutNamespace(name string) []string {
	if ix.namespace == "" {
		return []string{name}
	}
	prefix := strings.ToLower(ix.namespace) + "__"
	parts := strings.Split(name, ".")
	changed := false
	for i, p := range parts {
		if len(p) > len(prefix) && strings.ToLower(p[:len(prefix)]) == prefix {
			parts[i], changed = p[len(prefix):], true
		}
	}
	if !changed {
		return []string{name}
	}
	return []string{name, strings.Join(parts, ".")}
}

// Has reports whether the source may hold a member: every answer of Resolve
// but Missing and Ignored, so that what the index cannot tell never blocks.
func (ix *Index) Has(m Member) bool {
	switch ix.Resolve(m) {
	case Missing, Ignored:
		return false
	}
	return true
}

// KnownType reports whether a metadata type is in the CLI's registry.
func KnownType(typ string) bool { return LookupType(typ) != nil }

// Files returns every metadata XML file to check (absolute paths, in walk
// order): the -meta.xml files and the metadata-format files such as
// Foo.object, but no content (Apex source, static resources, bundles'
// code, documents) and nothing that is not metadata (a README.md). It is
// the caller's copy.
func (ix *Index) Files() []string { return append([]string(nil), ix.files...) }

// ApexClasses maps each class name (as its .cls file spells it) to the
// absolute path of the .cls file.
func (ix *Index) ApexClasses() map[string]string { return copyMap(ix.classes) }

// ApexTriggers maps each trigger name to its .trigger file.
func (ix *Index) ApexTriggers() map[string]string { return copyMap(ix.triggers) }

// Source, Contains and Lookup answer "" or false on a nil *Index.

// Source returns the absolute path of a component's main file (the .cls of
// a class, card/card.js of a bundle, the folder of an object without its
// own file), or "" when the source does not hold it.
func (ix *Index) Source(m Member) string {
	t := LookupType(m.Type)
	if t == nil || ix == nil {
		return ""
	}
	for _, n := range ix.withoutNamespace(strings.TrimSuffix(m.Name, "/")) {
		if t.FixedName {
			n = t.Name
		}
		if f := ix.members[memberKey(Member{Type: t.Name, Name: n})]; f != "" {
			return f
		}
	}
	return ""
}

// Contains reports whether an absolute path is a file of the source.
func (ix *Index) Contains(path string) bool {
	return ix != nil && ix.contains[filepath.Clean(path)]
}

// Lookup returns the file whose path ends with the given slash-separated
// suffix of whole path elements ("classes/Foo.cls"), compared
// case-insensitively, or "". The first file in walk order wins.
func (ix *Index) Lookup(suffix string) string {
	if ix == nil {
		return ""
	}
	ix.suffixOnce.Do(ix.buildSuffixes)
	return ix.bySuffix[strings.ToLower(strings.Trim(suffix, "/"))]
}

// buildSuffixes indexes every suffix of two or more path elements below
// the project directory, and the bare name of files at a package root.
func (ix *Index) buildSuffixes() {
	ix.bySuffix = make(map[string]string, len(ix.all)*3)
	for _, f := range ix.all {
		parts := strings.Split(strings.ToLower(strings.Join(ix.parts(f), "/")), "/")
		for i := 0; i < len(parts); i++ {
			if len(parts)-i < 2 && len(parts) > 1 {
				break
			}
			k := strings.Join(parts[i:], "/")
			if _, ok := ix.bySuffix[k]; !ok {
				ix.bySuffix[k] = f
			}
		}
	}
}

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

// ExpectedPath is where sf expects a member's source, relative to a package
// directory: "classes/Foo.cls" for ApexClass Foo. It is empty for types not
// in the registry.
func ExpectedPath(m Member) string {
	t := LookupType(m.Type)
	if t == nil {
		return ""
	}
	name := strings.TrimSuffix(m.Name, "/")
	switch {
	case t.FixedName:
		return t.Dir + "/<any name>." + t.Suffix + "-meta.xml"
	case t.Adapter == adapterBundle || t.Adapter == "uiBundles":
		return t.Dir + "/" + name + "/"
	case t.Parent != nil && t.Parent.decomposedChildren():
		obj, child, ok := strings.Cut(name, ".")
		if !ok {
			obj, child = "<"+t.Parent.Name+">", name
		}
		return t.Parent.Dir + "/" + obj + "/" + t.Dir + "/" + child + "." + t.Suffix + "-meta.xml"
	case t.Parent != nil:
		return ExpectedPath(Member{Type: t.Parent.Name, Name: strings.Split(name, ".")[0]})
	case t.InFolder && (!strings.Contains(name, "/") || strings.HasSuffix(m.Name, "/")), t.FolderContent != "":
		ft := t
		if t.InFolder {
			ft = LookupType(t.FolderType)
		}
		return t.Dir + "/" + name + "." + ft.Suffix + "-meta.xml"
	case t.decomposedChildren():
		return t.Dir + "/" + name + "/" + name + "." + t.Suffix + "-meta.xml"
	case t.Adapter == adapterMatchingContent:
		return t.Dir + "/" + name + "." + t.Suffix
	case t.Suffix == "":
		return t.Dir + "/" + name + "/"
	}
	return t.Dir + "/" + name + "." + t.Suffix + "-meta.xml"
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
