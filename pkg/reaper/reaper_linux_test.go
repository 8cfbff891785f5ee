package reaper

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// waitExited blocks until pid has exited, leaving it a zombie.
func waitExited(t *testing.T, pid int) {
	t.Helper()
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatalf("waitid %d: %v", pid, err)
	}
}

// An orphan left by a child (as sf leaves a background process) is reaped;
// a child os/exec still waits for keeps its exit status.
func TestReapOnceTakesOrphansOnly(t *testing.T) {
	// Not Start: its SIGCHLD loop would reap the orphan before the test
	// looks at it.
	if err := subreaper(); err != nil {
		t.Fatal(err)
	}
	var v int32
	if err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&v)), 0, 0, 0); err != nil || v != 1 {
		t.Fatalf("not a child subreaper: %d %v", v, err)
	}
	sh := exec.Command("sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $!")
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := sh.Output()
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	direct := exec.Command("sh", "-c", "exit 7")
	direct.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := direct.Start(); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(orphan, syscall.SIGKILL)
	waitExited(t, orphan) // our child now: we are its subreaper
	waitExited(t, direct.Process.Pid)
	ReapOnce()
	if err := syscall.Kill(orphan, 0); err != syscall.ESRCH {
		t.Errorf("the orphan %d is still in the process table: %v", orphan, err)
	}
	err = direct.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Errorf("os/exec lost its child's exit status: %v", err)
	}
}

func TestStatParsesOddCommandNames(t *testing.T) {
	state, pgrp, ok := stat(os.Getpid())
	if !ok || state != 'R' && state != 'S' || pgrp != syscall.Getpgrp() {
		t.Errorf("stat(self) = %c %d %v, want running, pgrp %d", state, pgrp, ok, syscall.Getpgrp())
	}
}
