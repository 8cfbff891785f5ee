package classify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// realSF holds sf outputs captured from public projects, with what each
// one says in INDEX.json.
var realSF = filepath.Join(sfFixtures, "real-sf")

type realSFEntry struct {
	File    string `json:"file"`
	Command string `json:"command"`
	Expect  struct {
		Success           bool   `json:"success"`
		ComponentFailures int    `json:"component_failures"`
		TestFailures      int    `json:"test_failures"`
		FirstFailureText  string `json:"first_failure_text"`
		CategoryHint      string `json:"category_hint"`
	} `json:"expect"`
	Source string `json:"source"`
}

// TestRealSFOutputs reads every captured output the way the action does
// (envelope, then the deploy or test-run result, then the classifier) and
// checks it against INDEX.json: success, the failure counts, the text of
// the first failure and the category.
func TestRealSFOutputs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(realSF, "INDEX.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index []realSFEntry
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(realSF, "*.json"))
	if len(index) != len(files)-1 {
		t.Errorf("INDEX.json lists %d files, the directory has %d outputs", len(index), len(files)-1)
	}
	for _, e := range index {
		t.Run(e.File, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(realSF, e.File))
			if err != nil {
				t.Fatal(err)
			}
			env, err := sfcli.ParseEnvelope(raw)
			if err != nil {
				t.Fatal(err)
			}
			var (
				success          bool
				components, test int
				first            string
				category         result.Category
			)
			switch {
			case strings.Contains(e.Command, "apex run test") && env.Result != nil:
				run, err := result.ParseTestRun(env.Result)
				if err != nil {
					t.Fatal(err)
				}
				success = run.Outcome == "Passed" && len(run.Failures) == 0
				test = len(run.Failures)
				category = result.CategoryNone
				for i := range run.Failures {
					Default().Test(&run.Failures[i])
					if i == 0 {
						first, category = run.Failures[i].Message, run.Failures[i].Diagnosis.Category
					}
				}
			case strings.Contains(e.Command, "org login") && env.Result != nil:
				success, category = env.Status == 0, result.CategoryNone
			case env.Result != nil:
				d, err := result.ParseDeployValue(env.ResultValue)
				if err != nil {
					t.Fatal(err)
				}
				v := Default().Deploy(d)
				success, category = d.Succeeded() && v.Category == result.CategoryNone, v.Category
				components, test = len(d.ComponentFailures), len(d.TestFailures)
				switch {
				case components > 0:
					first = d.ComponentFailures[0].Problem
				case test > 0:
					first = d.TestFailures[0].Message
				case len(d.CoverageWarnings) > 0:
					first = d.CoverageWarnings[0].Message
				}
			default:
				v := Default().Error(env.Name, env.Message, env.ExitCode)
				first, category = env.Message, v.Category
			}
			want := e.Expect
			if success != want.Success || components != want.ComponentFailures || test != want.TestFailures {
				t.Errorf("success %v, %d component and %d test failures; want %v, %d, %d",
					success, components, test, want.Success, want.ComponentFailures, want.TestFailures)
			}
			if first != want.FirstFailureText {
				t.Errorf("first failure %q, want %q", first, want.FirstFailureText)
			}
			if string(category) != want.CategoryHint {
				t.Errorf("category %q, want %q", category, want.CategoryHint)
			}
		})
	}
}
