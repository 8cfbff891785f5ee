package report

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

func TestProjectFile(t *testing.T) {
	t.Parallel()
	p := testProject(t)
	const base = "testdata/project/force-app/main/default/"
	cases := []struct {
		name string
		c    result.ComponentFailure
		want string
	}{
		{"class by zip path", result.ComponentFailure{FileName: "classes/InvoiceService.cls"}, base + "classes/InvoiceService.cls"},
		{"class by type", result.ComponentFailure{Type: "ApexClass", FullName: "TaxCalculator"}, base + "classes/TaxCalculator.cls"},
		{"class case-insensitive", result.ComponentFailure{Type: "ApexClass", FullName: "taxcalculator"}, base + "classes/TaxCalculator.cls"},
		{"field", result.ComponentFailure{Type: "CustomField", FullName: "Invoice__c.Amount__c", FileName: "objects/Invoice__c.object"}, base + "objects/Invoice__c/fields/Amount__c.field-meta.xml"},
		{"missing field falls back to object", result.ComponentFailure{Type: "CustomField", FullName: "Invoice__c.Nope__c", FileName: "objects/Invoice__c.object"}, base + "objects/Invoice__c/Invoice__c.object-meta.xml"},
		{"object by zip path", result.ComponentFailure{FileName: "objects/Invoice__c.object"}, base + "objects/Invoice__c/Invoice__c.object-meta.xml"},
		{"object by type", result.ComponentFailure{Type: "CustomObject", FullName: "Invoice__c"}, base + "objects/Invoice__c/Invoice__c.object-meta.xml"},
		{"layout with spaces", result.ComponentFailure{Type: "Layout", FullName: "Invoice__c-Invoice Layout"}, base + "layouts/Invoice__c-Invoice Layout.layout-meta.xml"},
		{"layout by zip path", result.ComponentFailure{FileName: "layouts/Invoice__c-Invoice Layout.layout"}, base + "layouts/Invoice__c-Invoice Layout.layout-meta.xml"},
		{"layout url-encoded", result.ComponentFailure{Type: "Layout", FullName: "Invoice__c-Invoice%20Layout"}, base + "layouts/Invoice__c-Invoice Layout.layout-meta.xml"},
		{"unknown", result.ComponentFailure{Type: "ApexClass", FullName: "Nope", FileName: "classes/Nope.cls"}, ""},
		{"package.xml", result.ComponentFailure{FileName: "package.xml", Problem: "x"}, ""},
		{"relative file path", result.ComponentFailure{FilePath: "force-app/main/default/classes/InvoiceService.cls"}, base + "classes/InvoiceService.cls"},
		{"absolute file path of another machine", result.ComponentFailure{FilePath: "/home/runner/work/crm/crm/force-app/main/default/classes/InvoiceService.cls"}, base + "classes/InvoiceService.cls"},
		{"windows file path", result.ComponentFailure{FilePath: `C:\Users\me\crm\force-app\main\default\classes\TaxCalculator.cls`}, base + "classes/TaxCalculator.cls"},
	}
	abs := filepath.Join(p.Dir, "force-app", "main", "default", "classes", "TaxCalculatorTest.cls")
	cases = append(cases, struct {
		name string
		c    result.ComponentFailure
		want string
	}{"absolute file path", result.ComponentFailure{FilePath: abs}, base + "classes/TaxCalculatorTest.cls"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.File(tc.c); got != tc.want {
				t.Errorf("File = %q, want %q", got, tc.want)
			}
		})
	}
	if got := p.ClassFile("InvoiceServiceTest"); got != base+"classes/InvoiceServiceTest.cls" {
		t.Errorf("ClassFile = %q", got)
	}
	if got := p.ClassFile("ns.InvoiceServiceTest"); got != base+"classes/InvoiceServiceTest.cls" {
		t.Errorf("ClassFile(ns.) = %q", got)
	}
	// Package dirs read from sfdx-project.json when not given.
	q := Project{Root: p.Root, Dir: p.Dir}
	if got := q.ClassFile("TaxCalculator"); got != base+"classes/TaxCalculator.cls" {
		t.Errorf("without PackageDirs: %q", got)
	}
	if got := (Project{}).ClassFile("X"); got != "" {
		t.Errorf("empty project: %q", got)
	}
}

// TestProjectFileLayouts builds a project with several package directories,
// nested folders and bundles.
func TestProjectFileLayouts(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := []string{
		"sfdx/sfdx-project.json",
		"sfdx/core/main/default/classes/A.cls",
		"sfdx/app/feature/x/classes/B.cls",
		"sfdx/app/feature/x/lwc/card/card.html",
		"sfdx/app/feature/x/lwc/card/card.js",
		"sfdx/app/feature/x/aura/box/box.cmp",
		"sfdx/app/feature/x/flows/Go.flow-meta.xml",
		"sfdx/app/feature/x/triggers/T.trigger",
		"sfdx/app/feature/x/objects/Acc__c/validationRules/Pos.validationRule-meta.xml",
		"sfdx/app/feature/x/objects/Acc__c/recordTypes/Big.recordType-meta.xml",
		"sfdx/app/feature/x/permissionsets/Admin.permissionset-meta.xml",
		"sfdx/app/feature/x/customMetadata/Cfg.Default.md-meta.xml",
		"sfdx/app/feature/x/staticresources/lib.resource-meta.xml",
		"sfdx/app/feature/x/labels/CustomLabels.labels-meta.xml",
		"sfdx/app/node_modules/classes/C.cls",
	}
	for _, f := range files {
		fp := filepath.Join(root, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(fp), 0o755)
		os.WriteFile(fp, []byte("x"), 0o644)
	}
	p := Project{Root: root, Dir: filepath.Join(root, "sfdx"), PackageDirs: []string{"core", "app"}}
	cases := map[string]result.ComponentFailure{
		"sfdx/core/main/default/classes/A.cls":                                          {Type: "ApexClass", FullName: "A"},
		"sfdx/app/feature/x/classes/B.cls":                                              {FileName: "classes/B.cls"},
		"sfdx/app/feature/x/lwc/card/card.js":                                           {Type: "LightningComponentBundle", FullName: "card"},
		"sfdx/app/feature/x/aura/box/box.cmp":                                           {FileName: "aura/box/box.cmp"},
		"sfdx/app/feature/x/flows/Go.flow-meta.xml":                                     {FileName: "flows/Go.flow"},
		"sfdx/app/feature/x/triggers/T.trigger":                                         {Type: "ApexTrigger", FullName: "T"},
		"sfdx/app/feature/x/objects/Acc__c/validationRules/Pos.validationRule-meta.xml": {Type: "ValidationRule", FullName: "Acc__c.Pos"},
		"sfdx/app/feature/x/objects/Acc__c/recordTypes/Big.recordType-meta.xml":         {Type: "RecordType", FullName: "Acc__c.Big"},
		"sfdx/app/feature/x/permissionsets/Admin.permissionset-meta.xml":                {Type: "PermissionSet", FullName: "Admin"},
		"sfdx/app/feature/x/customMetadata/Cfg.Default.md-meta.xml":                     {Type: "CustomMetadata", FullName: "Cfg.Default"},
		"sfdx/app/feature/x/staticresources/lib.resource-meta.xml":                      {FileName: "staticresources/lib.resource"},
		"sfdx/app/feature/x/labels/CustomLabels.labels-meta.xml":                        {Type: "CustomLabel", FullName: "Greeting"},
		"": {Type: "ApexClass", FullName: "C"},
	}
	for want, c := range cases {
		if got := p.File(c); got != want {
			t.Errorf("File(%+v) = %q, want %q", c, got, want)
		}
	}
}

func BenchmarkProjectFile(b *testing.B) {
	root := b.TempDir()
	for i := 0; i < 2000; i++ {
		fp := filepath.Join(root, "force-app", "main", "default", "classes", fmt.Sprintf("C%d.cls", i))
		os.MkdirAll(filepath.Dir(fp), 0o755)
		os.WriteFile(fp, nil, 0o644)
	}
	p := Project{Root: root, Dir: root, PackageDirs: []string{"force-app"}}.prepared()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.File(result.ComponentFailure{Type: "ApexClass", FullName: fmt.Sprintf("C%d", i%2000)})
	}
}

// TestProjectFileUsesTheSourceModel checks that reports find files with
// sfproject's model: the CLI's registry (types the old table lacked, labels
// files of any name) and the project's .forceignore.
func TestProjectFileUsesTheSourceModel(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := map[string]string{
		"sfdx-project.json":                      `{"packageDirectories": [{"path": "force-app"}]}`,
		".forceignore":                           "**/Old.cls\n",
		"force-app/main/default/classes/Old.cls": "x",
		"force-app/main/default/labels/Billing.labels-meta.xml":                     "x",
		"force-app/main/default/cspTrustedSites/Cdn.cspTrustedSite-meta.xml":        "x",
		"force-app/main/default/externalClientApps/Portal.eca-meta.xml":             "x",
		"force-app/main/default/objects/Invoice__c/fields/Amount__c.field-meta.xml": "x",
		"force-app/main/default/objects/Invoice__c/Invoice__c.object-meta.xml":      "x",
		"force-app/main/default/reports/Sales.reportFolder-meta.xml":                "x",
		"force-app/main/default/reports/Sales/Pipeline.report-meta.xml":             "x",
	}
	for name, content := range files {
		fp := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := Project{Root: root, Dir: root}
	const b = "force-app/main/default/"
	cases := []struct {
		c    result.ComponentFailure
		want string
	}{
		{result.ComponentFailure{Type: "CustomLabel", FullName: "Greeting"}, b + "labels/Billing.labels-meta.xml"},
		{result.ComponentFailure{Type: "CustomLabels", FullName: "CustomLabels"}, b + "labels/Billing.labels-meta.xml"},
		{result.ComponentFailure{Type: "CspTrustedSite", FullName: "Cdn"}, b + "cspTrustedSites/Cdn.cspTrustedSite-meta.xml"},
		{result.ComponentFailure{Type: "ExternalClientApplication", FullName: "Portal"}, b + "externalClientApps/Portal.eca-meta.xml"},
		{result.ComponentFailure{Type: "CustomField", FullName: "Invoice__c.Amount__c"}, b + "objects/Invoice__c/fields/Amount__c.field-meta.xml"},
		{result.ComponentFailure{Type: "ListView", FullName: "Invoice__c.All"}, b + "objects/Invoice__c/Invoice__c.object-meta.xml"},
		{result.ComponentFailure{Type: "Report", FullName: "Sales/Pipeline"}, b + "reports/Sales/Pipeline.report-meta.xml"},
		{result.ComponentFailure{Type: "ApexClass", FullName: "Old"}, ""}, // .forceignore: not deployed, not pointed at
		{result.ComponentFailure{FilePath: filepath.Join(root, b, "classes", "Old.cls")}, ""},
	}
	for _, tc := range cases {
		if got := p.File(tc.c); got != tc.want {
			t.Errorf("File(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}
