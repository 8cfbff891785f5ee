package sfproject

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestLoadSample(t *testing.T) {
	t.Parallel()
	p, err := Load("../../testdata/project")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(p.Dir) || !reflect.DeepEqual(p.PackageDirs, []string{"force-app"}) || p.DefaultDir != "force-app" || p.APIVersion != "62.0" {
		t.Errorf("got %+v", p)
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		files     map[string]string
		line, col int
		msg       string
		is        error
	}{
		{name: "missing file", files: map[string]string{"force-app/": ""}, msg: "no sfdx-project.json in ", is: ErrNoProject},
		{name: "invalid json", files: map[string]string{"sfdx-project.json": "{\n  \"packageDirectories\": [\n    {\"path\": \"force-app\",}\n  ]\n}"}, line: 3, col: 26, msg: "invalid JSON: invalid character '}'"},
		{name: "wrong type", files: map[string]string{"sfdx-project.json": "{\"packageDirectories\": {\"path\": \"x\"}}"}, line: 1, msg: "invalid JSON: json: cannot unmarshal object"},
		{name: "empty file", files: map[string]string{"sfdx-project.json": ""}, msg: "the file is empty"},
		{name: "no package directories", files: map[string]string{"sfdx-project.json": "{\n  \"packageDirectories\": []\n}"}, line: 2, msg: "no packageDirectories"},
		{name: "package directory without path", files: map[string]string{"sfdx-project.json": `{"packageDirectories": [{"default": true}]}`}, line: 1, msg: "packageDirectories[0] has no path"},
		{name: "missing package directory", files: map[string]string{"sfdx-project.json": "{\"packageDirectories\": [\n  {\"path\": \"force-app\"},\n  {\"path\": \"other\"}]}", "force-app/": ""}, line: 3, col: 12, msg: `package directory "other" does not exist`},
		{name: "package directory is a file", files: map[string]string{"sfdx-project.json": `{"packageDirectories": [{"path": "force-app"}]}`, "force-app": "x"}, line: 1, col: 34, msg: `package directory "force-app" is not a directory`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			_, err := Load(dir)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Load error = %v, want *Error", err)
			}
			if !strings.Contains(e.Problem, tc.msg) || e.Line != tc.line || (tc.col != 0 && e.Col != tc.col) {
				t.Errorf("got %d:%d %q, want %d:%d %q", e.Line, e.Col, e.Problem, tc.line, tc.col, tc.msg)
			}
			if e.File != filepath.Join(dir, FileName) {
				t.Errorf("File = %s", e.File)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v) false", tc.is)
			}
			if !strings.HasPrefix(err.Error(), e.File) {
				t.Errorf("Error() = %s", err)
			}
		})
	}
}

func TestLoadMissingFileMessage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Load(dir)
	want := "no sfdx-project.json in " + dir + ": set working-directory to the folder that holds it"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("err = %v", err)
	}
}

func TestReadManifest(t *testing.T) {
	t.Parallel()
	got, err := ReadManifest("../../testdata/project/manifest/package.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := []Member{
		{"ApexClass", "InvoiceService"}, {"ApexClass", "InvoiceServiceTest"}, {"ApexClass", "TaxCalculator"}, {"ApexClass", "TaxCalculatorTest"},
		{"CustomObject", "Invoice__c"}, {"CustomField", "Invoice__c.Amount__c"}, {"CustomField", "Invoice__c.Region__c"},
		{"Layout", "Invoice__c-Invoice Layout"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
	entries, _ := ReadManifestEntries("../../testdata/project/manifest/package.xml")
	if e := entries[4]; e.Line != 11 || e.Col != 9 {
		t.Errorf("CustomObject member at %d:%d, want 11:9", e.Line, e.Col)
	}
}

func TestParseManifest(t *testing.T) {
	t.Parallel()
	got, err := ParseManifest([]byte("\xef\xbb\xbf<Package><types><name>ApexClass</name><members>*</members></types>\n<types><members> Foo </members><name>Flow</name></types></Package>"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Member != (Member{"ApexClass", "*"}) || got[1].Member != (Member{"Flow", "Foo"}) || got[1].Line != 2 {
		t.Errorf("got %+v", got)
	}
	for in, want := range map[string]string{
		"<Package>\n<types><members>A</types></Package>": "2:",
		"<Other/>": "root element is <Other>",
		"<Package><types><members>A</members></types></Package>": "no <name>",
	} {
		_, err := ParseManifest([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
}

func sampleIndex(t *testing.T) (*Index, string) {
	t.Helper()
	base := "force-app/main/default/"
	files := map[string]string{
		"sfdx-project.json":                                                          `{"packageDirectories": [{"path": "force-app", "default": true}, {"path": "force-app/nested"}, {"path": "gone"}]}`,
		base + "classes/Foo.cls":                                                     "public class Foo {}",
		base + "classes/Foo.cls-meta.xml":                                            "<ApexClass/>",
		base + "triggers/AccountTrigger.trigger":                                     "trigger AccountTrigger on Account (before insert) {}",
		base + "triggers/AccountTrigger.trigger-meta.xml":                            "<ApexTrigger/>",
		base + "objects/Invoice__c/Invoice__c.object-meta.xml":                       "<CustomObject/>",
		base + "objects/Invoice__c/fields/Amount__c.field-meta.xml":                  "<CustomField/>",
		base + "objects/Invoice__c/validationRules/Positive.validationRule-meta.xml": "<ValidationRule/>",
		base + "objects/Invoice__c/recordTypes/Standard.recordType-meta.xml":         "<RecordType/>",
		base + "objects/Invoice__c/listViews/All.listView-meta.xml":                  "<ListView/>",
		base + "objects/Account/fields/Tier__c.field-meta.xml":                       "<CustomField/>",
		base + "layouts/Invoice__c-Invoice Layout.layout-meta.xml":                   "<Layout/>",
		base + "layouts/Account-Account %28Sales%29 Layout.layout-meta.xml":          "<Layout/>",
		base + "flows/Approve.flow-meta.xml":                                         "<Flow/>",
		base + "lwc/invoiceCard/invoiceCard.js":                                      "",
		base + "lwc/invoiceCard/invoiceCard.js-meta.xml":                             "<LightningComponentBundle/>",
		base + "aura/legacyCmp/legacyCmp.cmp":                                        "<aura:component/>",
		base + "aura/legacyApp/legacyApp.app":                                        "<aura:application/>",
		base + "permissionsets/Billing.permissionset-meta.xml":                       "<PermissionSet/>",
		base + "customMetadata/Rate.EU.md-meta.xml":                                  "<CustomMetadata/>",
		base + "staticresources/logo.resource-meta.xml":                              "<StaticResource/>",
		base + "staticresources/lib/inner.xml":                                       "not xml at all <",
		base + "email/Billing.emailFolder-meta.xml":                                  "<EmailTemplateFolder/>",
		base + "email/Billing/Reminder.email":                                        "Hello",
		base + "email/Billing/Reminder.email-meta.xml":                               "<EmailTemplate/>",
		base + "reports/Sales/Sub/Pipeline.report-meta.xml":                          "<Report/>",
		base + "reports/Sales.reportFolder-meta.xml":                                 "<ReportFolder/>",
		base + "labels/CustomLabels.labels-meta.xml":                                 "<CustomLabels/>",
		base + "profiles/Admin.profile-meta.xml":                                     "<Profile/>",
		base + "objects/Legacy__c.object":                                            "<CustomObject/>",
		"force-app/nested/classes/Bar.cls":                                           "public class Bar {}",
		"force-app/node_modules/x/package.xml":                                       "<x>",
		"force-app/.sfdx/x.xml":                                                      "<x>",
	}
	dir := writeFiles(t, files)
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

func TestIndexHas(t *testing.T) {
	t.Parallel()
	ix, _ := sampleIndex(t)
	present := []Member{
		{"ApexClass", "Foo"}, {"ApexClass", "foo"}, {"ApexClass", "Bar"}, {"ApexTrigger", "AccountTrigger"},
		{"CustomObject", "Invoice__c"}, {"CustomObject", "Account"}, {"CustomObject", "Legacy__c"},
		{"CustomField", "Invoice__c.Amount__c"}, {"CustomField", "account.tier__c"},
		{"ValidationRule", "Invoice__c.Positive"}, {"RecordType", "Invoice__c.Standard"}, {"ListView", "Invoice__c.All"},
		{"Layout", "Invoice__c-Invoice Layout"}, {"Layout", "Account-Account %28Sales%29 Layout"}, {"Layout", "Account-Account (Sales) Layout"},
		{"Flow", "Approve"}, {"LightningComponentBundle", "invoiceCard"}, {"AuraDefinitionBundle", "legacyCmp"}, {"AuraDefinitionBundle", "legacyApp"},
		{"PermissionSet", "Billing"}, {"CustomMetadata", "Rate.EU"}, {"StaticResource", "logo"},
		{"EmailTemplate", "Billing"}, {"EmailTemplate", "Billing/Reminder"}, {"Report", "Sales"}, {"Report", "Sales/Sub/Pipeline"},
		{"CustomLabels", "CustomLabels"}, {"Profile", "Admin"},
		{"ApexClass", "*"}, {"SomeFutureType", "Anything"},
	}
	for _, m := range present {
		if !ix.Has(m) {
			t.Errorf("Has(%v) = false", m)
		}
	}
	absent := []Member{
		{"ApexClass", "Missing"}, {"ApexTrigger", "Foo"}, {"CustomField", "Invoice__c.Missing__c"}, {"CustomField", "Amount__c"},
		{"CustomObject", "Nope__c"}, {"Layout", "Invoice__c-Other"}, {"Flow", "Nope"}, {"LightningComponentBundle", "nope"},
		{"CustomApplication", "legacyApp"}, {"EmailTemplate", "Billing/Nope"}, {"CustomLabel", "Greeting"}, {"Report", "Pipeline"}, {"PermissionSet", "Nope"},
	}
	for _, m := range absent {
		if ix.Has(m) {
			t.Errorf("Has(%v) = true", m)
		}
	}
}

func TestIndexFilesAndClasses(t *testing.T) {
	t.Parallel()
	ix, dir := sampleIndex(t)
	var rel []string
	for _, f := range ix.Files() {
		r, _ := filepath.Rel(dir, f)
		rel = append(rel, filepath.ToSlash(r))
	}
	joined := strings.Join(rel, "\n")
	for _, want := range []string{"classes/Foo.cls-meta.xml", "lwc/invoiceCard/invoiceCard.js-meta.xml", "objects/Legacy__c.object", "email/Billing/Reminder.email-meta.xml"} {
		if !strings.Contains(joined, want) {
			t.Errorf("Files lacks %s:\n%s", want, joined)
		}
	}
	for _, bad := range []string{"Foo.cls\n", "inner.xml", "node_modules", ".sfdx", "Reminder.email\n", "legacyCmp.cmp"} {
		if strings.Contains(joined+"\n", bad) {
			t.Errorf("Files has %s:\n%s", bad, joined)
		}
	}
	classes := ix.ApexClasses()
	if len(classes) != 2 || !strings.HasSuffix(classes["Foo"], "Foo.cls") || !strings.HasSuffix(classes["Bar"], "Bar.cls") {
		t.Errorf("ApexClasses = %v", classes)
	}
	if tr := ix.ApexTriggers(); len(tr) != 1 || tr["AccountTrigger"] == "" {
		t.Errorf("ApexTriggers = %v", tr)
	}
}

func TestComponents(t *testing.T) {
	t.Parallel()
	ix, _ := sampleIndex(t)
	var got []string
	for _, m := range ix.Components([]string{"CustomObject", "customfield"}) {
		got = append(got, m.String())
	}
	sort.Strings(got)
	want := []string{"CustomField Account.Tier__c", "CustomField Invoice__c.Amount__c", "CustomObject Account", "CustomObject Invoice__c", "CustomObject Legacy__c"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
}

func TestExpectedPath(t *testing.T) {
	t.Parallel()
	for m, want := range map[Member]string{
		{"ApexClass", "Foo"}:                  "classes/Foo.cls",
		{"ApexTrigger", "T"}:                  "triggers/T.trigger",
		{"CustomObject", "Inv__c"}:            "objects/Inv__c/Inv__c.object-meta.xml",
		{"CustomField", "Inv__c.A__c"}:        "objects/Inv__c/fields/A__c.field-meta.xml",
		{"Layout", "Inv__c-L"}:                "layouts/Inv__c-L.layout-meta.xml",
		{"LightningComponentBundle", "card"}:  "lwc/card/",
		{"CustomMetadata", "Rate.EU"}:         "customMetadata/Rate.EU.md-meta.xml",
		{"EmailTemplate", "Billing"}:          "email/Billing.emailFolder-meta.xml",
		{"EmailTemplate", "Billing/Reminder"}: "email/Billing/Reminder.email",
		{"Report", "Sales/Pipeline"}:          "reports/Sales/Pipeline.report-meta.xml",
		{"SomethingNew", "X"}:                 "",
	} {
		if got := ExpectedPath(m); got != want {
			t.Errorf("ExpectedPath(%v) = %q, want %q", m, got, want)
		}
	}
}

func TestPosition(t *testing.T) {
	t.Parallel()
	data := []byte("ab\ncé\xc3\xa9x")
	if l, c := Position(data, 8); l != 2 || c != 4 {
		t.Errorf("Position = %d:%d, want 2:4", l, c)
	}
	if l, c := Position(data, 100); l != 2 || c != 5 {
		t.Errorf("Position past the end = %d:%d", l, c)
	}
}

func TestSourceDirs(t *testing.T) {
	cases := []struct {
		name, json string
		want       []string
	}{
		{"one", `{"packageDirectories":[{"path":"force-app","default":true}]}`, []string{"force-app"}},
		{"order kept, default not first", `{"packageDirectories":[{"path":"core"},{"path":"app","default":true}]}`, []string{"core", "app"}},
		{"cleaned and each once", `{"packageDirectories":[{"path":"./force-app/"},{"path":"force-app"},{"path":"lib//x"}]}`, []string{"force-app", "lib/x"}},
		{"nested", `{"packageDirectories":[{"path":"packages/core/src"}]}`, []string{"packages/core/src"}},
		{"flag-like path cannot become a flag", `{"packageDirectories":[{"path":"--purge-on-delete"}]}`, []string{"./--purge-on-delete"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(t.TempDir(), []byte(tc.json))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.SourceDirs(); !slices.Equal(got, tc.want) {
				t.Errorf("SourceDirs() = %q, want %q", got, tc.want)
			}
		})
	}
}
