// Package harness runs the deploy-guard binary the way the GitHub runner
// runs a container action (inputs as INPUT_<NAME>, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE), with the real sf CLI, against the
// org emulator. The end-to-end tests and the local demo both use it.
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
	"github.com/org/deploy-guard/pkg/orgsim"
)

// Auth methods the harness can give the action.
const (
	AuthAccessToken = "access-token"
	AuthURL         = "auth-url"
)

// Config describes one run.
type Config struct {
	// Binary is the built action; SF the sf executable.
	Binary, SF string
	// Scenario is served by a fresh emulator for this run.
	Scenario *orgsim.Scenario
	// Org, when set, is used instead of starting an emulator (for runs
	// against one org in sequence).
	Org *orgsim.Server
	// Project is copied into a fresh workspace.
	Project string
	// Inputs by input name ("manifest", "test-level"); auth inputs are added.
	Inputs map[string]string
	// Auth is AuthAccessToken (default) or AuthURL (TLS emulator).
	Auth string
	// Env is added to the action's environment.
	Env []string
	// Dir holds the workspace and runner files; a temp dir when empty.
	Dir string
	// Log receives the action's stdout as it runs (optional).
	Log io.Writer
	// Interrupt, when set, is polled every 100ms; when it returns true the
	// action receives SIGTERM, as on a cancelled workflow.
	Interrupt func(org *orgsim.Server) bool
	// Edit may change the workspace before the run (e.g. break a file).
	Edit func(workspace string) error
	// Timeout bounds the run (default 5 minutes).
	Timeout time.Duration
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
	// Interrupted is when SIGTERM was sent (zero if never).
	Interrupted time.Time
}

// Annotation is a workflow command the action printed.
type Annotation struct {
	Level, File, Title, Message string
	Line, Col                   int
}

// Run starts the emulator (unless Config.Org is set), prepares the
// workspace and runs the action to completion.
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
	runner := filepath.Join(dir, "runner")
	if err := os.MkdirAll(runner, 0o755); err != nil {
		return nil, err
	}
	outFile, sumFile := filepath.Join(runner, "output"), filepath.Join(runner, "summary.md")
	for _, f := range []string{outFile, sumFile} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return nil, err
		}
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(runner, "home"),
		"GITHUB_ACTIONS=true", "CI=true",
		"GITHUB_WORKSPACE=" + ws, "GITHUB_OUTPUT=" + outFile, "GITHUB_STEP_SUMMARY=" + sumFile,
		"RUNNER_TEMP=" + runner, "TMPDIR=" + runner,
		"GITHUB_REPOSITORY=acme/crm", "GITHUB_SERVER_URL=https://github.com", "GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
		"GITHUB_RUN_ID=1001", "GITHUB_RUN_ATTEMPT=1", "GITHUB_REF_NAME=main", "GITHUB_WORKFLOW_REF=acme/crm/.github/workflows/deploy.yml@refs/heads/main",
		"DEPLOY_GUARD_SF_BIN=" + cfg.SF,
	}
	inputs := map[string]string{}
	switch cfg.Auth {
	case AuthURL:
		cert, err := org.WriteCert(runner)
		if err != nil {
			return nil, err
		}
		env = append(env, "NODE_EXTRA_CA_CERTS="+cert)
		inputs["auth-url"] = org.AuthURL()
	default:
		inputs["access-token"] = orgsim.AccessToken
		inputs["instance-url"] = org.URL()
	}
	for k, v := range cfg.Inputs {
		inputs[k] = v
	}
	for k, v := range inputs {
		env = append(env, "INPUT_"+strings.ToUpper(k)+"="+v)
	}
	env = append(env, cfg.Env...)
	if err := os.MkdirAll(filepath.Join(runner, "home"), 0o755); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cfg.Binary)
	cmd.Env = env
	cmd.Dir = ws
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
	res := &Result{Workspace: ws, Org: org}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var waitErr error
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case waitErr = <-done:
			break loop
		case <-tick.C:
			if cfg.Interrupt != nil && res.Interrupted.IsZero() && cfg.Interrupt(org) {
				res.Interrupted = time.Now()
				_ = cmd.Process.Signal(syscall.SIGTERM)
			}
		}
	}
	res.Duration = time.Since(start)
	res.Stdout = stdout.String()
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
	case errors.As(waitErr, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	default:
		return res, waitErr
	}
	outs, err := os.ReadFile(outFile)
	if err != nil {
		return res, err
	}
	if res.Outputs, err = ParseOutputFile(outs); err != nil {
		return res, err
	}
	sum, err := os.ReadFile(sumFile)
	if err != nil {
		return res, err
	}
	res.Summary = string(sum)
	res.Annotations = ParseAnnotations(res.Stdout)
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
