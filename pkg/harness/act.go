package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/org/deploy-guard/pkg/orgsim"
)

// ActionRef is how the README's workflows call the published action.
const ActionRef = "org/deploy-guard@v1"

// QuickStartSecret is the secret the quick start logs in with; RunAct gives
// it the emulator's auth URL.
const QuickStartSecret = "SFDX_AUTH_URL"

// QuickStart returns the YAML block of the README's "Quick start" section:
// the workflow users copy, and the one the act cases run.
func QuickStart(readme []byte) (string, error) {
	_, sec, ok := strings.Cut(string(readme), "\n## Quick start\n")
	if !ok {
		return "", errors.New(`README.md has no "## Quick start" section`)
	}
	if i := strings.Index(sec, "\n## "); i >= 0 {
		sec = sec[:i]
	}
	_, block, ok := strings.Cut("\n"+sec, "\n```yaml\n")
	if !ok {
		return "", errors.New("README.md: the Quick start section has no ```yaml block")
	}
	block, _, ok = strings.Cut(block, "\n```")
	if !ok {
		return "", errors.New("README.md: the Quick start's ```yaml block is not closed")
	}
	return block + "\n", nil
}

// ActCase is one run of a workflow users copy (the README's quick start or
// a file of examples/) through act.
type ActCase struct {
	Name string
	// Workflow names where the workflow comes from: QuickStartSource or a
	// path such as "examples/deploy-on-push.yml".
	Workflow, Scenario string
	// Inputs are added to the deploy step's `with:` (none: the workflow
	// byte for byte as users copy it).
	Inputs map[string]string
	// Want is what the deploy step set of the outputs, as the workflow shows
	// it (Printed for the quick start's last step, SetOutputs otherwise);
	// WantDeployID asks for a non-empty deploy-id.
	Want         map[string]string
	WantDeployID bool
	// Stubs are the stand-ins of third-party actions the workflow uses
	// (Stubs names them); each must report that it ran and its checks held.
	Stubs []string
	// Event triggers the workflow (default push); EventInputs are a
	// workflow_dispatch's inputs.
	Event       string
	EventInputs map[string]string
	// WantLog are texts act's log must hold (the job's summary included).
	WantLog []string
}

// QuickStartSource names the README's quick start as an ActCase workflow.
const QuickStartSource = "README.md quick start"

// ActCases are the act cases of `make image-test`: the quick start as the
// README has it (the default path, no source input) with a flaky test, the
// quick start with the one line the README says to add for mode validate,
// examples/deploy-on-push.yml as it is, with a flaky test, its artifact
// upload and JUnit report steps run by stand-ins that check what they get,
// and examples/quick-deploy.yml dispatched with a job id the org does not
// know.
var ActCases = []ActCase{
	{
		Name: "quick-start-flaky-test", Workflow: QuickStartSource, Scenario: "flaky-test",
		Want: map[string]string{"status": "recovered", "failure-category": "none", "flaky-tests": "InvoiceServiceTest.addsTax"},
	},
	{
		Name: "quick-start-validate", Workflow: QuickStartSource, Scenario: "success", Inputs: map[string]string{"mode": "validate"},
		Want:         map[string]string{"status": "validated", "failure-category": "none", "flaky-tests": ""},
		WantDeployID: true,
	},
	{
		Name: "deploy-on-push-flaky-test", Workflow: "examples/deploy-on-push.yml", Scenario: "flaky-test",
		Want:  map[string]string{"status": "recovered", "failure-category": "none", "flaky-tests": "InvoiceServiceTest.addsTax"},
		Stubs: []string{"actions/upload-artifact@v7", "mikepenz/action-junit-report@v6"},
	},
	{
		// An unknown validation (a fresh org knows none): quick-fallback
		// deploys the manifest in full, with its tests.
		Name: "quick-deploy-fallback", Workflow: "examples/quick-deploy.yml", Scenario: "success",
		Event: "workflow_dispatch", EventInputs: map[string]string{"job-id": "0Af000000000999AAA"},
		Want: map[string]string{"status": "succeeded", "failure-category": "none"},
		WantLog: []string{"sf project deploy quick --job-id 0Af000000000999AAA --async",
			"Validation 0Af000000000999AAA cannot be quick-deployed; quick-fallback is on",
			"sf project deploy start --async --target-org deploy-guard --manifest manifest/package.xml --test-level RunLocalTests"},
	},
}

// Stubs maps the third-party actions the examples use to their stand-ins
// under testdata/act-stubs (act --local-repository): nothing is fetched,
// and each stand-in fails its step unless its inputs hold what the example
// promises (the artifacts folder, the JUnit file). On success each prints
// StubOK and its name.
var Stubs = map[string]string{
	"actions/upload-artifact@v7":      "upload-artifact",
	"mikepenz/action-junit-report@v6": "action-junit-report",
}

// StubOK starts the line a stand-in prints when its checks held, followed
// by the action's reference and a space.
const StubOK = "act-stub ok:"

var usesLine = regexp.MustCompile(`(?m)^([ \t]*(?:- )?)uses: ` + regexp.QuoteMeta(ActionRef) + `[ \t]*$`)

// WithInputs adds inputs as the first lines of the `with:` of the step that
// uses ActionRef, in name order. Nothing else changes: with no inputs the
// workflow is returned as it is, and act runs it through
// --local-repository, so `uses: org/deploy-guard@v1` stays as users write it.
func WithInputs(workflow string, inputs map[string]string) (string, error) {
	locs := usesLine.FindAllStringSubmatchIndex(workflow, -1)
	if len(locs) != 1 {
		return "", fmt.Errorf("the workflow has %d steps with `uses: %s`; want exactly one", len(locs), ActionRef)
	}
	if len(inputs) == 0 {
		return workflow, nil
	}
	loc := locs[0]
	out := workflow
	prefix := workflow[loc[2]:loc[3]]
	// The step's keys are indented like `uses:` after the list dash; the
	// step ends where the next list item of the same depth starts.
	indent := strings.Repeat(" ", len(prefix))
	step := out[loc[0]:]
	if len(indent) >= 2 {
		next := regexp.MustCompile(`(?m)^` + indent[2:] + `- `).FindStringIndex(step[1:])
		if next != nil {
			step = step[:next[0]+1]
		}
	}
	with := regexp.MustCompile(`(?m)^` + indent + `with:[ \t]*\n([ \t]+)\S`).FindStringSubmatchIndex(step)
	if with == nil {
		return "", fmt.Errorf("the step that uses %s has no `with:` block", ActionRef)
	}
	inner := step[with[2]:with[3]]
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	var add strings.Builder
	for _, n := range names {
		if regexp.MustCompile(`(?m)^` + inner + regexp.QuoteMeta(n) + `:`).MatchString(step) {
			return "", fmt.Errorf("the workflow already sets %s", n)
		}
		fmt.Fprintf(&add, "%s%s: %s\n", inner, n, inputs[n])
	}
	at := loc[0] + with[2]
	return out[:at] + add.String() + out[at:], nil
}

// ActConfig describes one run of a workflow through nektos/act.
type ActConfig struct {
	// Act is the act binary; Workflow the workflow file's content.
	Act, Workflow string
	// Project is the repository's content (the workflow's checkout).
	Project string
	// ActionRepo is this action's repository (its action.yml names the
	// image): act runs it for `uses: ActionRef` (--local-repository).
	ActionRepo string
	// StubDir holds the stand-ins of Stubs, one folder each; act runs them
	// for the third-party actions the workflow uses.
	StubDir string
	// Scenario is served by a fresh TLS emulator; the secret
	// QuickStartSecret is its auth URL.
	Scenario *orgsim.Scenario
	// JobImage is the image of every runs-on label (act --platform).
	JobImage string
	// Event triggers the workflow (default push); Inputs are a
	// workflow_dispatch's inputs (act --input).
	Event  string
	Inputs map[string]string
	// Dir holds the repository and act's files; a temp dir when empty.
	Dir string
	// Log receives act's output as it runs (optional).
	Log     io.Writer
	Timeout time.Duration
}

// ActResult is what an act run left behind.
type ActResult struct {
	ExitCode int
	// Output is act's log, stdout and stderr.
	Output    string
	Workspace string
	Org       *orgsim.Server
	// Secrets are the values given as secrets, to check the log for.
	Secrets []string
	// NewInWorkspace and ForeignOwned are as in Result.
	NewInWorkspace, ForeignOwned []string
}

// actCA is where the emulator's certificate is mounted in act's containers.
const actCA = "/deploy-guard-ca"

// RunAct runs cfg.Workflow, as it is, with act the way a runner would on a
// push to main: `uses: ActionRef` is cfg.ActionRepo and each of Stubs its
// stand-in in cfg.StubDir (act --local-repository; nothing is fetched), the
// checkout is the repository itself (act --bind; act skips
// actions/checkout of the same repository), owned by the runner's user, the
// job runs in JobImage on the host network, so the containers reach the
// emulator on loopback, and a Docker action's image must already be in the
// engine (--pull=false). The emulator's CA reaches the containers as a
// read-only mount and NODE_EXTRA_CA_CERTS, as a private CA would.
func RunAct(ctx context.Context, cfg ActConfig) (*ActResult, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Minute
	}
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "deploy-guard-act-")
		if err != nil {
			return nil, err
		}
		dir = d
	}
	// act runs in the repository's folder: its local repositories must not
	// be relative.
	for _, p := range []*string{&cfg.ActionRepo, &cfg.StubDir} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return nil, err
		}
		*p = abs
	}
	labels, err := runsOn(cfg.Workflow)
	if err != nil {
		return nil, err
	}
	org, err := orgsim.Start(cfg.Scenario, orgsim.Options{TLS: true})
	if err != nil {
		return nil, err
	}
	defer org.Close()
	repo := filepath.Join(dir, "repo")
	if err := prepareActRepo(repo, cfg); err != nil {
		return nil, err
	}
	before, err := listTree(repo)
	if err != nil {
		return nil, err
	}
	caDir := filepath.Join(dir, "ca")
	if err := os.MkdirAll(caDir, 0o755); err != nil {
		return nil, err
	}
	cert, err := org.WriteCert(caDir)
	if err != nil {
		return nil, err
	}
	event := cfg.Event
	if event == "" {
		event = "push"
	}
	args := []string{event, "--workflows", ".github/workflows/workflow.yml",
		"--bind", "--pull=false", "--container-daemon-socket", "-",
		"--container-options", "-v " + caDir + ":" + actCA + ":ro",
		"--env", "NODE_EXTRA_CA_CERTS=" + actCA + "/" + filepath.Base(cert),
		"--secret", QuickStartSecret,
		"--local-repository", ActionRef + "=" + cfg.ActionRepo}
	if cfg.StubDir != "" {
		refs := make([]string, 0, len(Stubs))
		for ref := range Stubs {
			refs = append(refs, ref)
		}
		sort.Strings(refs)
		for _, ref := range refs {
			args = append(args, "--local-repository", ref+"="+filepath.Join(cfg.StubDir, Stubs[ref]))
		}
	}
	for _, l := range labels {
		args = append(args, "--platform", l+"="+cfg.JobImage)
	}
	names := make([]string, 0, len(cfg.Inputs))
	for n := range cfg.Inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		args = append(args, "--input", n+"="+cfg.Inputs[n])
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cfg.Act, args...)
	cmd.Dir = repo
	// act reads ~/.actrc and the XDG config: give it empty ones. The
	// secret's value comes from the environment, never the command line.
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), QuickStartSecret+"="+org.AuthURL())
	var out bytes.Buffer
	var w io.Writer = &out
	if cfg.Log != nil {
		w = io.MultiWriter(&out, cfg.Log)
	}
	cmd.Stdout, cmd.Stderr = w, w
	res := &ActResult{Workspace: repo, Org: org, Secrets: []string{org.AuthURL()}}
	err = cmd.Run()
	res.Output = out.String()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case err != nil:
		return res, fmt.Errorf("act: %w", err)
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("act did not finish within %s", cfg.Timeout)
	}
	after, err := listTree(repo)
	if err != nil {
		return res, err
	}
	res.NewInWorkspace = newPaths(before, after, "deploy-guard-artifacts")
	res.ForeignOwned = ForeignOwned(runnerUser(), repo)
	return res, nil
}

// prepareActRepo lays out the repository act runs: the project, the
// workflow, committed on main with a GitHub remote, and
// owned by the runner's user like a checkout.
func prepareActRepo(repo string, cfg ActConfig) error {
	if err := CopyTree(cfg.Project, repo); err != nil {
		return err
	}
	wf := filepath.Join(repo, ".github", "workflows")
	if err := os.MkdirAll(wf, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(wf, "workflow.yml"), []byte(cfg.Workflow), 0o644); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"remote", "add", "origin", "https://github.com/acme/crm.git"},
		{"add", "-A"},
		{"-c", "user.name=octocat", "-c", "user.email=octocat@example.com", "commit", "-q", "-m", "release"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v\n%s", args[0], err, out)
		}
	}
	if os.Geteuid() == 0 {
		return chownTree(repo, RunnerUID)
	}
	return nil
}

// runsOn lists the runs-on labels of the workflow's jobs.
func runsOn(workflow string) ([]string, error) {
	var doc struct {
		Jobs map[string]struct {
			RunsOn string `yaml:"runs-on"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(workflow), &doc); err != nil {
		return nil, fmt.Errorf("the workflow: %w", err)
	}
	seen := map[string]bool{}
	var out []string
	for name, j := range doc.Jobs {
		if j.RunsOn == "" {
			return nil, fmt.Errorf("job %s has no runs-on label", name)
		}
		if !seen[j.RunsOn] {
			seen[j.RunsOn] = true
			out = append(out, j.RunsOn)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the workflow has no jobs")
	}
	sort.Strings(out)
	return out, nil
}

// Printed returns the key=value pairs of the last line of out that has all
// of keys, as a workflow step prints them with echo (act's log prefix
// before the first key is ignored).
func Printed(out string, keys ...string) map[string]string {
	lines := strings.Split(out, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		j := strings.Index(line, keys[0]+"=")
		if j < 0 {
			continue
		}
		got := map[string]string{}
		for _, f := range strings.Fields(line[j:]) {
			if k, v, ok := strings.Cut(f, "="); ok {
				got[k] = v
			}
		}
		// act logs the script before its output: skip the script's line.
		if strings.Contains(got[keys[0]], "$") {
			continue
		}
		all := true
		for _, k := range keys {
			if _, ok := got[k]; !ok {
				all = false
			}
		}
		if all {
			return got
		}
	}
	return nil
}

// setOutputLine is how act logs an output a step set:
// "[job/step]   ⚙  ::set-output:: name=value".
var setOutputLine = regexp.MustCompile(`::set-output:: ([A-Za-z0-9_-]+)=(.*)$`)

// SetOutputs returns the outputs steps set, as act's log shows them (the
// last value of each name wins).
func SetOutputs(out string) map[string]string {
	got := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if m := setOutputLine.FindStringSubmatch(strings.TrimRight(line, "\r")); m != nil {
			got[m[1]] = m[2]
		}
	}
	return got
}
