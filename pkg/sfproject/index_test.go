package sfproject

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func resolveIndex(t *testing.T) (*Index, string) {
	t.Helper()
	b := "src/main/default/"
	dir := writeFiles(t, map[string]string{
		"sfdx-project.json":                                     `{"namespace": "acme", "packageDirectories": [{"path": "src"}]}`,
		".forceignore":                                          "**/README.md\n**/jsconfig.json\n" + b + "classes/Old.*\n",
		"src/README.md":                                         "# notes & more",
		"src/docs/notes.md":                                     "not metadata, not ignored",
		b + "classes/Invoice.cls":                               "public class Invoice {}",
		b + "classes/Invoice.cls-meta.xml":                      "<ApexClass/>",
		b + "classes/Old.cls":                                   "public class Old {}",
		b + "classes/Old.cls-meta.xml":                          "<ApexClass/>",
		b + "labels/Billing.labels-meta.xml":                    `<CustomLabels xmlns="http://soap.sforce.com/2006/04/metadata"><labels><fullName>Greeting</fullName><value>Hi</value></labels></CustomLabels>`,
		b + "labels/More.labels-meta.xml":                       "<CustomLabels><labels><fullName>Farewell</fullName></labels><labels><fullName>Broken",
		b + "reports/Sales.reportFolder-meta.xml":               "<ReportFolder/>",
		b + "reports/Sales/Deals/Big.report-meta.xml":           "<Report/>",
		b + "dashboards/Ops.dashboardFolder-meta.xml":           "<DashboardFolder/>",
		b + "staticresources/audio.resource":                    "\xb6\xff",
		b + "staticresources/audio.resource-meta.xml":           "<StaticResource/>",
		b + "staticresources/site/index.xml":                    "<broken",
		b + "objects/Invoice__c/Invoice__c.object-meta.xml":     "<CustomObject/>",
		b + "objects/Invoice__c/fields/Total__c.field-meta.xml": "<CustomField/>",
		b + "objects/Legacy__c.object":                          "<CustomObject/>",
		b + "workflows/Invoice__c.workflow-meta.xml":            "<Workflow><rules><fullName>Notify</fullName></rules><alerts><fullName>Tell</fullName></alerts></Workflow>",
		b + "lwc/card/card.html":                                "<template></template>",
		b + "lwc/card/card.js":                                  "export default class {}",
		b + "lwc/card/card.js-meta.xml":                         "<LightningComponentBundle/>",
		b + "lwc/jsconfig.json":                                 "{}",
		b + "customMetadata/Rate.EU.md-meta.xml":                "<CustomMetadata/>",
		b + "contentassets/logo.asset":                          "\x89PNG",
		b + "contentassets/logo.asset-meta.xml":                 "<ContentAsset/>",
	})
	p, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := p.Index()
	if err != nil {
		t.Fatal(err)
	}
	return ix, dir
}

func TestResolve(t *testing.T) {
	t.Parallel()
	ix, _ := resolveIndex(t)
	cases := []struct {
		m    Member
		want Presence
	}{
		{Member{"ApexClass", "Invoice"}, Present},
		{Member{"ApexClass", "acme__Invoice"}, Present}, // the namespace prefix is not in file names
		{Member{"ApexClass", "Nope"}, Missing},
		{Member{"ApexClass", "Old"}, Ignored},
		{Member{"ApexClass", "*"}, Present},
		{Member{"CustomLabels", "CustomLabels"}, Present}, // whatever the file is called
		{Member{"CustomLabel", "Greeting"}, Present},      // inside a labels file
		{Member{"CustomLabel", "acme__Greeting"}, Present},
		{Member{"CustomLabel", "Farewell"}, Unverified}, // More.labels-meta.xml is broken: cannot tell
		{Member{"Report", "Sales/"}, Present},           // trailing slash: the folder
		{Member{"Report", "Sales"}, Present},
		{Member{"Report", "Sales/Deals/"}, Missing}, // no folder meta file for the subfolder
		{Member{"Report", "Sales/Deals/Big"}, Present},
		{Member{"Report", "Sales/Small"}, Missing},
		{Member{"ReportFolder", "Sales"}, Present},
		{Member{"Dashboard", "Ops/"}, Present},
		{Member{"Dashboard", "Ops/*"}, Present},
		{Member{"StaticResource", "audio"}, Present},
		{Member{"StaticResource", "site"}, Missing}, // a content folder without its -meta.xml
		{Member{"CustomObject", "Invoice__c"}, Present},
		{Member{"CustomObject", "acme__Invoice__c"}, Present},
		{Member{"CustomObject", "Legacy__c"}, Present},
		{Member{"CustomField", "Invoice__c.Total__c"}, Present},
		{Member{"CustomField", "acme__Invoice__c.acme__Total__c"}, Present},
		{Member{"CustomField", "Invoice__c.Nope__c"}, Missing},
		{Member{"CustomField", "Legacy__c.Any__c"}, Unverified}, // inside Legacy__c.object
		{Member{"WorkflowRule", "Invoice__c.Notify"}, Present},
		{Member{"WorkflowRule", "Invoice__c.Tell"}, Missing}, // an alert, not a rule
		{Member{"WorkflowAlert", "Invoice__c.Tell"}, Present},
		{Member{"WorkflowRule", "Account.Notify"}, Missing}, // no Account workflow at all
		{Member{"LightningComponentBundle", "card"}, Present},
		{Member{"LightningComponentBundle", "jsconfig"}, Missing},
		{Member{"CustomMetadata", "Rate.EU"}, Present},
		{Member{"ContentAsset", "logo"}, Present},
		{Member{"NoSuchType", "X"}, UnknownType},
	}
	for _, c := range cases {
		if got := ix.Resolve(c.m); got != c.want {
			t.Errorf("Resolve(%v) = %d, want %d", c.m, got, c.want)
		}
	}
}

// TestIndexMetadataXML checks which files are XML-checked: metadata XML
// only, never content, never what is not metadata, never ignored files.
func TestIndexMetadataXML(t *testing.T) {
	t.Parallel()
	ix, dir := resolveIndex(t)
	got := map[string]bool{}
	for _, f := range ix.Files() {
		r, _ := filepath.Rel(dir, f)
		got[filepath.ToSlash(r)] = true
	}
	b := "src/main/default/"
	for _, f := range []string{"classes/Invoice.cls-meta.xml", "labels/Billing.labels-meta.xml", "reports/Sales/Deals/Big.report-meta.xml",
		"staticresources/audio.resource-meta.xml", "objects/Legacy__c.object", "lwc/card/card.js-meta.xml", "customMetadata/Rate.EU.md-meta.xml",
		"contentassets/logo.asset-meta.xml"} {
		if !got[b+f] {
			t.Errorf("%s is not checked", f)
		}
	}
	for _, f := range []string{"src/README.md", "src/docs/notes.md", b + "classes/Invoice.cls", b + "classes/Old.cls-meta.xml",
		b + "staticresources/audio.resource", b + "staticresources/site/index.xml", b + "lwc/card/card.html",
		b + "lwc/jsconfig.json", b + "contentassets/logo.asset"} {
		if got[f] {
			t.Errorf("%s is checked", f)
		}
	}
}

func TestIndexLookups(t *testing.T) {
	t.Parallel()
	ix, dir := resolveIndex(t)
	b := filepath.Join(dir, "src", "main", "default")
	if got := ix.Source(Member{"LightningComponentBundle", "card"}); got != filepath.Join(b, "lwc", "card", "card.js") {
		t.Errorf("Source(card) = %s", got)
	}
	if got := ix.Source(Member{"ApexClass", "invoice"}); got != filepath.Join(b, "classes", "Invoice.cls") {
		t.Errorf("Source(ApexClass) = %s", got)
	}
	if got := ix.Source(Member{"CustomLabels", "CustomLabels"}); !strings.HasSuffix(got, "Billing.labels-meta.xml") {
		t.Errorf("Source(CustomLabels) = %s", got)
	}
	if got := ix.Lookup("CLASSES/invoice.cls"); got != filepath.Join(b, "classes", "Invoice.cls") {
		t.Errorf("Lookup = %s", got)
	}
	if ix.Lookup("README.md") != "" || ix.Contains(filepath.Join(dir, "src", "README.md")) {
		t.Error("an ignored file is in the index")
	}
	if !ix.Contains(filepath.Join(b, "classes", "Invoice.cls")) {
		t.Error("Contains(Invoice.cls) = false")
	}
}

func TestExpectedPathFromRegistry(t *testing.T) {
	t.Parallel()
	for m, want := range map[Member]string{
		{"Report", "Sales/"}:               "reports/Sales.reportFolder-meta.xml",
		{"Report", "Sales/Sub/"}:           "reports/Sales/Sub.reportFolder-meta.xml",
		{"Dashboard", "Ops"}:               "dashboards/Ops.dashboardFolder-meta.xml",
		{"CustomLabels", "CustomLabels"}:   "labels/<any name>.labels-meta.xml",
		{"CustomLabel", "Greeting"}:        "labels/<any name>.labels-meta.xml",
		{"WorkflowRule", "Account.Notify"}: "workflows/Account.workflow-meta.xml",
		{"StaticResource", "logo"}:         "staticresources/logo.resource-meta.xml",
		{"ContentAsset", "logo"}:           "contentassets/logo.asset",
	} {
		if got := ExpectedPath(m); got != want {
			t.Errorf("ExpectedPath(%v) = %q, want %q", m, got, want)
		}
	}
}

// TestClassOutsideClassesFolder: the CLI deploys tests/Foo.cls through its
// Foo.cls-meta.xml even outside a classes folder.
func TestClassOutsideClassesFolder(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"sfdx-project.json":                              `{"packageDirectories": [{"path": "force-app"}]}`,
		"force-app/tests/Testing Recipes/T.cls":          "@isTest class T {}",
		"force-app/tests/Testing Recipes/T.cls-meta.xml": "<ApexClass/>",
		"force-app/tests/Loose.cls":                      "class Loose {}",
	})
	p, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := p.Index()
	if err != nil {
		t.Fatal(err)
	}
	classes := ix.ApexClasses()
	if !strings.HasSuffix(classes["T"], filepath.Join("Testing Recipes", "T.cls")) || len(classes) != 1 {
		t.Errorf("ApexClasses = %v", classes)
	}
	if ix.Resolve(Member{"ApexClass", "Loose"}) != Missing {
		t.Error("a .cls without -meta.xml outside classes/ is not deployed")
	}
}

// TestSymlinkedSourceNeverMissing: the CLI follows links, the walk does
// not; a member the walk cannot see behind a link is unverified.
func TestSymlinkedSourceNeverMissing(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"sfdx-project.json":                             `{"packageDirectories": [{"path": "force-app"}]}`,
		"shared/classes/Shared.cls":                     "public class Shared {}",
		"shared/classes/Shared.cls-meta.xml":            "<ApexClass/>",
		"force-app/main/default/classes/Own.cls":        "public class Own {}",
		"force-app/main/default/flows/Go.flow-meta.xml": "<Flow/>",
	})
	if err := os.Symlink(filepath.Join(dir, "shared", "classes"), filepath.Join(dir, "force-app", "main", "linked")); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink(filepath.Join(dir, "force-app", "main", "default", "flows", "Go.flow-meta.xml"), filepath.Join(dir, "force-app", "main", "default", "flows", "Again.flow-meta.xml")); err != nil {
		t.Fatal(err)
	}
	p, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := p.Index()
	if err != nil {
		t.Fatal(err)
	}
	if got := ix.Resolve(Member{"ApexClass", "Shared"}); got != Unverified {
		t.Errorf("behind a linked folder: %d, want Unverified", got)
	}
	if got := ix.Resolve(Member{"Flow", "Again"}); got != Present {
		t.Errorf("a linked file: %d, want Present", got)
	}
	for _, f := range ix.Files() {
		if strings.Contains(f, "Again") {
			t.Errorf("a linked file is read: %s", f)
		}
	}
}
