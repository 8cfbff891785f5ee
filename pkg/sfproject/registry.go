package sfproject

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// registryJSON is a trimmed copy of the metadata registry of the pinned sf
// CLI (@salesforce/source-deploy-retrieve's metadataRegistry.json): only the
// facts that say where a type's source lives and which of its files are
// metadata XML. TestRegistryMatchesCLI checks it against the CLI in .cache
// and regenerates it with -update.
//
//go:embed registry.json
var registryJSON []byte

// Adapters of the registry: how a type's source files make up a component.
const (
	adapterMatchingContent = "matchingContentFile" // Foo.cls + Foo.cls-meta.xml
	adapterMixedContent    = "mixedContent"        // Foo.resource-meta.xml + any content file or folder
	adapterBundle          = "bundle"              // a folder lwc/foo/ of content files and one -meta.xml
	adapterDecomposed      = "decomposed"          // objects/Foo/ with children in sub-folders
)

// Type is one metadata type of the registry.
type Type struct {
	// Name is the Metadata API name, as in package.xml ("ApexClass").
	Name string
	// Suffix is the file suffix in source format ("cls"); empty for bundles.
	Suffix string
	// Dir is the conventional folder ("classes").
	Dir string
	// InFolder types (Report, Dashboard, Document, EmailTemplate) live in
	// folders and are named "Folder/Name".
	InFolder bool
	// Strict types are only recognised inside their Dir.
	Strict bool
	// Adapter says how files make up a component (see the adapter constants);
	// empty for the common case of one Name.suffix-meta.xml file.
	Adapter string
	// FolderType is the type of the folders of an InFolder type
	// ("ReportFolder"); FolderContent is the reverse ("Report").
	FolderType, FolderContent string
	// FixedName types have one component named after the type, whatever the
	// file is called (CustomLabels).
	FixedName bool
	// LegacySuffix is an older suffix the CLI still reads.
	LegacySuffix string
	// Parent is set on child types (CustomField → CustomObject).
	Parent *Type
	// Children are the child types; ChildIgnoresParentName on a child means
	// its full name has no "Parent." prefix (CustomLabel).
	Children               []*Type
	ChildIgnoresParentName bool
	// XMLElement and UniqueID say where a child that lives inside its
	// parent's file is: <labels><fullName>Greeting</fullName>...</labels>.
	XMLElement, UniqueID string
}

// HasContent reports whether some files of the type are content rather
// than metadata XML: Apex source, static resources, documents, email
// templates, LWC and Aura bundles and the like. Only a content type's
// -meta.xml files are metadata XML.
func (t *Type) HasContent() bool {
	switch t.Adapter {
	case "", "default", adapterDecomposed:
		return false
	}
	return true
}

// folderOnly reports whether the type's files are content inside its folder
// (bundles and mixed content: everything but the -meta.xml).
func (t *Type) folderOnly() bool {
	switch t.Adapter {
	case adapterMixedContent, adapterBundle, "uiBundles", "digitalExperience":
		return true
	}
	return false
}

// decomposedChildren reports whether the children are files of their own
// (objects/Foo/fields/Bar.field-meta.xml) rather than elements inside the
// parent's file (CustomLabel inside CustomLabels).
func (t *Type) decomposedChildren() bool { return t.Adapter == adapterDecomposed }

// registryData is the format of registry.json.
type registryData struct {
	Source     string            `json:"source"`
	Types      []typeData        `json:"types"`
	Suffixes   map[string]string `json:"suffixes"`             // suffix → type name, as the CLI resolves it
	StrictDirs map[string]string `json:"strictDirectoryNames"` // folder → type name
}

type typeData struct {
	Name             string     `json:"name"`
	Suffix           string     `json:"suffix,omitempty"`
	Dir              string     `json:"dir"`
	InFolder         bool       `json:"inFolder,omitempty"`
	Strict           bool       `json:"strict,omitempty"`
	Adapter          string     `json:"adapter,omitempty"`
	FolderType       string     `json:"folderType,omitempty"`
	FolderContent    string     `json:"folderContentType,omitempty"`
	FixedName        bool       `json:"fixedName,omitempty"`
	LegacySuffix     string     `json:"legacySuffix,omitempty"`
	IgnoreParentName bool       `json:"ignoreParentName,omitempty"`
	XMLElement       string     `json:"xmlElement,omitempty"`
	UniqueID         string     `json:"uniqueId,omitempty"`
	Children         []typeData `json:"children,omitempty"`
}

// registry indexes the types.
type registry struct {
	byName   map[string]*Type // lower-case name
	bySuffix map[string]*Type // exact suffix
	byStrict map[string]*Type // exact folder name
	strict   []*Type          // strict types, in name order
	source   string
}

// reg is the embedded registry, parsed when first asked for (a third of
// the binary's start-up when it was parsed at init): a clean deployment
// never needs it.
var reg = sync.OnceValue(func() *registry {
	r, err := loadRegistry(registryJSON)
	if err != nil {
		panic("sfproject: embedded registry.json: " + err.Error())
	}
	return r
})

func loadRegistry(data []byte) (*registry, error) {
	var d registryData
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	r := &registry{byName: map[string]*Type{}, bySuffix: map[string]*Type{}, byStrict: map[string]*Type{}, source: d.Source}
	var add func(td typeData, parent *Type) *Type
	add = func(td typeData, parent *Type) *Type {
		t := &Type{Name: td.Name, Suffix: td.Suffix, Dir: td.Dir, InFolder: td.InFolder, Strict: td.Strict,
			Adapter: td.Adapter, FolderType: td.FolderType, FolderContent: td.FolderContent, FixedName: td.FixedName,
			LegacySuffix: td.LegacySuffix, Parent: parent, ChildIgnoresParentName: td.IgnoreParentName,
			XMLElement: td.XMLElement, UniqueID: td.UniqueID}
		if _, dup := r.byName[strings.ToLower(t.Name)]; !dup {
			r.byName[strings.ToLower(t.Name)] = t
		}
		for _, c := range td.Children {
			t.Children = append(t.Children, add(c, t))
		}
		return t
	}
	for _, td := range d.Types {
		t := add(td, nil)
		if t.Strict {
			r.strict = append(r.strict, t)
		}
	}
	for s, n := range d.Suffixes {
		t := r.byName[strings.ToLower(n)]
		if t == nil {
			return nil, fmt.Errorf("suffix %q names unknown type %q", s, n)
		}
		r.bySuffix[s] = t
	}
	for dir, n := range d.StrictDirs {
		t := r.byName[strings.ToLower(n)]
		if t == nil {
			return nil, fmt.Errorf("folder %q names unknown type %q", dir, n)
		}
		r.byStrict[dir] = t
	}
	return r, nil
}

// LookupType returns the registry's type of that name (case-insensitive),
// or nil.
func LookupType(name string) *Type { return reg().byName[strings.ToLower(name)] }

// RegistrySource names the CLI registry registry.json was derived from.
func RegistrySource() string { return reg().source }
