package orgsim

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

const scenarioDir = "../../testdata/scenarios"

func TestScenariosLoad(t *testing.T) {
	t.Parallel()
	names, err := ListScenarios(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	// The scenarios issue 3 asks for, by file name.
	for _, want := range []string{"success", "compile-error", "missing-dependency", "test-failure", "coverage",
		"governor-limits", "flaky-test", "transient-lock", "transient-503", "transient-reset", "expired-session",
		"slow-deploy", "partial-success", "deploy-in-progress", "demo"} {
		if !contains(names, want) {
			t.Errorf("scenario %q missing from %s", want, scenarioDir)
		}
	}
	for _, n := range names {
		sc, err := LoadScenario(scenarioDir, n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if sc.Name != n || strings.TrimSpace(sc.Description) == "" {
			t.Errorf("%s: name %q, description %q: both are required", n, sc.Name, sc.Description)
		}
	}
}

func TestScenarioValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ doc, want string }{
		{"faults: [{kind: meteor}]", `faults[0].kind "meteor"`},
		{"componentFailures: [{name: X}]", "name and problem are required"},
		{"tests: {Foo: {outcomes: [pass]}}", "use Class.method"},
		{"tests: {Foo.bar: {outcomes: [maybe]}}", `"maybe" is not pass or fail`},
		{"duration: soon", "invalid duration"},
		{"polls: 2\nunknownField: 1", "field unknownField not found"},
	} {
		_, err := ParseScenario("x", []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.doc, err, tc.want)
		}
	}
	if _, err := LoadScenario(scenarioDir, "nope"); err == nil || !strings.Contains(err.Error(), "available: ") {
		t.Errorf("unknown scenario: %v", err)
	}
	if _, err := LoadScenario(scenarioDir, "../x"); err == nil {
		t.Error("a path must not be accepted as a scenario name")
	}
}

// projectZip builds the zip sf would send for the sample project.
func projectZip(t testing.TB) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	add := func(name, content string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, content)
	}
	root := "../../testdata/project/force-app/main/default/classes"
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(root, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		add("classes/"+e.Name(), string(data))
	}
	add("objects/Invoice__c.object", `<?xml version="1.0"?><CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><fields><fullName>Amount__c</fullName></fields><fields><fullName>Region__c</fullName></fields><label>Invoice</label></CustomObject>`)
	add("layouts/Invoice__c-Invoice Layout.layout", `<Layout/>`)
	add("package.xml", `<Package/>`)
	zw.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestReadPayload(t *testing.T) {
	t.Parallel()
	p, err := readPayload(projectZip(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range p.Components {
		got = append(got, c.Type+":"+c.FullName+"@"+c.FileName)
	}
	want := []string{
		"ApexClass:InvoiceService@classes/InvoiceService.cls", "ApexClass:InvoiceServiceTest@classes/InvoiceServiceTest.cls",
		"ApexClass:TaxCalculator@classes/TaxCalculator.cls", "ApexClass:TaxCalculatorTest@classes/TaxCalculatorTest.cls",
		"Layout:Invoice__c-Invoice Layout@layouts/Invoice__c-Invoice Layout.layout",
		"CustomObject:Invoice__c@objects/Invoice__c.object", "CustomField:Invoice__c.Amount__c@objects/Invoice__c.object",
		"CustomField:Invoice__c.Region__c@objects/Invoice__c.object",
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("components:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	tc := p.Classes["InvoiceServiceTest"]
	if tc == nil || !tc.Test || strings.Join(tc.Methods, ",") != "totalsAmounts,ignoresEmptyAmounts,addsTax" {
		t.Errorf("InvoiceServiceTest: %+v", tc)
	}
	if c := p.Classes["InvoiceService"]; c == nil || c.Test {
		t.Errorf("InvoiceService must be a non-test class: %+v", c)
	}
	if _, err := readPayload("not base64!"); err == nil {
		t.Error("bad base64 must fail")
	}
}

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func deployAndWait(t *testing.T, o *org, p *payload, opts deployOptions) *DeployResult {
	t.Helper()
	j := o.startDeploy(p, opts)
	for i := 0; i < 100; i++ {
		r, ok := o.status(j.ID)
		if !ok {
			t.Fatal("job vanished")
		}
		if r.Done {
			return r
		}
	}
	t.Fatal("deployment never finished")
	return nil
}

func TestOrgOutcomes(t *testing.T) {
	t.Parallel()
	p, err := readPayload(projectZip(t))
	if err != nil {
		t.Fatal(err)
	}
	load := func(name string) *org {
		sc, err := LoadScenario(scenarioDir, name)
		if err != nil {
			t.Fatal(err)
		}
		return newOrg(sc, time.Now)
	}
	local := deployOptions{TestLevel: "RunLocalTests"}

	t.Run("success runs every local test", func(t *testing.T) {
		r := deployAndWait(t, load("success"), p, local)
		if r.Status != "Succeeded" || !r.Success || r.NumberTestsTotal != 5 || r.NumberTestsCompleted != 5 || r.Details.RunTestResult.NumTestsRun != 5 {
			t.Errorf("%+v", r)
		}
		if len(r.Details.RunTestResult.CodeCoverage) != 2 {
			t.Errorf("coverage for the 2 non-test classes, got %d", len(r.Details.RunTestResult.CodeCoverage))
		}
	})
	t.Run("flaky test fails once then passes", func(t *testing.T) {
		o := load("flaky-test")
		r1 := deployAndWait(t, o, p, local)
		if r1.Status != "Failed" || r1.NumberTestErrors != 1 || r1.Details.RunTestResult.Failures[0].MethodName != "addsTax" {
			t.Fatalf("first run: %+v", r1)
		}
		if r1.NumberComponentsDeployed != 0 {
			t.Errorf("a failed deployment with rollbackOnError deploys nothing, got %d", r1.NumberComponentsDeployed)
		}
		run := o.startTestRun([]string{"InvoiceServiceTest.addsTax"})
		if !run.Results[0].Pass {
			t.Error("the re-run should pass")
		}
		if r2 := deployAndWait(t, o, p, local); r2.Status != "Succeeded" {
			t.Errorf("second deployment: %s", r2.Status)
		}
	})
	t.Run("real failure keeps failing", func(t *testing.T) {
		o := load("test-failure")
		for i := 0; i < 3; i++ {
			if r := deployAndWait(t, o, p, local); r.Status != "Failed" || r.NumberTestErrors != 1 {
				t.Fatalf("run %d: %s %d", i, r.Status, r.NumberTestErrors)
			}
		}
	})
	t.Run("coverage per class for specified tests", func(t *testing.T) {
		r := deployAndWait(t, load("coverage"), p, deployOptions{TestLevel: "RunSpecifiedTests", RunTests: []string{"InvoiceServiceTest", "TaxCalculatorTest"}})
		w := r.Details.RunTestResult.CodeCoverageWarnings
		if r.Status != "Failed" || len(w) != 2 || !strings.Contains(w[0].Message, "Test coverage of selected Apex Class is 25%") {
			t.Errorf("%s %+v", r.Status, w)
		}
	})
	t.Run("coverage org-wide for local tests", func(t *testing.T) {
		r := deployAndWait(t, load("coverage"), p, local)
		w := r.Details.RunTestResult.CodeCoverageWarnings
		if r.Status != "Failed" || len(w) != 1 || !w[0].Name.Nil || !strings.Contains(w[0].Message, "Average test coverage across all Apex Classes and Triggers is 26%") {
			t.Errorf("%s %+v", r.Status, w)
		}
	})
	t.Run("compile error fails the component, runs no tests", func(t *testing.T) {
		r := deployAndWait(t, load("compile-error"), p, local)
		f := r.Details.ComponentFailures
		if r.Status != "Failed" || len(f) != 1 || f[0].FileName != "classes/InvoiceService.cls" || f[0].LineNumber != 5 || f[0].ColumnNumber != 20 || r.Details.RunTestResult == nil || r.Details.RunTestResult.NumTestsRun != 0 {
			t.Errorf("%s %+v", r.Status, f)
		}
	})
	t.Run("partial success", func(t *testing.T) {
		r := deployAndWait(t, load("partial-success"), p, deployOptions{})
		if r.Status != "SucceededPartial" || r.NumberComponentErrors != 1 || r.NumberComponentsDeployed != 7 {
			t.Errorf("%s errors=%d deployed=%d", r.Status, r.NumberComponentErrors, r.NumberComponentsDeployed)
		}
	})
	t.Run("deploy already in progress", func(t *testing.T) {
		o := load("deploy-in-progress")
		r := deployAndWait(t, o, p, deployOptions{})
		if r.Status != "Failed" || r.ErrorStatusCode != "ALREADY_IN_PROCESS" {
			t.Errorf("%s %s", r.Status, r.ErrorStatusCode)
		}
		if r := deployAndWait(t, o, p, deployOptions{}); r.Status != "Succeeded" {
			t.Errorf("second: %s", r.Status)
		}
	})
	t.Run("slow deploy stays in progress by wall time", func(t *testing.T) {
		clock := &fakeClock{t: time.Unix(1e9, 0)}
		sc, _ := LoadScenario(scenarioDir, "slow-deploy")
		o := newOrg(sc, clock.now)
		j := o.startDeploy(p, deployOptions{})
		for i := 0; i < 50; i++ {
			if r, _ := o.status(j.ID); r.Done {
				t.Fatal("done before its duration")
			}
		}
		clock.t = clock.t.Add(71 * time.Second)
		if r, _ := o.status(j.ID); !r.Done || r.Status != "Succeeded" {
			t.Errorf("after 71s: %+v", r)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		o := load("success")
		j := o.startDeploy(p, deployOptions{})
		o.cancel(j.ID)
		if r, _ := o.status(j.ID); !r.Done || r.Status != "Canceled" {
			t.Errorf("%+v", r)
		}
	})
	t.Run("quick deploy needs a successful validation", func(t *testing.T) {
		o := load("success")
		if _, err := o.quickDeploy("0Af000000000999AAA"); err == nil || !strings.Contains(err.Error(), "INVALID_ID_FIELD") {
			t.Errorf("unknown validation: %v", err)
		}
		v := deployAndWait(t, o, p, deployOptions{CheckOnly: true, TestLevel: "RunLocalTests"})
		j, err := o.quickDeploy(v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := o.status(j.ID); r == nil {
			t.Fatal("no status")
		}
		if _, err := o.quickDeploy(v.ID); err == nil {
			t.Error("a validation can be quick-deployed once")
		}
	})
}

// xmlToMap turns XML into the nested maps jsforce makes of a SOAP answer:
// elements become keys, repeated elements arrays.
func xmlToMap(t *testing.T, data []byte) map[string]any {
	t.Helper()
	type node struct {
		XMLName  xml.Name
		Attrs    []xml.Attr `xml:",any,attr"`
		Content  string     `xml:",chardata"`
		Children []node     `xml:",any"`
	}
	var n node
	if err := xml.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	var conv func(n node) any
	conv = func(n node) any {
		if len(n.Children) == 0 && len(n.Attrs) > 0 {
			attrs := map[string]any{}
			for _, a := range n.Attrs {
				attrs["xsi:"+a.Name.Local] = a.Value
			}
			return map[string]any{"$": attrs}
		}
		if len(n.Children) == 0 {
			return n.Content
		}
		m := map[string]any{}
		for _, c := range n.Children {
			v := conv(c)
			if old, ok := m[c.XMLName.Local]; ok {
				if arr, ok := old.([]any); ok {
					m[c.XMLName.Local] = append(arr, v)
				} else {
					m[c.XMLName.Local] = []any{old, v}
				}
				continue
			}
			m[c.XMLName.Local] = v
		}
		return m
	}
	return conv(n).(map[string]any)
}

// keyPaths lists "a.b.c" paths of a decoded document (arrays flattened).
func keyPaths(v any, prefix string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "$" { // xsi:nil attributes: the CLI prints them as null or as {"$":...}
				continue
			}
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out[p] = true
			keyPaths(c, p, out)
		}
	case []any:
		for _, c := range x {
			keyPaths(c, prefix, out)
		}
	}
}

// TestDeployResultShapeMatchesRealFixtures checks that every field a real
// org's DeployResult carries (as the CLI prints it in the fixtures) is in
// the emulator's XML at the same place, and that the emulator invents no
// field a real org does not have.
func TestDeployResultShapeMatchesRealFixtures(t *testing.T) {
	t.Parallel()
	p, _ := readPayload(projectZip(t))
	sc := &Scenario{
		ComponentFailures: []ComponentFailure{{Type: "ApexClass", Name: "InvoiceService", Line: 1, Column: 2, Problem: "x", Deploys: []int{1}}},
		Tests:             map[string]TestScript{"TaxCalculatorTest.usTax": {Outcomes: []string{"fail"}}},
		Coverage:          map[string]Coverage{"TaxCalculator": {Lines: 10, Uncovered: []int{1, 2, 3, 4, 5, 6}}},
		Partial:           true,
	}
	o := newOrg(sc, time.Now)
	ours := map[string]bool{}
	for _, opts := range []deployOptions{{TestLevel: "RunLocalTests"}, {TestLevel: "RunSpecifiedTests", RunTests: []string{"TaxCalculatorTest"}}} {
		r := deployAndWait(t, o, p, opts)
		var b bytes.Buffer
		xml.NewEncoder(&b).EncodeElement(r, xml.StartElement{Name: xml.Name{Local: "result"}})
		keyPaths(xmlToMap(t, b.Bytes()), "", ours)
	}
	// The component failure of a failing deploy + successes of a partial one.
	real := map[string]bool{}
	fixtures, _ := filepath.Glob("../../testdata/sf/*.json")
	for _, f := range fixtures {
		if strings.Contains(f, "legacy") || strings.Contains(f, "apex-run-test") || strings.Contains(f, "auth-") {
			continue
		}
		data, _ := os.ReadFile(f)
		var env struct {
			Result map[string]any `json:"result"`
		}
		if json.Unmarshal(data, &env) != nil || env.Result == nil || env.Result["details"] == nil {
			continue
		}
		keyPaths(env.Result, "", real)
	}
	if len(real) < 40 {
		t.Fatalf("only %d key paths from fixtures: are they there?", len(real))
	}
	// Added by the CLI or SDR, not by the org.
	cliOnly := func(k string) bool {
		for _, p := range []string{"files", "zipSize", "zipFileCount", "deployUrl", "details.runTestResult.flowCoverage", "details.runTestResult.flowCoverageWarnings"} {
			if k == p || strings.HasPrefix(k, p+".") {
				return true
			}
		}
		return false
	}
	// Fields the org sends only in situations the emulator does not model.
	optional := map[string]bool{"stateDetail": true, "errorMessage": true, "errorStatusCode": true, "canceledBy": true, "canceledByName": true,
		"details.runTestResult.codeCoverage.dmlInfo": true, "details.runTestResult.codeCoverage.methodInfo": true,
		"details.runTestResult.codeCoverage.soqlInfo": true, "details.runTestResult.codeCoverage.soslInfo": true,
		"details.runTestResult.failures.seeAllData": true, "details.runTestResult.successes.seeAllData": true,
		"details.runTestResult.apexLogId": true, "details.componentFailures.id": true, "details.componentSuccesses.problem": true,
		"details.componentSuccesses.problemType": true, "details.componentSuccesses.lineNumber": true, "details.componentSuccesses.columnNumber": true,
		"details.runTestResult.failures.packageName": true, "details.runTestResult.codeCoverage.locationsNotCovered": true,
		"details.runTestResult.codeCoverage.locationsNotCovered.column": true, "details.runTestResult.codeCoverage.locationsNotCovered.line": true,
		"details.runTestResult.codeCoverage.locationsNotCovered.numExecutions": true, "details.runTestResult.codeCoverage.locationsNotCovered.time": true,
		"details.runTestResult.codeCoverageWarnings.name": true, "details.runTestResult.codeCoverageWarnings.namespace": true,
		"details.runTestResult.codeCoverage.namespace": true, "details.runTestResult.failures.namespace": true, "details.runTestResult.successes.namespace": true,
	}
	var missing, invented []string
	for k := range real {
		if !ours[k] && !cliOnly(k) && !optional[k] {
			missing = append(missing, k)
		}
	}
	for k := range ours {
		if !real[k] && !optional[k] {
			invented = append(invented, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(invented)
	if len(missing) > 0 {
		t.Errorf("fields real orgs send that the emulator lacks:\n%s", strings.Join(missing, "\n"))
	}
	if len(invented) > 0 {
		t.Errorf("fields the emulator sends that no fixture has:\n%s", strings.Join(invented, "\n"))
	}
}

func TestServerRecordsAndFaults(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Name: "t", Faults: []Fault{{Deploys: []int{1}, Kind: "lock"}, {Deploys: []int{2}, Kind: "unavailable"}, {Deploys: []int{3}, Kind: "reset"}}}
	srv, err := Start(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	body := fmt.Sprintf(`<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><deploy xmlns="http://soap.sforce.com/2006/04/metadata"><ZipFile>%s</ZipFile><DeployOptions><testLevel>NoTestRun</testLevel></DeployOptions></deploy></soapenv:Body></soapenv:Envelope>`, projectZip(t))
	post := func() (int, string, error) {
		req, _ := http.NewRequest("POST", srv.URL()+"/services/Soap/m/62.0", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/xml")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	if code, b, _ := post(); code != 500 || !strings.Contains(b, "<faultcode>sf:UNABLE_TO_LOCK_ROW</faultcode>") {
		t.Errorf("deploy 1: %d %s", code, b)
	}
	if code, _, _ := post(); code != 503 {
		t.Errorf("deploy 2: %d, want 503", code)
	}
	if _, _, err := post(); err == nil {
		t.Error("deploy 3: want a connection error")
	}
	code, b, err := post()
	if err != nil || code != 200 || !strings.Contains(b, "<state>Queued</state>") {
		t.Fatalf("deploy 4: %d %v %s", code, err, b)
	}
	if n := srv.Count("soap:deploy"); n != 4 {
		t.Errorf("recorded %d deploy calls, want 4: %v", n, srv.Ops())
	}
	if req := srv.Requests()[2]; req.Status != 0 {
		t.Errorf("a reset is recorded with status 0, got %d", req.Status)
	}
	// Every zip is kept as sent, faulted calls included: the bytes left the runner.
	sent, _ := base64.StdEncoding.DecodeString(projectZip(t))
	ups := srv.Uploads()
	if len(ups) != 4 {
		t.Fatalf("kept %d uploads, want 4", len(ups))
	}
	for i, up := range ups {
		if !bytes.Equal(up, sent) {
			t.Errorf("upload %d differs from the zip sent (%d vs %d bytes)", i+1, len(up), len(sent))
		}
	}
}

func TestTLSAndAuthURL(t *testing.T) {
	t.Parallel()
	srv, err := Start(nil, Options{TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") || !strings.HasPrefix(srv.AuthURL(), "force://PlatformCLI::"+RefreshToken+"@127.0.0.1:") {
		t.Errorf("url %s auth %s", srv.URL(), srv.AuthURL())
	}
	if !bytes.Contains(srv.CertPEM(), []byte("BEGIN CERTIFICATE")) {
		t.Error("no certificate")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// zipOf builds a deployment zip from name → content.
func zipOf(t *testing.T, files map[string]string) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, content)
	}
	zw.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

const deleteLegacy = `<Package><types><members>Legacy</members><name>ApexClass</name></types></Package>`

// Destructive changes delete what the org has (once the job succeeds, never
// for a check-only one); deleting what it lacks is a warning that fails the
// deployment unless it ignores warnings.
func TestDestructiveChanges(t *testing.T) {
	t.Parallel()
	p, err := readPayload(zipOf(t, map[string]string{
		"unpackaged/package.xml":                    `<Package/>`,
		"unpackaged/classes/Fresh.cls":              "public class Fresh {}",
		"unpackaged/destructiveChangesPost.xml":     deleteLegacy,
		"unpackaged/destructiveChangesPre.xml":      `<Package/>`,
		"unpackaged/classes/Fresh.cls-meta.xml":     `<ApexClass/>`,
		"unpackaged/destructiveChanges-ignored.txt": "x",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Post) != 1 || p.Post[0].Type != "ApexClass" || p.Post[0].FullName != "Legacy" || len(p.Pre) != 0 {
		t.Fatalf("pre %v post %v, want post ApexClass:Legacy", p.Pre, p.Post)
	}
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name       string
		has        []string
		opts       deployOptions
		status     string
		stillThere bool
	}{
		{name: "deletes", has: []string{"ApexClass:Legacy"}, status: "Succeeded"},
		{name: "check-only keeps", has: []string{"ApexClass:Legacy"}, opts: deployOptions{CheckOnly: true}, status: "Succeeded", stillThere: true},
		{name: "absent fails", status: "Failed"},
		{name: "absent ignored", opts: deployOptions{IgnoreWarnings: true}, status: "Succeeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := newOrg(&Scenario{Components: tc.has}, clock.now)
			r := deployAndWait(t, o, p, tc.opts)
			if r.Status != tc.status {
				t.Fatalf("status %s, want %s: %+v", r.Status, tc.status, r.Details.ComponentFailures)
			}
			if o.present["ApexClass:Legacy"] != tc.stillThere {
				t.Errorf("org has Legacy = %v, want %v", o.present["ApexClass:Legacy"], tc.stillThere)
			}
			deleted := false
			for _, m := range r.Details.ComponentSuccesses {
				deleted = deleted || (m.Deleted && m.FullName == "Legacy")
			}
			if deleted != (len(tc.has) > 0) {
				t.Errorf("componentSuccesses deleted=%v for Legacy", deleted)
			}
			if len(tc.has) == 0 && (len(r.Details.ComponentFailures) != 1 || r.Details.ComponentFailures[0].ProblemType != "Warning") {
				t.Errorf("want one warning for the absent class, got %+v", r.Details.ComponentFailures)
			}
			if !tc.opts.CheckOnly && tc.status == "Succeeded" && !o.present["ApexClass:Fresh"] {
				t.Error("the deployed class is not in the org")
			}
		})
	}
}

// A metadata-dir deploy zips the folder under "zip/": paths are read from
// the package.xml's folder.
func TestReadPayloadMetadataDirRoot(t *testing.T) {
	t.Parallel()
	p, err := readPayload(zipOf(t, map[string]string{"zip/package.xml": `<Package/>`, "zip/classes/Greeter.cls": "public class Greeter {}"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Components) != 1 || p.Components[0].Type != "ApexClass" || p.Components[0].FullName != "Greeter" {
		t.Errorf("components %+v, want ApexClass:Greeter", p.Components)
	}
}

// A submission whose answer is lost: the org has the job, the client got a
// reset. The Tooling API's DeployRequest lists it for this user; the cancel
// that jsforce sends (<id>) cancels it.
func TestLostAnswerDeployRequestAndCancel(t *testing.T) {
	t.Parallel()
	sc := &Scenario{Name: "t", Faults: []Fault{{Deploys: []int{1}, Kind: "accepted-reset"}}, Duration: Duration{time.Hour}}
	srv, err := Start(sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	soap := func(op string) (int, string, error) {
		body := `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>` + op + `</soapenv:Body></soapenv:Envelope>`
		resp, err := http.Post(srv.URL()+"/services/Soap/m/62.0", "text/xml", strings.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	since := time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05Z")
	if _, _, err := soap(fmt.Sprintf(`<deploy xmlns="http://soap.sforce.com/2006/04/metadata"><ZipFile>%s</ZipFile><DeployOptions><testLevel>NoTestRun</testLevel></DeployOptions></deploy>`, projectZip(t))); err == nil {
		t.Fatal("the answer must be lost")
	}
	jobs := srv.Deployments()
	if len(jobs) != 1 || jobs[0].Status != "" {
		t.Fatalf("the org must have accepted the job: %+v", jobs)
	}
	id := jobs[0].ID
	query := func(q string) queryResult {
		req, _ := http.NewRequest("GET", srv.URL()+"/services/data/v62.0/tooling/query?q="+url.QueryEscape(q), nil)
		req.Header.Set("Authorization", "Bearer "+AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r queryResult
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	base := "SELECT Id, Status, CheckOnly, CreatedDate FROM DeployRequest WHERE CreatedDate >= "
	cases := []struct {
		q    string
		want int
	}{
		{base + since + " AND CreatedBy.Username = '" + Username + "' ORDER BY CreatedDate DESC", 1},
		{base + since + " AND CreatedBy.Username = 'someone@else.example'", 0},
		{base + time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05Z"), 0},
	}
	for _, c := range cases {
		r := query(c.q)
		if r.TotalSize != c.want || len(r.Records) != c.want || (c.want == 1 && r.Records[0]["Id"] != id) {
			t.Errorf("%s: %+v, want %d record(s) of %s", c.q, r, c.want, id)
		}
	}
	code, b, err := soap(`<cancelDeploy xmlns="http://soap.sforce.com/2006/04/metadata"><id>` + id + `</id></cancelDeploy>`)
	if err != nil || code != 200 || !strings.Contains(b, "<id>"+id+"</id>") {
		t.Fatalf("cancelDeploy: %d %v %s", code, err, b)
	}
	if jobs := srv.Deployments(); !jobs[0].Canceled {
		t.Errorf("the job was not cancelled: %+v", jobs)
	}
}

// A regression passes on the org's code (apex run test) and fails in every
// deployment of the new code; the suite time is paid only by deployments
// that run the local tests.
func TestOrgCodeOutcomesAndSuiteTime(t *testing.T) {
	t.Parallel()
	p, err := readPayload(projectZip(t))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := LoadScenario(scenarioDir, "regression-existing-test")
	if err != nil {
		t.Fatal(err)
	}
	o := newOrg(sc, time.Now)
	if run := o.startTestRun([]string{"TaxCalculatorTest.usTax"}); !run.Results[0].Pass {
		t.Error("on the org's code the test passes")
	}
	check := deployAndWait(t, o, p, deployOptions{CheckOnly: true, TestLevel: "RunSpecifiedTests", RunTests: []string{"TaxCalculatorTest"}})
	if check.NumberTestErrors != 1 || check.Details.RunTestResult.Failures[0].MethodName != "usTax" {
		t.Errorf("against the new code it fails: %+v", check.Details.RunTestResult)
	}
	bench := &Scenario{RealTime: true, TestTime: Duration{time.Millisecond}, Duration: Duration{time.Second}, SuiteTime: Duration{time.Minute}}
	ob := newOrg(bench, time.Now)
	full := ob.startDeploy(p, deployOptions{TestLevel: "RunLocalTests"})
	few := ob.startDeploy(p, deployOptions{TestLevel: "RunSpecifiedTests", RunTests: []string{"TaxCalculatorTest"}})
	if full.duration < time.Minute+time.Second || few.duration >= time.Minute {
		t.Errorf("durations: local tests %s, specified tests %s", full.duration, few.duration)
	}
}
