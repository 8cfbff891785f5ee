package harness

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sampleWorkflow = `on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6
        with:
          persist-credentials: false
      - id: deploy
        uses: org/deploy-guard@v1
        with:
          auth-url: ${{ secrets.SFDX_AUTH_URL }}
      - if: always()
        with:
          mode: other-step
        run: echo done
`

func TestQuickStart(t *testing.T) {
	for _, tc := range []struct {
		name, readme, want, err string
	}{
		{name: "block", readme: "# x\n\n## Quick start\n\ntext\n\n```yaml\non: push\njobs: {}\n```\n\n## Next\n\n```yaml\nother: 1\n```\n",
			want: "on: push\njobs: {}\n"},
		{name: "no section", readme: "# x\n\n## Usage\n```yaml\na: 1\n```\n", err: "no \"## Quick start\""},
		{name: "block in the next section only", readme: "## Quick start\ntext\n\n## Next\n```yaml\na: 1\n```\n", err: "no ```yaml block"},
		{name: "unclosed", readme: "## Quick start\n```yaml\na: 1\n", err: "not closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := QuickStart([]byte("\n" + tc.readme))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestWithInputs(t *testing.T) {
	for _, tc := range []struct {
		name, workflow string
		inputs         map[string]string
		want, err      string
	}{
		{name: "no inputs: byte for byte", workflow: sampleWorkflow, want: sampleWorkflow},
		{name: "inputs first in the step's with, in name order; uses kept", workflow: sampleWorkflow,
			inputs: map[string]string{"mode": "validate", "dry": "x"},
			want:   strings.Replace(sampleWorkflow, "          auth-url:", "          dry: x\n          mode: validate\n          auth-url:", 1)},
		{name: "uses on the dash line", workflow: "steps:\n  - uses: org/deploy-guard@v1\n    with:\n      a: 1\n",
			inputs: map[string]string{"mode": "validate"},
			want:   "steps:\n  - uses: org/deploy-guard@v1\n    with:\n      mode: validate\n      a: 1\n"},
		{name: "an input the step sets", workflow: sampleWorkflow, inputs: map[string]string{"auth-url": "x"}, err: "already sets auth-url"},
		{name: "the next step's with is not this one's",
			workflow: "steps:\n  - uses: org/deploy-guard@v1\n  - run: x\n    with:\n      a: 1\n",
			inputs:   map[string]string{"mode": "validate"}, err: "no `with:`"},
		{name: "no step uses the action", workflow: "steps:\n  - uses: org/deploy-guard@v2\n", err: "has 0 steps"},
		{name: "no step uses the action, no inputs", workflow: "steps:\n  - uses: ./\n", err: "has 0 steps"},
		{name: "two steps use it", workflow: "steps:\n  - uses: org/deploy-guard@v1\n  - uses: org/deploy-guard@v1\n", err: "has 2 steps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := WithInputs(tc.workflow, tc.inputs)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestSetOutputs(t *testing.T) {
	out := "[deploy/deploy]   \u2699  ::set-output:: status=failed\n" +
		"[deploy/deploy]   | status=not-an-output\n" +
		"[deploy/deploy]   \u2699  ::set-output:: flaky-tests=A.b,C.d\r\n" +
		"[deploy/deploy]   \u2699  ::set-output:: deploy-id=\n" +
		"[deploy/deploy]   \u2699  ::set-output:: status=recovered\n"
	want := map[string]string{"status": "recovered", "flaky-tests": "A.b,C.d", "deploy-id": ""}
	if got := SetOutputs(out); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// Every stand-in a case names is in Stubs and has its action.yml, which
// prints StubOK and the action's reference when its checks hold.
func TestStubs(t *testing.T) {
	for _, c := range ActCases {
		for _, ref := range c.Stubs {
			dir, ok := Stubs[ref]
			if !ok {
				t.Errorf("case %s: %s has no stand-in in Stubs", c.Name, ref)
				continue
			}
			yml, err := os.ReadFile(filepath.Join("..", "..", "testdata", "act-stubs", dir, "action.yml"))
			if err != nil {
				t.Error(err)
				continue
			}
			if !strings.Contains(string(yml), "echo \""+StubOK+" "+ref+" ") {
				t.Errorf("the stand-in of %s does not print %q", ref, StubOK+" "+ref)
			}
		}
	}
}

func TestRunsOn(t *testing.T) {
	got, err := runsOn("jobs:\n  a:\n    runs-on: ubuntu-latest\n  b:\n    runs-on: ubuntu-24.04\n  c:\n    runs-on: ubuntu-latest\n")
	if err != nil || !reflect.DeepEqual(got, []string{"ubuntu-24.04", "ubuntu-latest"}) {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := runsOn("jobs:\n  a:\n    steps: []\n"); err == nil || !strings.Contains(err.Error(), "job a has no runs-on") {
		t.Errorf("err = %v", err)
	}
}

func TestPrinted(t *testing.T) {
	keys := []string{"status", "failure-category", "flaky-tests", "deploy-id"}
	for _, tc := range []struct {
		name, out string
		want      map[string]string
	}{
		{name: "act's log, script line then output",
			out: "[deploy/deploy] ⭐ Run Main echo \"status=$STATUS failure-category=$CATEGORY flaky-tests=$FLAKY deploy-id=$DEPLOY_ID\"\n" +
				"[deploy/deploy]   | status=recovered failure-category=none flaky-tests=A.b deploy-id=0Af1\n" +
				"[deploy/deploy]   ✅  Success - Main echo\n",
			want: map[string]string{"status": "recovered", "failure-category": "none", "flaky-tests": "A.b", "deploy-id": "0Af1"}},
		{name: "empty values",
			out:  "| status=failed failure-category=config flaky-tests= deploy-id=\n",
			want: map[string]string{"status": "failed", "failure-category": "config", "flaky-tests": "", "deploy-id": ""}},
		{name: "only the script line", out: "Run Main echo \"status=$STATUS failure-category=$C flaky-tests=$F deploy-id=$D\"\n"},
		{name: "a key missing", out: "| status=failed failure-category=config\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Printed(tc.out, keys...); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
