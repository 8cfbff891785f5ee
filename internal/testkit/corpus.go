package testkit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// CorpusEntry is an entry of the real-world corpora
// (testdata/real-world-errors.json, testdata/real-world-new.json) as the
// tests that feed it to the action read it: the message, its labels, and
// what a stand-in sf needs to print it where it was seen.
type CorpusEntry struct {
	Message    string `json:"message"`
	Category   string `json:"category"`
	Transient  bool   `json:"transient"`
	Where      string `json:"where"`
	Split      string `json:"split"`
	Name       string `json:"name"`
	ExitCode   int    `json:"exitCode"`
	Type       string `json:"type"`
	FullName   string `json:"fullName"`
	StackTrace string `json:"stackTrace"`
}

// LoadCorpus reads a corpus file (its path relative to the repository's
// root, found from dir, the test's package directory relative to it).
func LoadCorpus(t testing.TB, root, name string) []CorpusEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var entries []CorpusEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return entries
}

// StandInDocument is what a stand-in sf prints for e on every deployment
// command, and its exit code: a failed deployment holding the component
// failure, the failed test or the coverage warning, or sf's error document
// (exit code 1 and name "Error" when the entry gives none).
func StandInDocument(e CorpusEntry) (string, int) {
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
			"methodName": "someMethod", "message": e.Message, "stackTrace": e.StackTrace, "time": "1"}) + `]}`), 1
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

// StandInSF writes, in dir, a stand-in sf that logs in, answers the org
// query with no record, and prints e's document (StandInDocument) for every
// other command; it returns the script's path.
func StandInSF(t testing.TB, dir string, e CorpusEntry) string {
	t.Helper()
	doc, exit := StandInDocument(e)
	docPath := filepath.Join(dir, "doc.json")
	if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\n" +
		`if [ "$1 $2" = "org login" ]; then cat >/dev/null; echo '{"status":0,"result":{"username":"ci@example.com"}}'; exit 0; fi` + "\n" +
		`if [ "$1 $2" = "data query" ]; then echo '{"status":0,"result":{"records":[],"totalSize":0,"done":true}}'; exit 0; fi` + "\n" +
		"cat " + docPath + "\nexit " + strconv.Itoa(exit) + "\n"
	bin := filepath.Join(dir, "sf")
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}
