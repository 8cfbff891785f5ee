package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The re-execution that hides the environment (pkg/secenv/protect) must come
// before the packages that do real work at start-up, or every run pays for
// their initialisation twice. GODEBUG=inittrace=1 makes the runtime print a
// line per initialised package; it reads GODEBUG at start from the kernel's
// copy of the environment, which in the second stage holds only the handoff
// descriptor, so the trace shows the first stage alone.
func TestProtectRunsBeforeHeavyInits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "deploy-guard")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--version")
	cmd.Env = []string{"GODEBUG=inittrace=1", "PATH=" + os.Getenv("PATH")}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("--version: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "deploy-guard ") {
		t.Errorf("--version printed %q: the second stage did not run", stdout.String())
	}
	var inits []string
	for _, line := range strings.Split(stderr.String(), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "init" && strings.HasPrefix(f[2], "@") {
			inits = append(inits, f[1])
		}
	}
	if len(inits) == 0 {
		t.Fatalf("no init trace on stderr: %q", stderr.String())
	}
	heavy := map[string]bool{ // with init work, whatever this module does
		"google.golang.org/grpc":                    true,
		"go.opentelemetry.io/proto/otlp/metrics/v1": true,
		"gopkg.in/yaml%2ev3":                        true,
	}
	var early []string
	for _, p := range inits {
		own, isOwn := strings.CutPrefix(p, "github.com/org/deploy-guard/")
		if heavy[p] || isOwn && own != "pkg/secenv" {
			early = append(early, p)
		}
	}
	if len(early) > 0 {
		t.Errorf("initialised before the re-execution: %v; the first stage ran:\n%s", early, strings.Join(inits, "\n"))
	}
}
