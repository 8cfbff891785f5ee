package orgsim

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// component is one metadata component found in a deployment zip.
type component struct {
	Type, FullName, FileName string
}

// apexClass is an Apex class or trigger of a deployment, with its tests.
type apexClass struct {
	Name    string
	Trigger bool
	Test    bool
	Methods []string // test methods, in source order
	Lines   int      // non-blank lines
}

// payload is what the org reads from a deployment zip.
type payload struct {
	Components []component
	Classes    map[string]*apexClass
	Files      int
	Bytes      int
	// Pre and Post are the components of destructiveChangesPre.xml (or
	// destructiveChanges.xml) and destructiveChangesPost.xml: deleted before
	// and after the deployment's own components.
	Pre, Post []component
}

// typeDirs maps the zip folder of a metadata type to the type name and the
// file suffix of its components (empty for bundles: one folder a component).
var typeDirs = map[string]struct{ Type, Suffix string }{
	"classes":               {"ApexClass", ".cls"},
	"triggers":              {"ApexTrigger", ".trigger"},
	"objects":               {"CustomObject", ".object"},
	"layouts":               {"Layout", ".layout"},
	"flows":                 {"Flow", ".flow"},
	"lwc":                   {"LightningComponentBundle", ""},
	"aura":                  {"AuraDefinitionBundle", ""},
	"permissionsets":        {"PermissionSet", ".permissionset"},
	"profiles":              {"Profile", ".profile"},
	"customMetadata":        {"CustomMetadata", ".md"},
	"labels":                {"CustomLabels", ".labels"},
	"staticresources":       {"StaticResource", ".resource"},
	"pages":                 {"ApexPage", ".page"},
	"components":            {"ApexComponent", ".component"},
	"tabs":                  {"CustomTab", ".tab"},
	"applications":          {"CustomApplication", ".app"},
	"flexipages":            {"FlexiPage", ".flexipage"},
	"globalValueSets":       {"GlobalValueSet", ".globalValueSet"},
	"customPermissions":     {"CustomPermission", ".customPermission"},
	"permissionsetgroups":   {"PermissionSetGroup", ".permissionsetgroup"},
	"quickActions":          {"QuickAction", ".quickAction"},
	"remoteSiteSettings":    {"RemoteSiteSetting", ".remoteSite"},
	"namedCredentials":      {"NamedCredential", ".namedCredential"},
	"workflows":             {"Workflow", ".workflow"},
	"reportTypes":           {"ReportType", ".reportType"},
	"sharingRules":          {"SharingRules", ".sharingRules"},
	"email":                 {"EmailTemplate", ".email"},
	"contentassets":         {"ContentAsset", ".asset"},
	"customSettings":        {"CustomObject", ".object"},
	"duplicateRules":        {"DuplicateRule", ".duplicateRule"},
	"matchingRules":         {"MatchingRules", ".matchingRule"},
	"assignmentRules":       {"AssignmentRules", ".assignmentRules"},
	"approvalProcesses":     {"ApprovalProcess", ".approvalProcess"},
	"connectedApps":         {"ConnectedApp", ".connectedApp"},
	"externalCredentials":   {"ExternalCredential", ".externalCredential"},
	"platformEventChannels": {"PlatformEventChannel", ".platformEventChannel"},
}

var (
	isTestRE     = regexp.MustCompile(`(?i)@istest\b`)
	testMethodRE = regexp.MustCompile(`(?is)(@istest\b[^{;]*?|\btestmethod\b[^{;]*?)\bvoid\s+(\w+)\s*\(`)
)

// readPayload decodes the base64 zip of a deploy call.
func readPayload(b64 string) (*payload, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	if err != nil {
		return nil, fmt.Errorf("ZipFile is not base64: %w", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, fmt.Errorf("ZipFile is not a zip: %w", err)
	}
	p := &payload{Classes: map[string]*apexClass{}, Bytes: len(raw)}
	seen := map[string]bool{}
	var manifest []byte
	root := packageRoot(zr.File)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		p.Files++
		name := strings.TrimPrefix(f.Name, root)
		if name == "package.xml" {
			manifest, _ = readZipFile(f)
			continue
		}
		switch name {
		case "destructiveChanges.xml", "destructiveChangesPre.xml":
			data, _ := readZipFile(f)
			p.Pre = append(p.Pre, componentsFromManifest(data)...)
			continue
		case "destructiveChangesPost.xml":
			data, _ := readZipFile(f)
			p.Post = append(p.Post, componentsFromManifest(data)...)
			continue
		}
		if strings.HasSuffix(name, "-meta.xml") && !strings.Contains(name, "/lwc/") && !strings.HasPrefix(name, "lwc/") && !strings.HasPrefix(name, "aura/") {
			// The metadata sidecar of a file component: reported with the file.
			if _, ok := typeDirs[path.Dir(name)]; ok {
				continue
			}
		}
		c, ok := componentOf(name)
		if !ok || seen[c.Type+":"+c.FullName] {
			continue
		}
		seen[c.Type+":"+c.FullName] = true
		p.Components = append(p.Components, c)
		if c.Type == "CustomObject" {
			src, _ := readZipFile(f)
			for _, field := range objectFields(src) {
				p.Components = append(p.Components, component{Type: "CustomField", FullName: c.FullName + "." + field, FileName: c.FileName})
			}
		}
		if c.Type == "ApexClass" || c.Type == "ApexTrigger" {
			src, _ := readZipFile(f)
			p.Classes[c.FullName] = parseApex(c.FullName, c.Type == "ApexTrigger", string(src))
		}
	}
	if len(p.Components) == 0 && manifest != nil {
		p.Components = componentsFromManifest(manifest)
	}
	sort.SliceStable(p.Components, func(i, j int) bool { return p.Components[i].FileName < p.Components[j].FileName })
	return p, nil
}

// packageRoot is the folder of the zip's top-most package.xml ("" or
// "unpackaged/" for source deploys, "zip/" for a metadata-dir deploy), which
// the component paths are relative to.
func packageRoot(files []*zip.File) string {
	root, depth := "", -1
	for _, f := range files {
		if path.Base(f.Name) != "package.xml" {
			continue
		}
		dir := path.Dir(f.Name)
		if d := strings.Count(f.Name, "/"); depth < 0 || d < depth {
			root, depth = dir+"/", d
		}
	}
	if root == "./" {
		return ""
	}
	return root
}

func readZipFile(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(rc)
	return b.Bytes(), err
}

// componentOf names the component a zip entry belongs to.
func componentOf(name string) (component, bool) {
	dir, rest, ok := strings.Cut(name, "/")
	if !ok {
		return component{}, false
	}
	td, known := typeDirs[dir]
	if !known {
		return component{Type: strings.ToUpper(dir[:1]) + strings.TrimSuffix(dir[1:], "s"), FullName: strings.Split(path.Base(rest), ".")[0], FileName: name}, true
	}
	if td.Suffix == "" { // bundle: lwc/<name>/...
		bundle, _, _ := strings.Cut(rest, "/")
		return component{Type: td.Type, FullName: bundle, FileName: dir + "/" + bundle}, true
	}
	if strings.Contains(rest, "/") { // folder types (email/<folder>/<name>.email)
		return component{Type: td.Type, FullName: strings.TrimSuffix(strings.TrimSuffix(rest, "-meta.xml"), td.Suffix), FileName: name}, true
	}
	full := strings.TrimSuffix(strings.TrimSuffix(rest, "-meta.xml"), td.Suffix)
	return component{Type: td.Type, FullName: full, FileName: dir + "/" + full + td.Suffix}, true
}

func componentsFromManifest(data []byte) []component {
	var pkg struct {
		Types []struct {
			Members []string `xml:"members"`
			Name    string   `xml:"name"`
		} `xml:"types"`
	}
	if xml.Unmarshal(data, &pkg) != nil {
		return nil
	}
	var out []component
	for _, t := range pkg.Types {
		for _, m := range t.Members {
			out = append(out, component{Type: t.Name, FullName: m, FileName: "package.xml"})
		}
	}
	return out
}

func parseApex(name string, trigger bool, src string) *apexClass {
	c := &apexClass{Name: name, Trigger: trigger}
	for _, line := range strings.Split(src, "\n") {
		if strings.TrimSpace(line) != "" {
			c.Lines++
		}
	}
	if trigger || !isTestRE.MatchString(src) {
		return c
	}
	c.Test = true
	for _, m := range testMethodRE.FindAllStringSubmatch(src, -1) {
		c.Methods = append(c.Methods, m[2])
	}
	return c
}

// objectFields lists the fields of a recomposed CustomObject file.
func objectFields(src []byte) []string {
	var obj struct {
		Fields []struct {
			FullName string `xml:"fullName"`
		} `xml:"fields"`
	}
	if xml.Unmarshal(src, &obj) != nil {
		return nil
	}
	var out []string
	for _, f := range obj.Fields {
		if f.FullName != "" {
			out = append(out, f.FullName)
		}
	}
	return out
}
