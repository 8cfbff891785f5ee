package sfcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Default limits of ExecRunner.
const (
	// DefaultWaitDelay is how long the runner waits, once the context is
	// done and sf has been sent SIGTERM, before it kills sf.
	DefaultWaitDelay = 3 * time.Second
	// DefaultMaxStdout caps the captured stdout. A 20,000-component deploy
	// result is about 50 MB; anything far beyond that is not a result, and
	// sf is stopped once it has printed more.
	DefaultMaxStdout = 128 << 20
	// DefaultMaxStderr caps the captured stderr kept for the report.
	DefaultMaxStderr = 1 << 20
)

// ExecRunner runs the real sf executable.
type ExecRunner struct {
	// Bin is the sf executable (a path, or a name looked up in PATH).
	Bin string
	// Env is the complete environment of the child (see ChildEnv).
	Env []string
	// Dir is the default working directory.
	Dir string
	// WaitDelay is how long a cancelled sf has to exit before it is killed.
	WaitDelay time.Duration
	// MaxStdout and MaxStderr cap the captured output.
	MaxStdout, MaxStderr int
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Run implements Runner.
func (r *ExecRunner) Run(ctx context.Context, inv Invocation) (*Output, error) {
	args := withJSON(inv.Args)
	bin := r.Bin
	if bin == "" {
		bin = "sf"
	}
	path, err := lookPath(bin, r.Env)
	if err != nil {
		return nil, fmt.Errorf("%w (looked for %q): install @salesforce/cli or use the deploy-guard image", ErrNotFound, bin)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(append([]string(nil), r.Env...), inv.Env...)
	cmd.Dir = r.Dir
	if inv.Dir != "" {
		cmd.Dir = inv.Dir
	}
	cmd.Stdin = bytes.NewReader(inv.Stdin)
	// sf writes its JSON straight into a file: no pipe to drain and no
	// buffer to grow while a 50 MB result arrives, and it is read back in
	// one piece of exactly its size.
	stdout, err := newSpool(orDefault(r.MaxStdout, DefaultMaxStdout))
	if err != nil {
		return nil, err
	}
	defer stdout.Close()
	stderr, err := newSpool(orDefault(r.MaxStderr, DefaultMaxStderr))
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stdout.File, stderr.File
	// Own process group, so that cancellation reaches Node's children too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return signalGroup(cmd, syscall.SIGTERM) }
	cmd.WaitDelay = r.WaitDelay
	if cmd.WaitDelay == 0 {
		cmd.WaitDelay = DefaultWaitDelay
	}

	now := r.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	stopWatch := watchSize(func() { _ = signalGroup(cmd, syscall.SIGKILL) }, stdout, stderr)
	waitErr := cmd.Wait()
	stopWatch()
	// Whatever sf left behind in its group goes with it.
	_ = signalGroup(cmd, syscall.SIGKILL)
	out := &Output{
		Args:     args,
		Duration: now().Sub(start),
		ExitCode: -1,
	}
	if out.Stdout, out.Truncated, err = stdout.read(); err != nil {
		return nil, err
	}
	if out.Stderr, _, err = stderr.read(); err != nil {
		return nil, err
	}
	if st := cmd.ProcessState; st != nil {
		out.ExitCode = st.ExitCode()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			out.Signal = ws.Signal().String()
			out.ExitCode = 128 + int(ws.Signal())
		}
	}
	if waitErr != nil && !errors.As(waitErr, new(*exec.ExitError)) && !errors.Is(waitErr, exec.ErrWaitDelay) && out.ExitCode == -1 {
		return out, fmt.Errorf("waiting for sf: %w", waitErr)
	}
	if out.Truncated {
		out.ParseErr = fmt.Errorf("%w: sf printed more than %d MB", ErrNoJSON, stdout.max>>20)
	} else {
		out.Envelope, out.ParseErr = ParseEnvelope(out.Stdout)
	}
	return out, nil
}

func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	if cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// lookPath resolves bin against the PATH of the child's environment, so the
// runner finds the same sf the child environment would.
func lookPath(bin string, env []string) (string, error) {
	if strings.ContainsRune(bin, '/') {
		return exec.LookPath(bin)
	}
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			for _, dir := range strings.Split(p, ":") {
				if dir == "" {
					continue
				}
				if found, err := exec.LookPath(dir + "/" + bin); err == nil {
					return found, nil
				}
			}
			return "", exec.ErrNotFound
		}
	}
	return exec.LookPath(bin)
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}
