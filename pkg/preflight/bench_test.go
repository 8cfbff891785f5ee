package preflight

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The 50,000-file benchmarks compare Run with xmllint on the same files:
//
//	go test ./pkg/preflight -run '^$' -bench 50k -benchtime 5x
//
// To time xmllint by hand, keep the generated project with
// PREFLIGHT_BENCH_DIR=/tmp/bench50k and run:
//
//	find /tmp/bench50k -name '*.xml' -print0 | xargs -0 -P2 -n 500 xmllint --noout
const (
	benchObjects       = 1000
	benchFieldsPerObj  = 44
	benchClasses       = 5000
	benchXMLFiles      = benchObjects*(1+benchFieldsPerObj) + benchClasses
	benchXargsBatch    = 500
	benchXmllintProcs  = 2
	benchDirEnv        = "PREFLIGHT_BENCH_DIR"
	benchDescriptionLn = "Amount in the invoice currency, after discounts &amp; before tax. "
)

// genBench50k writes into dir a project with 50,000 metadata XML files of
// 1-3 KB (1,000 objects with 44 fields each, and 5,000 Apex classes with
// their -meta.xml), unless dir already holds one.
func genBench50k(tb testing.TB, dir string) {
	if _, err := os.Stat(filepath.Join(dir, "sfdx-project.json")); err == nil {
		return
	}
	base := filepath.Join(dir, "force-app", "main", "default")
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	write := func(path, content string) { must(os.WriteFile(path, []byte(content), 0o644)) }
	must(os.MkdirAll(filepath.Join(base, "classes"), 0o755))
	write(filepath.Join(dir, "sfdx-project.json"), `{"packageDirectories": [{"path": "force-app", "default": true}], "sourceApiVersion": "62.0"}`)
	for o := range benchObjects {
		obj := fmt.Sprintf("Object%04d__c", o)
		fields := filepath.Join(base, "objects", obj, "fields")
		must(os.MkdirAll(fields, 0o755))
		write(filepath.Join(base, "objects", obj, obj+".object-meta.xml"), objectXML(obj, o))
		for f := range benchFieldsPerObj {
			write(filepath.Join(fields, fmt.Sprintf("Field%02d__c.field-meta.xml", f)), fieldXML(fmt.Sprintf("Field%02d__c", f), o+f))
		}
	}
	for c := range benchClasses {
		name := fmt.Sprintf("Service%04d", c)
		write(filepath.Join(base, "classes", name+".cls"), classSource(name, c))
		write(filepath.Join(base, "classes", name+".cls-meta.xml"), classMetaXML(c))
	}
}

func fieldXML(name string, n int) string {
	desc := strings.Repeat(benchDescriptionLn, 8+n%24) // 1-3 KB files
	return `<?xml version="1.0" encoding="UTF-8"?>
<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
    <fullName>` + name + `</fullName>
    <description>` + desc + `</description>
    <externalId>false</externalId>
    <label>` + name + `</label>
    <precision>18</precision>
    <required>false</required>
    <scale>2</scale>
    <trackTrending>false</trackTrending>
    <type>Currency</type>
</CustomField>
`
}

func objectXML(name string, n int) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata">
    <actionOverrides>
        <actionName>Accept</actionName>
        <type>Default</type>
    </actionOverrides>
    <deploymentStatus>Deployed</deploymentStatus>
    <description>` + strings.Repeat(benchDescriptionLn, 10+n%20) + `</description>
    <enableActivities>true</enableActivities>
    <label>` + name + `</label>
    <nameField>
        <label>Name</label>
        <type>Text</type>
    </nameField>
    <pluralLabel>` + name + `s</pluralLabel>
    <sharingModel>ReadWrite</sharingModel>
</CustomObject>
`
}

func classMetaXML(n int) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<!-- ` + strings.Repeat("generated for the preflight benchmark ", 25+n%50) + ` -->
<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>62.0</apiVersion>
    <status>Active</status>
</ApexClass>
`
}

func classSource(name string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "public with sharing class %s {\n", name)
	for m := range 5 + n%10 {
		fmt.Fprintf(&b, "    // Totals the amounts of the given invoices (method %d).\n", m)
		fmt.Fprintf(&b, "    public static Decimal total%d(List<Invoice__c> invoices) {\n        Decimal sum = 0;\n", m)
		b.WriteString("        for (Invoice__c inv : invoices) {\n            sum += inv.Amount__c == null ? 0 : inv.Amount__c;\n        }\n        return sum;\n    }\n")
	}
	b.WriteString("}\n")
	return b.String()
}

var bench struct {
	sync.Mutex
	dir     string
	cleanup bool
}

// benchDir generates the project once per test binary, so that both
// benchmarks read the same files; TestMain removes it unless it is kept with
// PREFLIGHT_BENCH_DIR.
func benchDir(b *testing.B) string {
	bench.Lock()
	defer bench.Unlock()
	if bench.dir == "" {
		dir := os.Getenv(benchDirEnv)
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "preflight-bench-"); err != nil {
				b.Fatal(err)
			}
			bench.cleanup = true
		}
		genBench50k(b, dir)
		bench.dir = dir
	}
	return bench.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.cleanup {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func BenchmarkPreflight50k(b *testing.B) {
	dir := benchDir(b)
	var r *Report
	for b.Loop() {
		var err error
		r, err = Run(context.Background(), Options{Dir: dir, Root: dir})
		if err != nil {
			b.Fatal(err)
		}
	}
	if len(r.Findings) != 0 {
		b.Fatalf("findings in the generated project:\n%s", dump(r.Findings[:min(5, len(r.Findings))]))
	}
	if r.Files != benchXMLFiles+benchClasses {
		b.Fatalf("checked %d files, want %d", r.Files, benchXMLFiles+benchClasses)
	}
	b.ReportMetric(float64(benchXMLFiles), "xml-files")
}

// BenchmarkXmllint50k runs `xmllint --noout` over the same XML files the way
// `xargs -P2 -n 500` would, for comparison with BenchmarkPreflight50k.
func BenchmarkXmllint50k(b *testing.B) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		b.Skip("xmllint not installed (apt-get install -y libxml2-utils)")
	}
	dir := benchDir(b)
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) != benchXMLFiles {
		b.Fatalf("found %d xml files (%v)", len(files), err)
	}
	for b.Loop() {
		runXmllint(b, files)
	}
}

func runXmllint(b *testing.B, files []string) {
	batches := make(chan []string)
	var wg sync.WaitGroup
	for range benchXmllintProcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range batches {
				out, err := exec.Command("xmllint", append([]string{"--noout"}, batch...)...).CombinedOutput()
				if err != nil {
					b.Errorf("xmllint: %v\n%s", err, out)
				}
			}
		}()
	}
	for i := 0; i < len(files); i += benchXargsBatch {
		batches <- files[i:min(i+benchXargsBatch, len(files))]
	}
	close(batches)
	wg.Wait()
}

// BenchmarkLinks50k is the link check alone on the 50k-file project: the
// part of BenchmarkPreflight50k added for issue 28 (a walk that reads no
// file).
func BenchmarkLinks50k(b *testing.B) {
	dir := benchDir(b)
	for b.Loop() {
		if r := Links(Options{Dir: dir, Root: dir}); len(r.Findings) != 0 {
			b.Fatal(r.Findings[0].Message)
		}
	}
}
