package orgsim

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Scenario describes how the emulated org behaves. Scenarios are YAML files
// (testdata/scenarios/<name>.yaml); every field is optional and the zero
// Scenario is a healthy org where every deployment succeeds.
//
// Behaviour that changes from one deployment to the next is keyed by the
// deploy number: the n-th `deploy` (or `deployRecentValidation`) call the
// org receives, counted from 1.
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Polls is how many checkDeployStatus calls answer InProgress before the
	// result is final (default 1).
	Polls int `yaml:"polls"`
	// Duration, when set, keeps every deployment in progress for this long
	// of wall time instead (a deploy slower than sf's --wait).
	Duration Duration `yaml:"duration"`
	// Faults break chosen deploy calls before a job exists.
	Faults []Fault `yaml:"faults"`
	// ComponentFailures fail components of chosen deployments.
	ComponentFailures []ComponentFailure `yaml:"componentFailures"`
	// Tests scripts Apex test outcomes, by "Class.method" or "Class.*".
	Tests map[string]TestScript `yaml:"tests"`
	// Coverage of Apex classes by name; classes not listed are 90% covered.
	Coverage map[string]Coverage `yaml:"coverage"`
	// Partial makes failed deployments with rollbackOnError=false keep
	// their successful components (status SucceededPartial).
	Partial bool `yaml:"partial"`
	// InProgress answers the first N deploys with ALREADY_IN_PROCESS: another
	// deployment holds the org's administration lock.
	InProgress int `yaml:"inProgress"`
	// ExpiredSession makes every API call after login answer
	// INVALID_SESSION_ID and refuses refresh tokens.
	ExpiredSession bool `yaml:"expiredSession"`
	// TestTime is the simulated run time of one test method (default 20ms),
	// used for durations reported and, with RealTime, for wall time.
	TestTime Duration `yaml:"testTime"`
	// RealTime makes a deployment that runs tests stay in progress for the
	// sum of its tests' TestTime (for timing benchmarks).
	RealTime bool `yaml:"realTime"`
	// Components the org already has, as "Type:FullName" (ApexClass:Legacy),
	// besides what is deployed to it; destructive changes can delete them.
	Components []string `yaml:"components"`
	// SuiteTime, with RealTime, is added to deployments that run the org's
	// local tests (RunLocalTests, RunAllTestsInOrg): it stands for a test
	// suite larger than the sample project's, which a deployment that runs
	// only a few classes does not pay.
	SuiteTime Duration `yaml:"suiteTime"`
	// Sandbox makes the org a sandbox (Organization.IsSandbox); it is a
	// production org otherwise.
	Sandbox bool `yaml:"sandbox"`
}

// Fault breaks one or more deploy calls.
type Fault struct {
	// Deploys lists the deploy numbers that fail (empty: the first one).
	Deploys []int `yaml:"deploys"`
	// Kind is lock (SOAP fault UNABLE_TO_LOCK_ROW), unavailable (HTTP 503),
	// reset (connection reset before the org accepts the job), session
	// (INVALID_SESSION_ID), exception (UNKNOWN_EXCEPTION with Message: org
	// text the CLI relays), or accepted-reset: the org accepts the job, then
	// the connection is reset before the answer reaches the client, so the
	// client cannot tell whether the deployment started.
	Kind string `yaml:"kind"`
	// Message is the text of an exception fault.
	Message string `yaml:"message"`
}

// ComponentFailure fails one component in chosen deployments.
type ComponentFailure struct {
	Deploys []int `yaml:"deploys"`
	// Type and Name identify the component; Type defaults to the type of the
	// file in the deployment whose name matches.
	Type    string `yaml:"type"`
	Name    string `yaml:"name"`
	Line    int    `yaml:"line"`
	Column  int    `yaml:"column"`
	Problem string `yaml:"problem"`
	// Warning makes it a warning (the deployment still succeeds).
	Warning bool `yaml:"warning"`
}

// TestScript is the outcome of a test method, run after run: the n-th run of
// the method takes Outcomes[n-1], and the last outcome repeats.
type TestScript struct {
	Outcomes []string `yaml:"outcomes"` // pass | fail
	// OrgOutcomes, when set, script the runs against the org's current code
	// (`sf apex run test`) apart from runs inside a deployment, which run
	// the deployed code: a regression passes on the org and fails when the
	// new code is deployed.
	OrgOutcomes []string `yaml:"orgOutcomes"`
	Message     string   `yaml:"message"`
	StackTrace  string   `yaml:"stackTrace"`
}

// Coverage of one class.
type Coverage struct {
	Lines     int   `yaml:"lines"`
	Uncovered []int `yaml:"uncovered"`
}

// Duration is a time.Duration written as "65s" in YAML.
type Duration struct{ time.Duration }

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	d.Duration = v
	return nil
}

var faultKinds = map[string]bool{"lock": true, "unavailable": true, "reset": true, "session": true, "exception": true, "accepted-reset": true}

// Validate reports scenario mistakes.
func (s *Scenario) Validate() error {
	var errs []error
	for i, f := range s.Faults {
		if !faultKinds[f.Kind] {
			errs = append(errs, fmt.Errorf("faults[%d].kind %q: use lock, unavailable, reset, accepted-reset, session or exception", i, f.Kind))
		}
	}
	for i, c := range s.Components {
		if t, n, ok := strings.Cut(c, ":"); !ok || t == "" || n == "" {
			errs = append(errs, fmt.Errorf("components[%d] %q: use Type:FullName, e.g. ApexClass:LegacyService", i, c))
		}
	}
	for i, c := range s.ComponentFailures {
		if c.Name == "" || c.Problem == "" {
			errs = append(errs, fmt.Errorf("componentFailures[%d]: name and problem are required", i))
		}
	}
	for name, t := range s.Tests {
		if !strings.Contains(name, ".") {
			errs = append(errs, fmt.Errorf("tests[%q]: use Class.method or Class.*", name))
		}
		for _, o := range append(append([]string(nil), t.Outcomes...), t.OrgOutcomes...) {
			if o != "pass" && o != "fail" {
				errs = append(errs, fmt.Errorf("tests[%q].outcomes: %q is not pass or fail", name, o))
			}
		}
	}
	return errors.Join(errs...)
}

// ParseScenario reads one scenario document.
func ParseScenario(name string, data []byte) (*Scenario, error) {
	var s Scenario
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	if s.Name == "" {
		s.Name = name
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	return &s, nil
}

// LoadScenario reads dir/<name>.yaml.
func LoadScenario(dir, name string) (*Scenario, error) {
	if strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("scenario %q: a name, not a path", name)
	}
	data, err := os.ReadFile(filepath.Join(dir, name+".yaml"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			names, _ := ListScenarios(dir)
			return nil, fmt.Errorf("unknown scenario %q; available: %s", name, strings.Join(names, ", "))
		}
		return nil, err
	}
	return ParseScenario(name, data)
}

// ListScenarios returns the scenario names in dir, sorted.
func ListScenarios(dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range m {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".yaml"))
	}
	sort.Strings(names)
	return names, nil
}

func (s *Scenario) fault(deployNo int) Fault {
	for _, f := range s.Faults {
		if matchesDeploy(f.Deploys, deployNo, true) {
			return f
		}
	}
	return Fault{}
}

// matchesDeploy reports whether n is listed; an empty list means the first
// deploy only (firstOnly) or every deploy.
func matchesDeploy(list []int, n int, firstOnly bool) bool {
	if len(list) == 0 {
		return !firstOnly || n == 1
	}
	for _, v := range list {
		if v == n {
			return true
		}
	}
	return false
}
