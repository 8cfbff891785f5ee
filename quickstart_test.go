package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/org/deploy-guard/pkg/harness"
)

// quickStartWorkflow is the part of a workflow the quick start must have.
type quickStartWorkflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress *bool  `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Jobs map[string]struct {
		RunsOn         string `yaml:"runs-on"`
		TimeoutMinutes int    `yaml:"timeout-minutes"`
		Steps          []quickStartStep
	} `yaml:"jobs"`
}

type quickStartStep struct {
	ID   string            `yaml:"id"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// The outputs a team reads after the quick start's deploy step, and the act
// cases assert on.
var quickStartOutputs = []string{"status", "failure-category", "flaky-tests", "deploy-id"}

// The quick start is the workflow most users copy and the one the act cases
// of `make image-test` run: it must be complete as it stands, take the
// default path (no source input: the project's package directories), and
// the act cases must run it unchanged but for their own inputs (the
// action's reference included: act --local-repository).
func TestQuickStartIsCompleteOnTheDefaultPath(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := harness.QuickStart(readme)
	if err != nil {
		t.Fatal(err)
	}
	var w quickStartWorkflow
	if err := yaml.Unmarshal([]byte(qs), &w); err != nil {
		t.Fatalf("the quick start is not YAML: %v\n%s", err, qs)
	}
	if w.On == nil {
		t.Error("the quick start has no `on:` trigger")
	}
	// The circuit breaker is on by default and reads the workflow's runs.
	for p, want := range map[string]string{"contents": "read", "actions": "read"} {
		if w.Permissions[p] != want {
			t.Errorf("permissions.%s = %q, want %q", p, w.Permissions[p], want)
		}
	}
	if w.Concurrency.Group == "" || w.Concurrency.CancelInProgress == nil || *w.Concurrency.CancelInProgress {
		t.Error("the quick start needs a concurrency group with cancel-in-progress: false (two deployments to one org collide)")
	}
	if len(w.Jobs) != 1 {
		t.Fatalf("the quick start has %d jobs, want 1", len(w.Jobs))
	}
	for name, job := range w.Jobs {
		if job.RunsOn == "" {
			t.Errorf("job %s has no runs-on", name)
		}
		checkQuickStartSteps(t, qs, job.Steps, job.TimeoutMinutes)
	}
	for _, c := range harness.ActCases {
		if c.Workflow != harness.QuickStartSource {
			continue
		}
		t.Run("act case "+c.Name, func(t *testing.T) {
			checkDerived(t, qs, c.Inputs)
		})
	}
}

// The examples the act cases run are run as they are: the case adds no
// input and the file is what act is given, byte for byte.
func TestActCasesRunTheExamplesVerbatim(t *testing.T) {
	for _, c := range harness.ActCases {
		if c.Workflow == harness.QuickStartSource {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			b, err := os.ReadFile(c.Workflow)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Inputs) > 0 {
				t.Errorf("the case adds inputs %v to %s: an example must run as users copy it", c.Inputs, c.Workflow)
			}
			got, err := harness.WithInputs(string(b), c.Inputs)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(b) {
				t.Errorf("act is given a workflow that differs from %s", c.Workflow)
			}
			for _, ref := range regexp.MustCompile(`(?m)^\s*(?:- )?uses: (\S+)`).FindAllStringSubmatch(string(b), -1) {
				if ref[1] == harness.ActionRef || strings.HasPrefix(ref[1], "actions/checkout@") {
					continue
				}
				found := false
				for _, s := range c.Stubs {
					found = found || s == ref[1]
				}
				if !found {
					t.Errorf("%s uses %s, which the case has no stand-in for (act cannot fetch it here)", c.Workflow, ref[1])
				}
			}
		})
	}
}

func checkQuickStartSteps(t *testing.T, qs string, steps []quickStartStep, timeout int) {
	t.Helper()
	if len(steps) == 0 || !strings.HasPrefix(steps[0].Uses, "actions/checkout@") {
		t.Fatal("the quick start's first step must be actions/checkout")
	}
	if want := "actions/checkout@v" + strconv.Itoa(currentMajor["actions/checkout"]); steps[0].Uses != want {
		t.Errorf("the checkout is %s, want %s", steps[0].Uses, want)
	}
	if steps[0].With["persist-credentials"] != "false" {
		t.Error("the checkout must set persist-credentials: false, or the job's token sits in .git/config")
	}
	if !regexp.MustCompile(`(?m)^\s*persist-credentials: false\s+#\s*\S`).MatchString(qs) {
		t.Error("persist-credentials: false needs its one-line why as a comment, or users drop it")
	}
	deploy := -1
	for i, st := range steps {
		if st.Uses == harness.ActionRef {
			deploy = i
		}
	}
	if deploy < 0 {
		t.Fatalf("no step uses %s", harness.ActionRef)
	}
	st := steps[deploy]
	if st.ID == "" {
		t.Error("the deploy step needs an id, for its outputs")
	}
	for _, in := range []string{"source-dir", "manifest", "metadata", "metadata-dir", "delta-from"} {
		if _, ok := st.With[in]; ok {
			t.Errorf("the quick start sets %s: it must show the default path (the project's package directories)", in)
		}
	}
	if st.With["auth-url"] != "${{ secrets."+harness.QuickStartSecret+" }}" {
		t.Errorf("auth-url = %q, want the secret %s (the act cases give it)", st.With["auth-url"], harness.QuickStartSecret)
	}
	if st.With["test-level"] == "" {
		t.Error("the quick start should set test-level")
	}
	if budget := exampleBudget(t, "README.md quick start", st.With); time.Duration(timeout)*time.Minute <= budget {
		t.Errorf("timeout-minutes %d must exceed the action's time budget %s, or the runner kills it before it reports", timeout, budget)
	}
	checkReportStep(t, steps[deploy+1:], st.ID)
}

// checkReportStep: a later step reads the outputs through
// steps.<id>.outputs, as data (env), and prints each as name=value.
func checkReportStep(t *testing.T, after []quickStartStep, id string) {
	t.Helper()
	if len(after) == 0 {
		t.Fatal("no step after the deploy step reads its outputs")
	}
	st := after[len(after)-1]
	if st.If != "always()" {
		t.Errorf("the report step has if: %q; want always(), so it runs after a failed deployment too", st.If)
	}
	if strings.Contains(st.Run, "${{") {
		t.Error("the report step pastes an expression into its script: outputs carry org and PR text, pass them through env")
	}
	for _, o := range quickStartOutputs {
		expr := "${{ steps." + id + ".outputs." + o + " }}"
		name := ""
		for k, v := range st.Env {
			if v == expr {
				name = k
			}
		}
		if name == "" {
			t.Errorf("the report step does not read %s", expr)
			continue
		}
		if !strings.Contains(st.Run, o+"=$"+name) {
			t.Errorf("the report step does not print %s=$%s (the act cases read it)", o, name)
		}
	}
}

// checkDerived: the act case's workflow is the quick start byte for byte,
// `uses: org/deploy-guard@v1` included, with only the case's inputs added.
func checkDerived(t *testing.T, qs string, inputs map[string]string) {
	t.Helper()
	got, err := harness.WithInputs(qs, inputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 && got != qs {
		t.Fatalf("the act workflow is not the quick start byte for byte:\n%s", got)
	}
	orig, derived := strings.Split(qs, "\n"), strings.Split(got, "\n")
	if len(derived) != len(orig)+len(inputs) {
		t.Fatalf("the act workflow has %d lines, want the quick start's %d + %d inputs", len(derived), len(orig), len(inputs))
	}
	added := map[string]string{}
	j := 0
	for _, line := range derived {
		if j < len(orig) && line == orig[j] {
			j++
			continue
		}
		k, v, _ := strings.Cut(strings.TrimSpace(line), ": ")
		added[k] = v
	}
	if j != len(orig) {
		t.Errorf("the act workflow changes the quick start beyond its inputs:\n%s", got)
	}
	for k, v := range inputs {
		if added[k] != v {
			t.Errorf("input %s: added %q, want %q", k, added[k], v)
		}
	}
	var w quickStartWorkflow
	if err := yaml.Unmarshal([]byte(got), &w); err != nil {
		t.Fatal(err)
	}
	for _, job := range w.Jobs {
		for _, st := range job.Steps {
			if st.Uses == harness.ActionRef {
				for k, v := range inputs {
					if st.With[k] != v {
						t.Errorf("the act workflow's deploy step has %s = %q, want %q", k, st.With[k], v)
					}
				}
				return
			}
		}
	}
	t.Errorf("the act workflow has no step that uses %s", harness.ActionRef)
}
