// Package harness runs the deploy-guard binary the way the GitHub runner
// runs a container action (inputs as INPUT_<NAME>, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE), with the real sf CLI, against the
// org emulator. The end-to-end tests and the local demo both use it. In image
// mode (Config.Image) it runs the action's image with `docker run` exactly as
// the runner starts a Docker action, and reports what the run left behind.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/org/deploy-guard/pkg/actions/actionstest"
	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/orgsim"
)

// Auth methods the harness can give the action.
const (
	AuthAccessToken = "access-token"
	AuthURL         = "auth-url"
	// AuthNone gives no credentials: the action uses an org sf already
	// knows (target-org mode, after a login step).
	AuthNone = "none"
)

// Config describes one run.
type Config struct {
	// Binary is the built action; SF the sf executable; SGD the
	// sfdx-git-delta wrapper (for delta deployments; optional).
	Binary, SF, SGD string
	// Scenario is served by a fresh emulator for this run.
	Scenario *orgsim.Scenario
	// Org, when set, is used instead of starting an emulator (for runs
	// against one org in sequence).
	Org *orgsim.Server
	// Project is copied into a fresh workspace.
	Project string
	// Inputs by input name ("manifest", "test-level"); auth inputs are added.
	Inputs map[string]string
	// Auth is AuthAccessToken (default), AuthURL (TLS emulator) or
	// AuthNone.
	Auth string
	// Env is added to the action's environment.
	Env []string
	// Dir holds the workspace and runner files; a temp dir when empty.
	Dir string
	// Log receives the action's stdout as it runs (optional).
	Log io.Writer
	// Interrupt, when set, is polled every 100ms; when it returns true the
	// action receives Signal (default SIGTERM; image mode: the runner's
	// SIGINT, then SIGTERM 7.5 s later, sent to `docker run`), as on a
	// cancelled workflow.
	Interrupt func(org *orgsim.Server) bool
	Signal    syscall.Signal
	// Edit may change the workspace before the run (e.g. break a file).
	Edit func(workspace string) error
	// Timeout bounds the run (default 5 minutes).
	Timeout time.Duration
	// Image, when set, runs this image instead of Binary, the way the runner
	// runs a Docker action: `docker run` with every input of ActionYML (its
	// default unless Inputs sets it), the runner's GITHUB_*/RUNNER_*
	// variables, the four mounts owned by the runner's user (RunnerUID), and
	// SIGINT then SIGTERM on Interrupt. It needs root (to chown the mounts)
	// and an engine (DOCKER_HOST); the client is DEPLOY_GUARD_DOCKER or
	// docker. Binary and SF are not used.
	Image string
	// ActionYML is the action's metadata, for image mode.
	ActionYML string
}

// Result is what the run left behind.
type Result struct {
	ExitCode    int
	Stdout      string
	Outputs     map[string]string
	Summary     string
	Workspace   string
	Org         *orgsim.Server
	Annotations []Annotation
	Duration    time.Duration
	// Interrupted is when the first signal was sent (zero if never); Exited
	// is when the action's process ended.
	Interrupted, Exited time.Time
	// NewInWorkspace lists the paths the run added to the workspace outside
	// the artifacts folder: a later step would find them there.
	NewInWorkspace []string
	// ForeignOwned lists what, in the runner's folders, the runner's user
	// does not own after an image run (a later step could not remove it).
	ForeignOwned []string
}

// Annotation is a workflow command the action printed.
type Annotation struct {
	Level, File, Title, Message string
	Line, Col                   int
}

// Run starts the emulator (unless Config.Org is set), prepares the
// workspace and runs the action to completion: the built binary directly, or
// the image with `docker run` when Config.Image is set.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Minute
	}
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "deploy-guard-run-")
		if err != nil {
			return nil, err
		}
		dir = d
	}
	org := cfg.Org
	if org == nil {
		var err error
		org, err = orgsim.Start(cfg.Scenario, orgsim.Options{TLS: cfg.Auth == AuthURL})
		if err != nil {
			return nil, err
		}
		defer org.Close()
	}
	ws := filepath.Join(dir, "workspace")
	if err := CopyTree(cfg.Project, ws); err != nil {
		return nil, err
	}
	if cfg.Edit != nil {
		if err := cfg.Edit(ws); err != nil {
			return nil, err
		}
	}
	before, err := listTree(ws)
	if err != nil {
		return nil, err
	}
	inputs := map[string]string{}
	if cfg.Image != "" {
		if inputs, err = ActionDefaults(cfg.ActionYML); err != nil {
			return nil, fmt.Errorf("image mode needs action.yml for the inputs' defaults: %w", err)
		}
	}
	var p *prepared
	if cfg.Image != "" {
		p, err = prepareImage(cfg, dir, ws)
	} else {
		p, err = prepareBinary(cfg, dir, ws)
	}
	if err != nil {
		return nil, err
	}
	switch cfg.Auth {
	case AuthNone:
	case AuthURL:
		cert, err := org.WriteCert(p.certDir)
		if err != nil {
			return nil, err
		}
		p.env = append(p.env, "NODE_EXTRA_CA_CERTS="+p.certPath(cert))
		inputs["auth-url"] = org.AuthURL()
	default:
		inputs["access-token"] = orgsim.AccessToken
		inputs["instance-url"] = org.URL()
	}
	for k, v := range cfg.Inputs {
		inputs[k] = v
	}
	for k, v := range inputs {
		p.env = append(p.env, "INPUT_"+strings.ToUpper(k)+"="+v)
	}
	p.env = append(p.env, cfg.Env...)

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var cmd *exec.Cmd
	if cfg.Image != "" {
		// The runner's user owns the host folders; the container runs as
		// root. Giving them to RunnerUID needs root; otherwise (a hosted
		// runner, already uid 1001) they stay the caller's.
		if os.Geteuid() == 0 {
			for _, d := range p.folders.all() {
				if err := chownTree(d, RunnerUID); err != nil {
					return nil, err
				}
			}
		}
		name := "deploy-guard-" + filepath.Base(dir) + "-" + strings.TrimPrefix(p.outFile, "set_output_")[:8]
		cmd = exec.CommandContext(ctx, dockerBinary(), dockerRun(name, cfg.Image, p.env, p.folders)...)
		// Values reach the container from the client's environment only.
		cmd.Env = append(os.Environ(), p.env...)
		defer func() {
			// A client killed on timeout leaves its container running.
			_ = exec.Command(dockerBinary(), "rm", "-f", name).Run()
		}()
	} else {
		cmd = exec.CommandContext(ctx, cfg.Binary)
		cmd.Env = p.env
		cmd.Dir = ws
	}
	res, err := execute(cmd, cfg, org, cfg.Image != "")
	if res != nil {
		res.Workspace = ws
	}
	if err != nil {
		return res, err
	}
	outs, err := os.ReadFile(p.outPath())
	if err != nil {
		return res, err
	}
	if res.Outputs, err = ParseOutputFile(outs); err != nil {
		return res, err
	}
	sum, err := os.ReadFile(p.sumPath())
	if err != nil {
		return res, err
	}
	res.Summary = string(sum)
	res.Annotations = ParseAnnotations(res.Stdout)
	after, err := listTree(ws)
	if err != nil {
		return res, err
	}
	artifacts := inputs["artifacts-dir"]
	if artifacts == "" {
		artifacts = config.Defaults["artifacts-dir"]
	}
	res.NewInWorkspace = newPaths(before, after, artifacts)
	if cfg.Image != "" {
		res.ForeignOwned = ForeignOwned(runnerUser(), p.folders.all()...)
	}
	return res, nil
}

// prepared is a run's environment and runner files, for either mode.
type prepared struct {
	env              []string
	folders          runnerFolders
	outFile, sumFile string // names in folders.fileCmds
	certDir          string // where the TLS emulator's certificate goes
	// certPath maps the certificate's host path to the action's view.
	certPath func(string) string
}

func (p *prepared) outPath() string { return filepath.Join(p.folders.fileCmds, p.outFile) }
func (p *prepared) sumPath() string { return filepath.Join(p.folders.fileCmds, p.sumFile) }

func prepareBinary(cfg Config, dir, ws string) (*prepared, error) {
	runner := filepath.Join(dir, "runner")
	p := &prepared{folders: runnerFolders{home: filepath.Join(runner, "home"), fileCmds: runner, workspace: ws},
		outFile: "output", sumFile: "summary.md", certDir: runner, certPath: func(s string) string { return s }}
	if err := os.MkdirAll(p.folders.home, 0o755); err != nil {
		return nil, err
	}
	for _, f := range []string{p.outPath(), p.sumPath()} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return nil, err
		}
	}
	p.env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + p.folders.home,
		"GITHUB_ACTIONS=true", "CI=true",
		"GITHUB_WORKSPACE=" + ws, "GITHUB_OUTPUT=" + p.outPath(), "GITHUB_STEP_SUMMARY=" + p.sumPath(),
		"RUNNER_TEMP=" + runner, "TMPDIR=" + runner,
		"DEPLOY_GUARD_SF_BIN=" + cfg.SF,
	}, repoEnv...)
	if cfg.SGD != "" {
		p.env = append(p.env, "DEPLOY_GUARD_SGD_BIN="+cfg.SGD)
	}
	return p, nil
}

func prepareImage(cfg Config, dir, ws string) (*prepared, error) {
	folders, outFile, sumFile, err := prepareRunnerFolders(dir, ws)
	if err != nil {
		return nil, err
	}
	// An earlier step may leave files in the shared home, as a workflow
	// would for a private CA: the emulator's certificate goes there.
	p := &prepared{folders: folders, outFile: outFile, sumFile: sumFile, certDir: folders.home,
		certPath: func(s string) string { return containerHome + "/" + filepath.Base(s) }}
	p.env = append(imageEnv(outFile, sumFile), repoEnv...)
	return p, nil
}

// repoEnv describes the repository and run, in both modes.
var repoEnv = []string{
	"GITHUB_REPOSITORY=acme/crm", "GITHUB_SERVER_URL=https://github.com", "GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
	"GITHUB_RUN_ID=1001", "GITHUB_RUN_ATTEMPT=1", "GITHUB_REF_NAME=main", "GITHUB_WORKFLOW_REF=acme/crm/.github/workflows/deploy.yml@refs/heads/main",
}

// dockerBinary is the Docker client: DEPLOY_GUARD_DOCKER or docker on PATH.
func dockerBinary() string {
	if d := os.Getenv("DEPLOY_GUARD_DOCKER"); d != "" {
		return d
	}
	return "docker"
}

// The runner's cancel sequence (actions/runner ProcessInvoker): SIGINT,
// SIGTERM 7.5 s later, then a kill 2.5 s after that.
const (
	cancelTermAfter = 7500 * time.Millisecond
	cancelKillAfter = 2500 * time.Millisecond
)

// execute runs cmd to completion, interrupting it when cfg.Interrupt says
// so: with SIGTERM (binary), or with the runner's SIGINT, SIGTERM, kill
// sequence sent to the `docker run` client (image).
func execute(cmd *exec.Cmd, cfg Config, org *orgsim.Server, runnerSignals bool) (*Result, error) {
	var stdout bytes.Buffer
	if cfg.Log != nil {
		cmd.Stdout = io.MultiWriter(&stdout, cfg.Log)
	} else {
		cmd.Stdout = &stdout
	}
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	res := &Result{Org: org}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var waitErr error
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	termSent, killSent := false, false
loop:
	for {
		select {
		case waitErr = <-done:
			break loop
		case <-tick.C:
			if cfg.Interrupt != nil && res.Interrupted.IsZero() && cfg.Interrupt(org) {
				res.Interrupted = time.Now()
				switch {
				case runnerSignals:
					_ = cmd.Process.Signal(syscall.SIGINT)
				case cfg.Signal != 0:
					_ = cmd.Process.Signal(cfg.Signal)
				default:
					_ = cmd.Process.Signal(syscall.SIGTERM)
				}
				continue
			}
			if !runnerSignals || res.Interrupted.IsZero() {
				continue
			}
			since := time.Since(res.Interrupted)
			if !termSent && since >= cancelTermAfter {
				termSent = true
				_ = cmd.Process.Signal(syscall.SIGTERM)
			}
			if !killSent && since >= cancelTermAfter+cancelKillAfter {
				killSent = true
				_ = cmd.Process.Kill()
			}
		}
	}
	res.Duration = time.Since(start)
	res.Exited = time.Now()
	res.Stdout = stdout.String()
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
	case errors.As(waitErr, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	default:
		return res, waitErr
	}
	return res, nil
}

// ParseOutputFile reads a GITHUB_OUTPUT file the way the runner does:
// `name=value` lines and `name<<DELIMITER` heredocs.
func ParseOutputFile(data []byte) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			j := i + 1
			for ; j < len(lines) && lines[j] != delim; j++ {
				val = append(val, lines[j])
			}
			if j == len(lines) {
				return out, fmt.Errorf("output %q: delimiter %q not found", name, delim)
			}
			out[name] = strings.Join(val, "\n")
			i = j
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			return out, fmt.Errorf("invalid output line %q", line)
		}
		out[name] = val
	}
	return out, nil
}

// ParseAnnotations returns the ::error/::warning/::notice commands the
// runner executes for stdout (see actionstest.Replay): what a workflow run
// would show as annotations, forged ones included.
func ParseAnnotations(stdout string) []Annotation {
	var out []Annotation
	for _, c := range actionstest.Replay(stdout) {
		level := strings.ToLower(c.Name)
		if level != "error" && level != "warning" && level != "notice" {
			continue
		}
		a := Annotation{Level: level, File: c.Props["file"], Title: c.Props["title"], Message: c.Data}
		a.Line, _ = strconv.Atoi(c.Props["line"])
		a.Col, _ = strconv.Atoi(c.Props["col"])
		out = append(out, a)
	}
	return out
}

// CopyTree copies a directory tree (regular files and directories).
func CopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// FindSF locates the pinned CLI installed by scripts/install-sf.sh under
// root, or the one named by DEPLOY_GUARD_E2E_SF.
func FindSF(root string) (string, error) {
	if p := os.Getenv("DEPLOY_GUARD_E2E_SF"); p != "" {
		return p, nil
	}
	p := filepath.Join(root, ".cache", "sf", "node_modules", ".bin", "sf")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("the pinned Salesforce CLI is not installed at %s: run `make sf` (scripts/install-sf.sh)", p)
	}
	return p, nil
}

// FindSGD locates the sfdx-git-delta wrapper that scripts/install-sf.sh
// installs beside the CLI, or the one named by DEPLOY_GUARD_E2E_SGD.
func FindSGD(root string) (string, error) {
	if p := os.Getenv("DEPLOY_GUARD_E2E_SGD"); p != "" {
		return p, nil
	}
	p := filepath.Join(root, ".cache", "sf", "sgd", "bin", "sgd")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("sfdx-git-delta is not installed at %s: run `make sf` (scripts/install-sf.sh)", p)
	}
	return filepath.Abs(p)
}

// Build compiles the action binary from the module root into dir.
func Build(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "deploy-guard")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}
