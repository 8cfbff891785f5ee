package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/org/deploy-guard/pkg/config"
)

// Marketplace cards show about 125 characters of the description.
func TestActionDescriptionFitsMarketplaceCard(t *testing.T) {
	b, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Description string `yaml:"description"`
	}
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(strings.TrimSpace(a.Description))); n == 0 || n > 125 {
		t.Errorf("action.yml description has %d characters; keep it within 125", n)
	}
}

type workflow struct {
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		TimeoutMinutes int `yaml:"timeout-minutes"`
		Steps          []struct {
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// currentMajor is the oldest major version the examples may use of each
// third-party action they show.
var currentMajor = map[string]int{
	"actions/checkout":                  6,
	"actions/upload-artifact":           7,
	"mikepenz/action-junit-report":      6,
	"github/codeql-action/upload-sarif": 4,
}

// The examples are what users copy: each must outlast deploy-guard's time
// budget, grant what the steps need and use current action versions.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("examples/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	uses := regexp.MustCompile(`^([^@]+)@v(\d+)$`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var w workflow
		if err := yaml.Unmarshal(b, &w); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name, job := range w.Jobs {
			for _, st := range job.Steps {
				if st.Uses == "" {
					continue
				}
				if strings.HasPrefix(st.Uses, "org/deploy-guard@") {
					budget := exampleBudget(t, f, st.With)
					if job.TimeoutMinutes == 0 || time.Duration(job.TimeoutMinutes)*time.Minute <= budget {
						t.Errorf("%s job %s: timeout-minutes %d must exceed the action's time budget %s, or the runner kills it before it reports",
							f, name, job.TimeoutMinutes, budget)
					}
					continue
				}
				m := uses.FindStringSubmatch(st.Uses)
				if m == nil {
					t.Errorf("%s: %q: pin a major version tag (@vN)", f, st.Uses)
					continue
				}
				major, _ := strconv.Atoi(m[2])
				if want, ok := currentMajor[m[1]]; !ok {
					t.Errorf("%s: %s is not in currentMajor; add its current major version", f, m[1])
				} else if major < want {
					t.Errorf("%s: %s@v%d; the current major is v%d", f, m[1], major, want)
				}
				// actions/checkout keeps the job's token in .git/config
				// unless told not to; sf can be made to upload it (issue 28).
				if m[1] == "actions/checkout" && st.With["persist-credentials"] != "false" {
					t.Errorf("%s: actions/checkout must set persist-credentials: false, or the job's token sits in .git/config", f)
				}
				if m[1] == "mikepenz/action-junit-report" && w.Permissions["checks"] != "write" {
					t.Errorf("%s: the JUnit report action creates a check run: it needs permissions checks: write", f)
				}
				if m[1] == "github/codeql-action/upload-sarif" && w.Permissions["security-events"] != "write" {
					t.Errorf("%s: uploading SARIF needs permissions security-events: write", f)
				}
			}
		}
	}
}

// exampleBudget is the time budget deploy-guard derives from a step's inputs.
func exampleBudget(t *testing.T, file string, with map[string]string) time.Duration {
	t.Helper()
	env := map[string]string{config.EnvName(config.InputTargetOrg): "example"}
	for k, v := range with {
		if !strings.Contains(v, "${{") {
			env[config.EnvName(k)] = v
		}
	}
	c, err := config.Parse(func(k string) string { return env[k] })
	if err != nil && c == nil {
		t.Fatalf("%s: %v", file, err)
	}
	return c.TimeBudget
}
