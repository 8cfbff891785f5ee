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
	"encoding/json"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/org/deploy-guard/pkg/result"
)

// Project locates the local source files of the deployed components.
type Project struct {
	// Root is the repository root (the workspace), absolute.
	Root string
	// Dir is the SFDX project directory (holds sfdx-project.json), absolute.
	Dir string
	// PackageDirs are the package directories relative to Dir ("force-app").
	// When empty they are read from sfdx-project.json; failing that the whole
	// of Dir is searched.
	PackageDirs []string
}

// fileIndex maps lowercased path suffixes ("classes/foo.cls",
// "objects/acc/fields/x__c.field-meta.xml") to repository-relative paths.
type fileIndex struct {
	bySuffix map[string]string
}

var (
	indexMu    sync.Mutex
	indexCache = map[string]*indexEntry{}
)

type indexEntry struct {
	once sync.Once
	idx  *fileIndex
}

// maxIndexedFiles bounds the walk of a pathological workspace.
const maxIndexedFiles = 500000

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

func (p Project) packageDirs() []string {
	if len(p.PackageDirs) > 0 {
		return p.PackageDirs
	}
	var doc struct {
		PackageDirectories []struct {
			Path string `json:"path"`
		} `json:"packageDirectories"`
	}
	if b, err := os.ReadFile(filepath.Join(p.dir(), "sfdx-project.json")); err == nil && json.Unmarshal(b, &doc) == nil {
		var out []string
		for _, d := range doc.PackageDirectories {
			if d.Path != "" {
				out = append(out, d.Path)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return []string{"."}
}

// index returns the (cached) file index of the project. It is built once per
// process for a given project directory and package list.
func (p Project) index() *fileIndex {
	if p.Root == "" && p.Dir == "" {
		return &fileIndex{bySuffix: map[string]string{}}
	}
	dirs := p.packageDirs()
	key := p.root() + "\x00" + p.dir() + "\x00" + strings.Join(dirs, "\x00")
	indexMu.Lock()
	e := indexCache[key]
	if e == nil {
		e = &indexEntry{}
		indexCache[key] = e
	}
	indexMu.Unlock()
	e.once.Do(func() { e.idx = p.build(dirs) })
	return e.idx
}

func (p Project) build(dirs []string) *fileIndex {
	idx := &fileIndex{bySuffix: map[string]string{}}
	root := p.root()
	n := 0
	for _, d := range dirs {
		base := filepath.Join(p.dir(), filepath.FromSlash(d))
		filepath.WalkDir(base, func(fp string, de fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			name := de.Name()
			if de.IsDir() {
				if fp != base && (strings.HasPrefix(name, ".") || name == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			if !de.Type().IsRegular() {
				return nil
			}
			n++
			if n > maxIndexedFiles {
				return filepath.SkipAll
			}
			rel, err := filepath.Rel(root, fp)
			if err != nil || strings.HasPrefix(rel, "..") {
				return nil
			}
			rel = filepath.ToSlash(rel)
			inPkg, err := filepath.Rel(base, fp)
			if err != nil {
				return nil
			}
			parts := strings.Split(strings.ToLower(filepath.ToSlash(inPkg)), "/")
			// Index every suffix of two or more components (and the bare
			// name for files at the package root); the first file wins.
			for i := 0; i < len(parts); i++ {
				if len(parts)-i < 2 && len(parts) > 1 {
					break
				}
				k := strings.Join(parts[i:], "/")
				if _, ok := idx.bySuffix[k]; !ok {
					idx.bySuffix[k] = rel
				}
			}
			return nil
		})
	}
	return idx
}

// lookup returns the first candidate suffix that names an existing file.
func (ix *fileIndex) lookup(cands ...string) string {
	for _, c := range cands {
		if c == "" {
			continue
		}
		if f, ok := ix.bySuffix[strings.ToLower(strings.Trim(c, "/"))]; ok {
			return f
		}
	}
	return ""
}

// File returns the repository-relative path ('/' separators) of the local
// file of c, or "" when it cannot be found.
func (p Project) File(c result.ComponentFailure) string {
	if c.FilePath != "" {
		if f := p.fromPath(c.FilePath); f != "" {
			return f
		}
	}
	ix := p.index()
	if f := ix.lookup(typeCandidates(c.Type, c.FullName)...); f != "" {
		return f
	}
	if f := ix.lookup(zipCandidates(c.FileName)...); f != "" {
		return f
	}
	// A child component that has no file of its own: point at its object.
	if obj, _, ok := strings.Cut(c.FullName, "."); ok && childKinds[c.Type] != "" {
		return ix.lookup(objectFile(obj)...)
	}
	return ""
}

// ClassFile returns the repository-relative path of an Apex class (or, when
// no class of that name exists, trigger), or "".
func (p Project) ClassFile(name string) string {
	ix := p.index()
	names := []string{name}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		names = append(names, name[i+1:])
	}
	for _, n := range names {
		if f := ix.lookup("classes/"+n+".cls", "triggers/"+n+".trigger"); f != "" {
			return f
		}
	}
	return ""
}

// fromPath converts a path reported by sf (absolute, relative to Dir, maybe
// with Windows separators, maybe from another machine) to a repository path.
func (p Project) fromPath(fp string) string {
	slashed := strings.ReplaceAll(fp, "\\", "/")
	native := filepath.FromSlash(slashed)
	if !filepath.IsAbs(native) {
		native = filepath.Join(p.dir(), native)
	}
	if rel, err := filepath.Rel(p.root(), native); err == nil && !strings.HasPrefix(rel, "..") && rel != "." {
		if _, err := os.Stat(native); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	// Not in this checkout (the path of another machine): match its tail.
	parts := strings.Split(strings.Trim(slashed, "/"), "/")
	ix := p.index()
	for i := 0; i < len(parts)-1; i++ {
		if f := ix.lookup(strings.Join(parts[i:], "/")); f != "" {
			return f
		}
	}
	return ""
}

// typeDirs maps metadata types to their source-format folder and suffix.
var typeDirs = map[string][2]string{
	"ApexClass":                {"classes", ".cls"},
	"ApexTrigger":              {"triggers", ".trigger"},
	"ApexPage":                 {"pages", ".page"},
	"ApexComponent":            {"components", ".component"},
	"Layout":                   {"layouts", ".layout-meta.xml"},
	"Flow":                     {"flows", ".flow-meta.xml"},
	"PermissionSet":            {"permissionsets", ".permissionset-meta.xml"},
	"PermissionSetGroup":       {"permissionsetgroups", ".permissionsetgroup-meta.xml"},
	"Profile":                  {"profiles", ".profile-meta.xml"},
	"CustomTab":                {"tabs", ".tab-meta.xml"},
	"CustomLabels":             {"labels", ".labels-meta.xml"},
	"StaticResource":           {"staticresources", ".resource-meta.xml"},
	"CustomMetadata":           {"customMetadata", ".md-meta.xml"},
	"FlexiPage":                {"flexipages", ".flexipage-meta.xml"},
	"CustomApplication":        {"applications", ".app-meta.xml"},
	"GlobalValueSet":           {"globalValueSets", ".globalValueSet-meta.xml"},
	"StandardValueSet":         {"standardValueSets", ".standardValueSet-meta.xml"},
	"NamedCredential":          {"namedCredentials", ".namedCredential-meta.xml"},
	"ExternalCredential":       {"externalCredentials", ".externalCredential-meta.xml"},
	"RemoteSiteSetting":        {"remoteSiteSettings", ".remoteSite-meta.xml"},
	"CustomPermission":         {"customPermissions", ".customPermission-meta.xml"},
	"QuickAction":              {"quickActions", ".quickAction-meta.xml"},
	"ApexTestSuite":            {"testSuites", ".testSuite-meta.xml"},
	"Queue":                    {"queues", ".queue-meta.xml"},
	"Group":                    {"groups", ".group-meta.xml"},
	"Role":                     {"roles", ".role-meta.xml"},
	"ConnectedApp":             {"connectedApps", ".connectedApp-meta.xml"},
	"Workflow":                 {"workflows", ".workflow-meta.xml"},
	"SharingRules":             {"sharingRules", ".sharingRules-meta.xml"},
	"AssignmentRules":          {"assignmentRules", ".assignmentRules-meta.xml"},
	"AutoResponseRules":        {"autoResponseRules", ".autoResponseRules-meta.xml"},
	"CustomNotificationType":   {"notificationtypes", ".notiftype-meta.xml"},
	"PlatformEventChannel":     {"platformEventChannels", ".platformEventChannel-meta.xml"},
	"Report":                   {"reports", ".report-meta.xml"},
	"Dashboard":                {"dashboards", ".dashboard-meta.xml"},
	"EmailTemplate":            {"email", ".email"},
	"Document":                 {"documents", ".document-meta.xml"},
	"ContentAsset":             {"contentassets", ".asset-meta.xml"},
	"CustomObjectTranslation":  {"objectTranslations", ".objectTranslation-meta.xml"},
	"Translations":             {"translations", ".translation-meta.xml"},
	"MatchingRules":            {"matchingRules", ".matchingRule-meta.xml"},
	"DuplicateRule":            {"duplicateRules", ".duplicateRule-meta.xml"},
	"PathAssistant":            {"pathAssistants", ".pathAssistant-meta.xml"},
	"LightningMessageChannel":  {"messageChannels", ".messageChannel-meta.xml"},
	"CustomSite":               {"sites", ".site-meta.xml"},
	"ExperienceBundle":         {"experiences", ".site-meta.xml"},
	"Certificate":              {"certs", ".crt-meta.xml"},
	"AuraDefinitionBundle":     {"aura", ""},
	"LightningComponentBundle": {"lwc", ""},
}

// childKinds maps the types stored inside an object folder to their kind.
var childKinds = map[string]string{
	"CustomField":     "field",
	"ValidationRule":  "validationRule",
	"RecordType":      "recordType",
	"ListView":        "listView",
	"CompactLayout":   "compactLayout",
	"WebLink":         "webLink",
	"FieldSet":        "fieldSet",
	"BusinessProcess": "businessProcess",
	"Index":           "index",
	"SharingReason":   "sharingReason",
}

func childDir(kind string) string {
	switch kind {
	case "businessProcess":
		return "businessProcesses"
	case "index":
		return "indexes"
	}
	return kind + "s"
}

func objectFile(obj string) []string {
	return []string{"objects/" + obj + "/" + obj + ".object-meta.xml", "objects/" + obj + ".object"}
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

func typeCandidates(typ, name string) []string {
	if typ == "" || name == "" {
		return nil
	}
	var out []string
	for _, n := range nameVariants(name) {
		switch {
		case typ == "CustomObject":
			out = append(out, objectFile(n)...)
		case childKinds[typ] != "":
			obj, child, ok := strings.Cut(n, ".")
			if !ok {
				continue
			}
			k := childKinds[typ]
			out = append(out, "objects/"+obj+"/"+childDir(k)+"/"+child+"."+k+"-meta.xml")
		case typ == "LightningComponentBundle":
			for _, ext := range []string{".js", ".ts", ".html", ".js-meta.xml", ".css"} {
				out = append(out, "lwc/"+n+"/"+n+ext)
			}
		case typ == "AuraDefinitionBundle":
			for _, ext := range []string{".cmp", ".app", ".evt", ".intf", ".tokens", ".design", "Controller.js", "Helper.js", ".cmp-meta.xml"} {
				out = append(out, "aura/"+n+"/"+n+ext)
			}
		case typ == "CustomLabel":
			out = append(out, "labels/CustomLabels.labels-meta.xml")
		default:
			if d, ok := typeDirs[typ]; ok {
				out = append(out, d[0]+"/"+n+d[1])
				if strings.HasSuffix(d[1], ".cls") || strings.HasSuffix(d[1], ".trigger") || strings.HasSuffix(d[1], ".page") || strings.HasSuffix(d[1], ".component") || d[1] == ".email" {
					out = append(out, d[0]+"/"+n+d[1]+"-meta.xml")
				}
			}
		}
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
