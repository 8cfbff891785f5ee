package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	inits := initTrace(t, buildWith(t, nil))
	heavy := map[string]bool{ // with init work, whatever this module does
		"google.golang.org/grpc":                    true,
		"go.opentelemetry.io/proto/otlp/metrics/v1": true,
		"gopkg.in/yaml%2ev3":                        true,
	}
	var early []string
	for _, in := range inits {
		own, isOwn := strings.CutPrefix(in.pkg, module+"/")
		if heavy[in.pkg] || isOwn && own != "pkg/secenv" {
			early = append(early, in.pkg)
		}
	}
	if len(early) > 0 {
		t.Errorf("initialised before the re-execution: %v; the first stage ran:\n%s", early, inits)
	}
}

// Every run initialises every package: what is parsed or compiled at init
// (an embedded registry, a YAML file, a regexp with a bounded repeat) costs
// every run, even those that never use it. Such work belongs in a
// sync.OnceValue. The trace comes from the binary with the re-execution
// left out (an overlay empties package protect), whose one stage shows all.
func TestPackageInitsAreLight(t *testing.T) {
	const maxInitBytes = 64 << 10
	dir := t.TempDir()
	stub := filepath.Join(dir, "protect.go")
	if err := os.WriteFile(stub, []byte("package protect\n\nfunc Err() error { return nil }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	real, err := filepath.Abs("pkg/secenv/protect/protect.go")
	if err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]map[string]string{"Replace": {real: stub}})
	if err := os.WriteFile(filepath.Join(dir, "overlay.json"), overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	inits := initTrace(t, buildWith(t, []string{"-overlay", filepath.Join(dir, "overlay.json")}))
	var own int
	for _, in := range inits {
		if !strings.HasPrefix(in.pkg, module+"/") {
			continue
		}
		own++
		if in.bytes > maxInitBytes {
			t.Errorf("%s allocates %d bytes at init, over %d: make it lazy", in.pkg, in.bytes, maxInitBytes)
		}
	}
	if own == 0 {
		t.Fatalf("no package of %s in the trace: the single-stage build still re-executes?\n%s", module, inits)
	}
}

const module = "github.com/org/deploy-guard"

// buildWith builds the action with extra go build flags.
func buildWith(t *testing.T, flags []string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	return goBuild(t, flags...)
}

// goBuild builds the action into a temporary directory, static and without
// cgo as the Dockerfile builds it, with extra go build flags, and returns
// the binary's path.
func goBuild(tb testing.TB, flags ...string) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "deploy-guard")
	args := append(append([]string{"build"}, flags...), "-o", bin, ".")
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

type pkgInit struct {
	pkg   string
	bytes int
}

type inits []pkgInit

func (is inits) String() string {
	var b strings.Builder
	for _, in := range is {
		b.WriteString(in.pkg + " " + strconv.Itoa(in.bytes) + " bytes\n")
	}
	return b.String()
}

// initTrace runs bin --version with GODEBUG=inittrace=1 and returns the
// packages it initialised, in order, from lines like
// "init pkg @0.5 ms, 0.1 ms clock, 712 bytes, 9 allocs".
func initTrace(t *testing.T, bin string) inits {
	t.Helper()
	cmd := exec.Command(bin, "--version")
	cmd.Env = []string{"GODEBUG=inittrace=1", "PATH=" + os.Getenv("PATH")}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("--version: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "deploy-guard ") {
		t.Errorf("--version printed %q", stdout.String())
	}
	var out inits
	for _, line := range strings.Split(stderr.String(), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || f[0] != "init" || !strings.HasPrefix(f[2], "@") || f[8] != "bytes," {
			continue
		}
		n, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("init trace line %q: %v", line, err)
		}
		out = append(out, pkgInit{f[1], n})
	}
	if len(out) == 0 {
		t.Fatalf("no init trace on stderr: %q", stderr.String())
	}
	return out
}
