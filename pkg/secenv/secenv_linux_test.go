package secenv

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// helperEnv marks the test binary run as the protected process.
const helperEnv = "SECENV_TEST_HELPER"

// TestMain turns the test binary into the protected process when asked: it
// calls Protect (which re-executes it with the handoff alone) and reports
// what a reader of /proc/<pid>/environ and the program itself see.
func TestMain(m *testing.M) {
	_, second := secondStage(os.Environ())
	if os.Getenv(helperEnv) == "" && !second {
		os.Exit(m.Run())
	}
	err := Protect()
	kernel, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", os.Getpid()))
	dumpable, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	comm, _ := os.ReadFile("/proc/self/comm")
	json.NewEncoder(os.Stdout).Encode(report{
		Err: fmt.Sprint(err), Pid: os.Getpid(), Kernel: string(kernel), Secret: os.Getenv("INPUT_ACCESS-TOKEN"), Comm: strings.TrimSpace(string(comm)),
		Handoff: os.Getenv(handoffVar), Dumpable: dumpable, FD: openFDs(),
	})
	os.Exit(0)
}

type report struct {
	Err, Kernel, Secret, Handoff, Comm string
	Pid, Dumpable                      int
	FD                                 []string
}

func openFDs() []string {
	ents, _ := os.ReadDir("/proc/self/fd")
	var out []string
	for _, e := range ents {
		if l, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			out = append(out, l)
		}
	}
	return out
}

func TestProtectHidesTheEnvironmentFromProc(t *testing.T) {
	secret := "00Dxx!AQ_secret*|[<&\\value"
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{helperEnv + "=1", "INPUT_ACCESS-TOKEN=" + secret, "PATH=" + os.Getenv("PATH"),
		"MULTI=line one\nline=two", handoffVar + "=7"} // a stray handoff variable is not trusted
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	var r report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("helper printed %q: %v", out, err)
	}
	if r.Err != "<nil>" {
		t.Fatalf("Protect: %s", r.Err)
	}
	if r.Pid != cmd.Process.Pid {
		t.Errorf("the re-executed process has pid %d, want %d (PID 1 must stay PID 1)", r.Pid, cmd.Process.Pid)
	}
	if strings.Contains(r.Kernel, "secret") || strings.Contains(r.Kernel, "INPUT_") {
		t.Errorf("/proc/<pid>/environ still holds the inputs: %q", r.Kernel)
	}
	if !strings.HasPrefix(r.Kernel, handoffVar+"=") {
		t.Errorf("/proc/<pid>/environ = %q, want only the handoff descriptor", r.Kernel)
	}
	if r.Secret != secret {
		t.Errorf("os.Getenv after Protect = %q, want the input back", r.Secret)
	}
	if r.Handoff != "" {
		t.Errorf("the handoff variable is still set: %q", r.Handoff)
	}
	if r.Dumpable != 0 {
		t.Errorf("PR_GET_DUMPABLE = %d, want 0", r.Dumpable)
	}
	if want := filepath.Base(os.Args[0]); r.Comm != want[:min(len(want), 15)] {
		t.Errorf("the re-executed process is named %q in ps, want %q", r.Comm, want)
	}
	for _, fd := range r.FD {
		if strings.Contains(fd, "memfd:") {
			t.Errorf("the handoff is still open: %v", r.FD)
		}
	}
}

func TestSecondStageNeedsTheHandoffAlone(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		want bool
	}{
		{[]string{handoffVar + "=5"}, true},
		{[]string{handoffVar + "=5", "INPUT_ACCESS-TOKEN=x"}, false},
		{[]string{handoffVar + "=2"}, false},
		{[]string{handoffVar + "=x"}, false},
		{[]string{"PATH=/bin"}, false},
		{nil, false},
	} {
		if _, got := secondStage(tc.env); got != tc.want {
			t.Errorf("secondStage(%q) = %v, want %v", tc.env, got, tc.want)
		}
	}
}
