package preflight

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/result"
)

// want is an expected finding; Message is a substring.
type want struct {
	sev     Severity
	check   string
	file    string // relative to the case directory; "" for none
	line    int
	col     int
	message string
}

const casesDir = "../../testdata/preflight"

func TestRunCases(t *testing.T) {
	t.Parallel()
	field := "force-app/main/default/objects/Invoice__c/fields/Amount__c.field-meta.xml"
	service := "force-app/main/default/classes/InvoiceService.cls"
	tests := []struct {
		name     string
		opts     func(*Options)
		want     []want
		category result.Category
	}{
		{name: "ok", category: result.CategoryNone},
		{name: "bom", category: result.CategoryNone},
		{name: "unclosed-tag", category: result.CategoryMetadata, want: []want{
			{SeverityError, CheckXML, field, 8, 1, "XML syntax error: element <label> closed by </CustomField> (<label> opened at line 4)"},
		}},
		{name: "bad-entity", category: result.CategoryMetadata, want: []want{
			{SeverityError, CheckXML, field, 4, 18, "XML syntax error: invalid character entity &nbsp;"},
		}},
		{name: "wrong-encoding", category: result.CategoryMetadata, want: []want{
			{SeverityError, CheckXML, field, 4, 21, "invalid UTF-8 byte 0xFB: the file is not UTF-8"},
		}},
		{name: "empty-file", category: result.CategoryMetadata, want: []want{
			{SeverityError, CheckXML, field, 1, 1, "file is empty"},
		}},
		{name: "missing-class-in-manifest", category: result.CategoryConfig, want: []want{
			{SeverityError, CheckManifest, "manifest/package.xml", 6, 9, "ApexClass PaymentService is listed but force-app has no classes/PaymentService.cls"},
		}},
		{name: "missing-package-dir", category: result.CategoryConfig, want: []want{
			{SeverityError, CheckProject, "sfdx-project.json", 4, 15, `package directory "shared-app" does not exist`},
		}},
		{name: "no-project-json", category: result.CategoryConfig, want: []want{
			{SeverityError, CheckProject, "", 0, 0, "no sfdx-project.json in testdata/preflight/no-project-json: set working-directory to the folder that holds it"},
		}},
		{name: "bad-project-json", category: result.CategoryConfig, want: []want{
			{SeverityError, CheckProject, "sfdx-project.json", 4, 1, "invalid JSON: invalid character '}' looking for beginning of object key string"},
		}},
		{name: "missing-test-class", category: result.CategoryConfig,
			opts: func(o *Options) {
				o.TestLevel = "RunSpecifiedTests"
				o.Tests = []string{"InvoiceServiceTest", "PaymentServiceTest.refunds", "InvoiceService"}
			},
			want: []want{
				{SeverityError, CheckTests, "", 0, 0, `test class PaymentServiceTest (from tests "PaymentServiceTest.refunds") is not in the source`},
				{SeverityError, CheckTests, service, 1, 27, "class InvoiceService is named in tests but is not a test class (no @isTest)"},
			}},
		{name: "destructive-changes", category: result.CategoryConfig,
			opts: func(o *Options) { o.PostDestructive = "destructive/post.xml" },
			want: []want{
				{SeverityError, CheckDestructive, "destructive/post.xml", 5, 9, "ApexClass InvoiceService is deployed by the manifest and then deleted by post-destructive-changes"},
				{SeverityError, CheckDestructive, "destructive/post.xml", 6, 9, "ApexClass Old*: destructive changes cannot use wildcards"},
				{SeverityError, CheckDestructive, "destructive/post.xml", 10, 9, `type "customfield" is spelled "CustomField" by the Metadata API`},
			}},
		{name: "assertless-test", category: result.CategoryNone, want: []want{
			{SeverityWarning, CheckApexAssert, "force-app/main/default/classes/InvoiceServiceTest.cls", 2, 15, "test class InvoiceServiceTest has no assertions: it can pass while the code is broken"},
		}},
		// The four blocking false positives of issue 20, and the true
		// problems next to them that must still be found.
		{name: "readme-in-package-dir", category: result.CategoryNone},
		{name: "forceignored-files", category: result.CategoryNone, want: []want{
			{SeverityWarning, CheckManifest, "manifest/package.xml", 5, 9, "ApexClass Legacy is listed but .forceignore leaves its source out"},
		}},
		{name: "content-files", category: result.CategoryNone},
		{name: "folder-members", category: result.CategoryConfig, want: []want{
			{SeverityError, CheckManifest, "manifest/package.xml", 11, 9, "Report Sales/Forecast is listed but force-app has no reports/Sales/Forecast.report-meta.xml"},
		}},
		{name: "custom-labels", category: result.CategoryConfig, want: []want{
			{SeverityError, CheckManifest, "manifest/package.xml", 5, 9, "CustomLabel Goodbye is listed but no <labels> element with fullName Goodbye is in testdata/preflight/custom-labels/force-app/main/default/labels/BillingLabels.labels-meta.xml"},
		}},
		{name: "soql-in-loop", category: result.CategoryNone, want: []want{
			{SeverityWarning, CheckSOQLLoop, service, 8, 32, "SOQL query inside a loop (the loop starts at line 7)"},
			{SeverityWarning, CheckDMLLoop, service, 10, 13, "DML statement update inside a loop (the loop starts at line 7)"},
			{SeverityWarning, CheckDMLLoop, service, 14, 13, "DML statement insert inside a loop (the loop starts at line 13)"},
		}},
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(root, "testdata", "preflight", tc.name)
			o := Options{Dir: dir, Root: root, Manifest: "manifest/package.xml", TestLevel: "RunLocalTests"}
			if tc.opts != nil {
				tc.opts(&o)
			}
			r, err := Run(context.Background(), o)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			prefix := "testdata/preflight/" + tc.name + "/"
			if len(r.Findings) != len(tc.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(r.Findings), len(tc.want), dump(r.Findings))
			}
			for i, w := range tc.want {
				f := r.Findings[i]
				file := w.file
				if file != "" {
					file = prefix + file
				}
				if f.Severity != w.sev || f.Check != w.check || f.File != file || f.Line != w.line || f.Col != w.col || !strings.Contains(f.Message, w.message) {
					t.Errorf("finding %d:\n got  %s %s %s:%d:%d %q\n want %s %s %s:%d:%d %q", i,
						f.Severity, f.Check, f.File, f.Line, f.Col, f.Message, w.sev, w.check, file, w.line, w.col, w.message)
				}
			}
			if got := r.Category(); got != tc.category {
				t.Errorf("Category() = %s, want %s", got, tc.category)
			}
			checkAnnotations(t, r, tc.want, prefix)
			if r.Files == 0 && tc.name != "no-project-json" && tc.name != "bad-project-json" {
				t.Errorf("Files = 0")
			}
		})
	}
}

func checkAnnotations(t *testing.T, r *Report, ws []want, prefix string) {
	t.Helper()
	anns := Annotations(r)
	if len(anns) != len(ws) {
		t.Fatalf("got %d annotations, want %d", len(anns), len(ws))
	}
	for i, a := range anns {
		w := ws[i]
		level := actions.LevelError
		if w.sev == SeverityWarning {
			level = actions.LevelWarning
		}
		file := w.file
		if file != "" {
			file = prefix + file
		}
		if a.Level != level || a.File != file || a.Line != w.line || a.Col != w.col || !strings.Contains(a.Message, w.message) || !strings.HasPrefix(a.Title, "Preflight: ") {
			t.Errorf("annotation %d = %+v", i, a)
		}
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + string(f.Severity) + " " + f.Check + " " + f.File + " " + f.Message + "\n")
	}
	return b.String()
}

func TestAnnotationCommand(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs("../..")
	r, err := Run(context.Background(), Options{Dir: filepath.Join(root, "testdata/preflight/bad-entity"), Root: root})
	if err != nil {
		t.Fatal(err)
	}
	got := Annotations(r)[0].String()
	want := "::error col=18,file=testdata/preflight/bad-entity/force-app/main/default/objects/Invoice__c/fields/Amount__c.field-meta.xml,line=4,title=Preflight%3A malformed XML::XML syntax error: invalid character entity &nbsp;"
	if !strings.HasPrefix(got, want) {
		t.Errorf("annotation:\n got  %s\n want %s...", got, want)
	}
}

func TestAnnotationsErrorsFirstAndAll(t *testing.T) {
	t.Parallel()
	r := &Report{Findings: []Finding{
		{Severity: SeverityWarning, Check: CheckApexAssert, Message: "w1"},
		{Severity: SeverityError, Check: CheckXML, Message: "e1"},
		{Severity: SeverityWarning, Check: CheckDMLLoop, Message: "w2"},
		{Severity: SeverityError, Check: CheckManifest, Category: result.CategoryConfig, Message: "e2"},
	}}
	var got []string
	for _, a := range Annotations(r) {
		got = append(got, string(a.Level)+":"+a.Message)
	}
	if strings.Join(got, " ") != "error:e1 error:e2 warning:w1 warning:w2" {
		t.Errorf("order = %v", got)
	}
	if len(r.Errors()) != 2 || len(r.Warnings()) != 2 {
		t.Errorf("Errors/Warnings split wrong")
	}
}

func TestCategoryConfigBeatsMetadata(t *testing.T) {
	t.Parallel()
	r := &Report{Findings: []Finding{
		{Severity: SeverityError, Check: CheckXML, Category: result.CategoryMetadata},
		{Severity: SeverityError, Check: CheckManifest, Category: result.CategoryConfig},
	}}
	if r.Category() != result.CategoryConfig {
		t.Errorf("Category = %s", r.Category())
	}
	r = &Report{Findings: []Finding{{Severity: SeverityWarning, Check: CheckDMLLoop, Category: result.CategoryMetadata}}}
	if r.Category() != result.CategoryNone {
		t.Errorf("warnings only: Category = %s", r.Category())
	}
}

func TestMarkdownListsAllAndEscapes(t *testing.T) {
	t.Parallel()
	r := &Report{Files: 3, Findings: []Finding{
		{Severity: SeverityError, Check: CheckXML, Category: result.CategoryMetadata, File: "a/x_y.field-meta.xml", Line: 2, Col: 3, Message: "element <b> closed by </c> [click](http://evil) @team"},
		{Severity: SeverityError, Check: CheckXML, Category: result.CategoryMetadata, File: "a/z.xml", Line: 1, Col: 1, Message: "file is empty"},
		{Severity: SeverityWarning, Check: CheckSOQLLoop, File: "c/A.cls", Line: 9, Col: 5, Message: "SOQL query inside a loop"},
	}}
	md := Markdown(r)
	if strings.HasPrefix(md, "#") {
		t.Errorf("Markdown starts with a heading; the summary adds it:\n%s", md)
	}
	for _, s := range []string{
		"3 files checked", "2 errors, 1 warning", "failure category `metadata`",
		`a/x\_y.field-meta.xml:2:3: element &lt;b&gt; closed by &lt;/c&gt; \[click\](http://evil) &#64;team`,
		"a/z.xml:1:1: file is empty", "#### Warnings", "c/A.cls:9:5: SOQL query inside a loop",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("Markdown lacks %q:\n%s", s, md)
		}
	}
	if strings.Contains(md, "<b>") {
		t.Errorf("unescaped HTML in:\n%s", md)
	}
}

func TestSourceDirsLimitChecksAndMissingSourceDir(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs("../..")
	dir := filepath.Join(root, "testdata/preflight/unclosed-tag")
	r, err := Run(context.Background(), Options{Dir: dir, Root: root, SourceDirs: []string{"force-app/main/default/classes", "force-app/main/default/nope"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Check != CheckProject || !strings.Contains(r.Findings[0].Message, `source-dir "force-app/main/default/nope" does not exist`) {
		t.Fatalf("findings:\n%s", dump(r.Findings))
	}
}

func TestRunCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir, _ := filepath.Abs(filepath.Join(casesDir, "ok"))
	if _, err := Run(ctx, Options{Dir: dir}); err == nil {
		t.Fatal("Run with a canceled context succeeded")
	}
}

// Destructive changes that cannot be read, and one deleting a component the
// source still holds.
func TestDestructiveFiles(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "testdata", "preflight", "destructive-changes")
	cases := []struct {
		name      string
		pre, post string
		sev       Severity
		line      int
		message   string
	}{
		{"missing", "destructive/nope.xml", "", SeverityError, 0, `pre-destructive-changes "destructive/nope.xml" does not exist`},
		{"malformed", "", "destructive/broken.xml", SeverityError, 6, "XML syntax error"},
		{"still in source", "destructive/pre.xml", "", SeverityWarning, 4, "ApexClass InvoiceServiceTest is deleted from the org but its source is still in the project"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Run(context.Background(), Options{Dir: dir, Root: root, Manifest: "manifest/package.xml", PreDestructive: tc.pre, PostDestructive: tc.post})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Findings) != 1 {
				t.Fatalf("got %d findings, want 1:\n%s", len(r.Findings), dump(r.Findings))
			}
			f := r.Findings[0]
			if f.Severity != tc.sev || f.Check != CheckDestructive || f.Line != tc.line || !strings.Contains(f.Message, tc.message) {
				t.Errorf("finding = %+v, want %s at line %d saying %q", f, tc.sev, tc.line, tc.message)
			}
		})
	}
}

// A Metadata-API-format folder needs no sfdx-project.json; its XML is checked.
func TestMetadataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for p, c := range map[string]string{
		"mdapi/package.xml":                  "<Package><version>62.0</version></Package>",
		"mdapi/classes/Greeter.cls-meta.xml": "<ApexClass><status>Active</ApexClass>",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Run(context.Background(), Options{Dir: dir, MetadataDir: "mdapi"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Check != CheckXML || r.Findings[0].File != "mdapi/classes/Greeter.cls-meta.xml" || r.Files != 2 {
		t.Fatalf("want one XML error in the class metadata of 2 files, got %d files:\n%s", r.Files, dump(r.Findings))
	}
	r, err = Run(context.Background(), Options{Dir: dir, MetadataDir: "absent"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Check != CheckMetadataDir || r.Category() != result.CategoryConfig {
		t.Fatalf("a missing metadata-dir must be a config error:\n%s", dump(r.Findings))
	}
}
