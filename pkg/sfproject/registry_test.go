package sfproject

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/org/deploy-guard/internal/testkit"
)

// cliRegistry is the registry of the sf CLI installed by `make sf`.
const cliRegistry = "../../.cache/sf/node_modules/@salesforce/source-deploy-retrieve"

// TestRegistryMatchesCLI is the generator of registry.json: it trims the
// pinned CLI's metadataRegistry.json to the facts sfproject uses and fails
// when the embedded copy differs. After upgrading the CLI, regenerate with
//
//	go test ./pkg/sfproject -run TestRegistryMatchesCLI -update
func TestRegistryMatchesCLI(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(cliRegistry, "lib/src/registry/metadataRegistry.json"))
	if os.IsNotExist(err) {
		t.Skip("the sf CLI is not installed in .cache (make sf)")
	}
	if err != nil {
		t.Fatal(err)
	}
	version := "?"
	if pj, err := os.ReadFile(filepath.Join(cliRegistry, "package.json")); err == nil {
		var p struct{ Version string }
		if json.Unmarshal(pj, &p) == nil {
			version = p.Version
		}
	}
	got, err := trimRegistry(raw, "@salesforce/source-deploy-retrieve "+version+" lib/src/registry/metadataRegistry.json")
	if err != nil {
		t.Fatal(err)
	}
	if testkit.Update() {
		if err := os.WriteFile("registry.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, registryJSON) && !testkit.Update() {
		t.Errorf("registry.json differs from the CLI's registry (%s): regenerate with go test ./pkg/sfproject -run TestRegistryMatchesCLI -update", version)
	}
	if _, err := loadRegistry(got); err != nil {
		t.Errorf("the trimmed registry does not load: %v", err)
	}
}

// trimRegistry keeps, for every type, what says where its source lives.
func trimRegistry(raw []byte, source string) ([]byte, error) {
	type rawType struct {
		ID                   string `json:"id"`
		Name                 string `json:"name"`
		Suffix               string `json:"suffix"`
		DirectoryName        string `json:"directoryName"`
		InFolder             bool   `json:"inFolder"`
		StrictDirectoryName  bool   `json:"strictDirectoryName"`
		FolderType           string `json:"folderType"`
		FolderContentType    string `json:"folderContentType"`
		IgnoreParsedFullName bool   `json:"ignoreParsedFullName"`
		IgnoreParentName     bool   `json:"ignoreParentName"`
		LegacySuffix         string `json:"legacySuffix"`
		XMLElementName       string `json:"xmlElementName"`
		UniqueIDElement      string `json:"uniqueIdElement"`
		Strategies           *struct {
			Adapter string `json:"adapter"`
		} `json:"strategies"`
		Children *struct {
			Types map[string]json.RawMessage `json:"types"`
		} `json:"children"`
	}
	var doc struct {
		Types      map[string]json.RawMessage `json:"types"`
		Suffixes   map[string]string          `json:"suffixes"`
		StrictDirs map[string]string          `json:"strictDirectoryNames"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	names := map[string]string{} // id → name, children included
	var conv func(id string, msg json.RawMessage) (typeData, error)
	parsed := map[string]rawType{}
	var collect func(id string, msg json.RawMessage) error
	collect = func(id string, msg json.RawMessage) error {
		var rt rawType
		if err := json.Unmarshal(msg, &rt); err != nil {
			return fmt.Errorf("type %s: %w", id, err)
		}
		parsed[id] = rt
		names[id] = rt.Name
		if rt.Children != nil {
			for cid, c := range rt.Children.Types {
				if err := collect(cid, c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for id, msg := range doc.Types {
		if err := collect(id, msg); err != nil {
			return nil, err
		}
	}
	conv = func(id string, _ json.RawMessage) (typeData, error) {
		rt := parsed[id]
		td := typeData{Name: rt.Name, Suffix: rt.Suffix, Dir: rt.DirectoryName, InFolder: rt.InFolder,
			Strict: rt.StrictDirectoryName, FixedName: rt.IgnoreParsedFullName, LegacySuffix: rt.LegacySuffix,
			IgnoreParentName: rt.IgnoreParentName, XMLElement: rt.XMLElementName, UniqueID: rt.UniqueIDElement}
		if rt.Strategies != nil {
			td.Adapter = rt.Strategies.Adapter
		}
		if rt.FolderType != "" {
			td.FolderType = names[rt.FolderType]
		}
		if rt.FolderContentType != "" {
			td.FolderContent = names[rt.FolderContentType]
		}
		if rt.Children != nil {
			ids := sortedKeys(rt.Children.Types)
			for _, cid := range ids {
				c, err := conv(cid, nil)
				if err != nil {
					return td, err
				}
				td.Children = append(td.Children, c)
			}
		}
		return td, nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\"source\": %q,\n\"types\": [\n", source)
	for i, id := range sortedKeys(doc.Types) {
		td, err := conv(id, nil)
		if err != nil {
			return nil, err
		}
		line, err := json.Marshal(td)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString(",\n")
		}
		b.Write(line)
	}
	b.WriteString("\n],\n")
	for i, m := range []struct {
		key string
		m   map[string]string
	}{{"suffixes", doc.Suffixes}, {"strictDirectoryNames", doc.StrictDirs}} {
		fmt.Fprintf(&b, "%q: {\n", m.key)
		keys := sortedKeys(m.m)
		for j, k := range keys {
			n := names[m.m[k]]
			if n == "" {
				return nil, fmt.Errorf("%s: %s names unknown type id %s", m.key, k, m.m[k])
			}
			sep := ","
			if j == len(keys)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "%q: %q%s\n", k, n, sep)
		}
		if i == 0 {
			b.WriteString("},\n")
		} else {
			b.WriteString("}\n}\n")
		}
	}
	return b.Bytes(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestRegistryFacts pins the facts the checks rely on, so that a registry
// change that would alter them is noticed.
func TestRegistryFacts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, suffix, dir string
		content, fixed    bool
	}{
		{"ApexClass", "cls", "classes", true, false},
		{"StaticResource", "resource", "staticresources", true, false},
		{"Document", "document", "documents", true, false},
		{"EmailTemplate", "email", "email", true, false},
		{"LightningComponentBundle", "", "lwc", true, false},
		{"AuraDefinitionBundle", "", "aura", true, false},
		{"ContentAsset", "asset", "contentassets", true, false},
		{"CustomMetadata", "md", "customMetadata", false, false},
		{"CustomObject", "object", "objects", false, false},
		{"CustomLabels", "labels", "labels", false, true},
		{"Report", "report", "reports", false, false},
	}
	for _, c := range cases {
		ty := LookupType(c.name)
		if ty == nil {
			t.Errorf("%s: not in the registry", c.name)
			continue
		}
		if ty.Suffix != c.suffix || ty.Dir != c.dir || ty.HasContent() != c.content || ty.FixedName != c.fixed {
			t.Errorf("%s = %+v", c.name, *ty)
		}
	}
	if ty := LookupType("CustomField"); ty == nil || ty.Parent == nil || ty.Parent.Name != "CustomObject" {
		t.Errorf("CustomField = %+v", ty)
	}
	if ty := LookupType("Report"); ty.FolderType != "ReportFolder" {
		t.Errorf("Report folder type = %q", ty.FolderType)
	}
	if !strings.Contains(RegistrySource(), "source-deploy-retrieve") {
		t.Errorf("source = %q", RegistrySource())
	}
}
