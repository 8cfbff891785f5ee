package harness

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"gopkg.in/yaml.v3"
)

// RunnerUID is the uid (and gid) of the runner's user on GitHub-hosted
// runners: it owns the host folders the runner mounts into a Docker action.
const RunnerUID = 1001

// Container paths of the runner's mounts (actions/runner
// ContainerActionHandler): the host folders under RUNNER_TEMP and the
// workspace.
const (
	containerHome      = "/github/home"
	containerWorkflow  = "/github/workflow"
	containerFileCmds  = "/github/file_commands"
	containerWorkspace = "/github/workspace"
	// The runner passes RUNNER_TEMP untranslated: it is not mounted.
	containerRunnerTemp = "/home/runner/work/_temp"
)

// ActionDefaults reads action.yml and returns every input with its default,
// as the runner passes them to a Docker action when the workflow does not set
// them. A default that is an expression (`${{ github.token }}`) evaluates to
// the empty string: there is no GitHub job here.
func ActionDefaults(actionYML string) (map[string]string, error) {
	b, err := os.ReadFile(actionYML)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Inputs map[string]struct {
			Default string `yaml:"default"`
		} `yaml:"inputs"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", actionYML, err)
	}
	if len(doc.Inputs) == 0 {
		return nil, fmt.Errorf("%s declares no inputs", actionYML)
	}
	out := make(map[string]string, len(doc.Inputs))
	for name, in := range doc.Inputs {
		if strings.Contains(in.Default, "${{") {
			in.Default = ""
		}
		out[name] = in.Default
	}
	return out, nil
}

// runnerFolders are the host folders the runner mounts into the container.
type runnerFolders struct {
	home, workflow, fileCmds, workspace string
}

func (f runnerFolders) all() []string { return []string{f.home, f.workflow, f.fileCmds, f.workspace} }

// dockerRun is the `docker run` command line the runner uses for a Docker
// action: names only for the environment (`-e NAME`, values come from the
// client's environment, so no input or secret is on the command line), the
// four mounts, the workspace as working directory, and host networking so the
// container reaches the emulator on loopback.
func dockerRun(name, image string, env []string, f runnerFolders) []string {
	args := []string{"run", "--rm", "--name", name, "--label", "deploy-guard-harness",
		"--network", "host", "--workdir", containerWorkspace}
	seen := map[string]bool{}
	names := make([]string, 0, len(env))
	for _, kv := range env {
		n, _, _ := strings.Cut(kv, "=")
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		args = append(args, "-e", n)
	}
	for _, m := range [][2]string{{f.home, containerHome}, {f.workflow, containerWorkflow},
		{f.fileCmds, containerFileCmds}, {f.workspace, containerWorkspace}} {
		args = append(args, "-v", m[0]+":"+m[1])
	}
	return append(args, image)
}

// imageEnv is the environment the runner gives a Docker action, with
// container paths; outFile and sumFile are the names of the file commands.
func imageEnv(outFile, sumFile string) []string {
	return []string{
		"HOME=" + containerHome, "GITHUB_ACTIONS=true", "CI=true",
		"GITHUB_WORKSPACE=" + containerWorkspace,
		"GITHUB_OUTPUT=" + containerFileCmds + "/" + outFile,
		"GITHUB_STEP_SUMMARY=" + containerFileCmds + "/" + sumFile,
		"GITHUB_ENV=" + containerFileCmds + "/set_env_0",
		"GITHUB_PATH=" + containerFileCmds + "/add_path_0",
		"GITHUB_STATE=" + containerFileCmds + "/save_state_0",
		"GITHUB_EVENT_PATH=" + containerWorkflow + "/event.json",
		"GITHUB_EVENT_NAME=push", "GITHUB_JOB=deploy", "GITHUB_ACTION=deploy-guard", "GITHUB_ACTOR=octocat",
		"GITHUB_REF=refs/heads/main", "GITHUB_WORKFLOW=Deploy", "GITHUB_API_URL=https://api.github.com",
		"RUNNER_TEMP=" + containerRunnerTemp, "RUNNER_OS=Linux", "RUNNER_ARCH=X64", "RUNNER_NAME=GitHub Actions 1",
		"RUNNER_WORKSPACE=/home/runner/work/crm", "RUNNER_TOOL_CACHE=/opt/hostedtoolcache",
	}
}

// prepareRunnerFolders creates the runner's host folders under dir, with the
// file-command files and the event payload, and returns them with the names
// of the output and summary files.
func prepareRunnerFolders(dir, workspace string) (f runnerFolders, outFile, sumFile string, err error) {
	temp := filepath.Join(dir, "runner", "_temp")
	f = runnerFolders{home: filepath.Join(temp, "_github_home"), workflow: filepath.Join(temp, "_github_workflow"),
		fileCmds: filepath.Join(temp, "_runner_file_commands"), workspace: workspace}
	for _, d := range f.all() {
		if err = os.MkdirAll(d, 0o755); err != nil {
			return
		}
	}
	id := make([]byte, 16)
	if _, err = rand.Read(id); err != nil {
		return
	}
	uuid := hex.EncodeToString(id)
	outFile, sumFile = "set_output_"+uuid, "step_summary_"+uuid
	for _, n := range []string{outFile, sumFile, "set_env_0", "add_path_0", "save_state_0"} {
		if err = os.WriteFile(filepath.Join(f.fileCmds, n), nil, 0o644); err != nil {
			return
		}
	}
	err = os.WriteFile(filepath.Join(f.workflow, "event.json"), []byte(`{"ref":"refs/heads/main","repository":{"full_name":"acme/crm"}}`+"\n"), 0o644)
	return
}

// runnerUser is the uid that owns the runner's folders in image mode:
// RunnerUID when the harness runs as root (it chowns them), else the caller.
func runnerUser() int {
	if os.Geteuid() == 0 {
		return RunnerUID
	}
	return os.Geteuid()
}

// chownTree gives a tree to uid:gid, as the runner's checkout and temp
// folders belong to the runner's user.
func chownTree(root string, uid int) error {
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
}

// ForeignOwned lists the files and folders under roots that uid does not
// own, as "root-relative path (uid N)": what a later step running as the
// runner's user could not remove or overwrite.
func ForeignOwned(uid int, roots ...string) []string {
	var out []string
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				out = append(out, fmt.Sprintf("%s: %v", p, err))
				return nil
			}
			info, err := os.Lstat(p)
			if err != nil {
				return nil
			}
			if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != uid {
				out = append(out, fmt.Sprintf("%s (uid %d)", p, st.Uid))
			}
			return nil
		})
	}
	return out
}

// listTree returns the slash-separated paths under root, root excluded.
func listTree(root string) (map[string]bool, error) {
	out := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(root, p); rel != "." {
			out[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	return out, err
}

// newPaths lists the paths of after that were not in before and are
// neither keep (a slash-separated folder relative to the same root), nor
// under it, nor one of its parents.
func newPaths(before, after map[string]bool, keep string) []string {
	keep = strings.Trim(filepath.ToSlash(filepath.Clean(keep)), "/")
	var out []string
	for p := range after {
		kept := keep != "" && keep != "." && (p == keep || strings.HasPrefix(p, keep+"/") || strings.HasPrefix(keep, p+"/"))
		if before[p] || kept {
			continue
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
