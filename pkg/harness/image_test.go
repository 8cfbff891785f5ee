package harness

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestActionDefaultsPassesEveryInput(t *testing.T) {
	got, err := ActionDefaults(filepath.Join("..", "..", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"mode": "deploy", "working-directory": ".", "max-attempts": "3", "artifacts-dir": "deploy-guard-artifacts",
		// An expression default has no value without a GitHub job.
		"github-token": "", "auth-url": "",
	} {
		v, ok := got[name]
		if !ok || v != want {
			t.Errorf("input %s = %q (present %v), want %q", name, v, ok, want)
		}
	}
	if _, err := ActionDefaults(filepath.Join(t.TempDir(), "missing.yml")); err == nil {
		t.Error("a missing action.yml must be an error")
	}
}

// The runner names the variables on the command line and passes their
// values through the client's environment: no input, token or path value
// appears in the docker run arguments (or in ps).
func TestDockerRunLikeTheRunner(t *testing.T) {
	f := runnerFolders{home: "/t/_github_home", workflow: "/t/_github_workflow", fileCmds: "/t/_runner_file_commands", workspace: "/r/crm"}
	env := append(imageEnv("set_output_x", "step_summary_x"), "INPUT_AUTH-URL=force://secret@host", "INPUT_MODE=deploy", "INPUT_MODE=validate")
	args := dockerRun("dg-1", "deploy-guard:test", env, f)
	line := strings.Join(args, " ")
	if args[0] != "run" || args[len(args)-1] != "deploy-guard:test" {
		t.Fatalf("args %q: want run ... IMAGE", args)
	}
	for _, want := range []string{"--rm", "--network host", "--workdir /github/workspace",
		"-v /t/_github_home:/github/home", "-v /t/_github_workflow:/github/workflow",
		"-v /t/_runner_file_commands:/github/file_commands", "-v /r/crm:/github/workspace",
		"-e INPUT_AUTH-URL", "-e HOME", "-e GITHUB_OUTPUT", "-e RUNNER_TEMP"} {
		if !strings.Contains(line, want) {
			t.Errorf("docker %s: lacks %q", line, want)
		}
	}
	if strings.Count(line, "-e INPUT_MODE ") != 1 {
		t.Errorf("docker %s: INPUT_MODE must be named once", line)
	}
	if strings.Count(line, " -v ") != 4 {
		t.Errorf("docker %s: want the four runner mounts", line)
	}
	for i, a := range args {
		if a == "-e" && strings.Contains(args[i+1], "=") {
			t.Errorf("a value on the command line: -e %s", args[i+1])
		}
	}
	if strings.Contains(line, "secret") {
		t.Errorf("an input value reached the command line: %s", line)
	}
}

func TestNewPaths(t *testing.T) {
	set := func(p ...string) map[string]bool {
		m := map[string]bool{}
		for _, x := range p {
			m[x] = true
		}
		return m
	}
	before := set("force-app", "force-app/a.cls", "sfdx-project.json")
	for _, tc := range []struct {
		after []string
		keep  string
		want  []string
	}{
		{after: []string{"force-app", "force-app/a.cls", "sfdx-project.json", "out", "out/report.md"}, keep: "out", want: nil},
		{after: []string{"force-app", "out", "out/r.md", ".sf", ".sf/config.json"}, keep: "out/", want: []string{".sf", ".sf/config.json"}},
		{after: []string{"force-app", "ci", "ci/reports", "ci/reports/r.md", "ci/other"}, keep: "ci/reports", want: []string{"ci/other"}},
		{after: []string{"force-app", "outside"}, keep: "", want: []string{"outside"}},
	} {
		if got := newPaths(before, set(tc.after...), tc.keep); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("newPaths(keep %q) = %q, want %q", tc.keep, got, tc.want)
		}
	}
}

func TestForeignOwned(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".sf"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".sf", "config.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := ForeignOwned(os.Getuid(), dir); len(got) != 0 {
		t.Errorf("owned by us, yet listed: %q", got)
	}
	got := ForeignOwned(os.Getuid()+1, dir)
	if len(got) != 3 || !strings.Contains(strings.Join(got, "\n"), filepath.Join(dir, ".sf", "config.json")) {
		t.Errorf("ForeignOwned = %q: want the folder, .sf and its file", got)
	}
}
