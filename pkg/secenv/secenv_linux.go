package secenv

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Protect re-executes the process with an empty environment, restores the
// environment from the handoff in the new image, and makes the process
// non-dumpable. It returns only in the second stage (or on an error, after
// which the process runs as it was started). Call it before anything else.
func Protect() error {
	if fd, ok := secondStage(os.Environ()); ok {
		if err := restore(fd); err != nil {
			return err
		}
		return undumpable()
	}
	if err := reexec(); err != nil {
		// The door is open only where /proc is: still refuse the easy read.
		_ = undumpable()
		return err
	}
	return nil // not reached: Exec replaced the process
}

// secondStage reports whether env is the one reexec builds: the handoff
// variable alone. A workflow that sets DEPLOY_GUARD_ENV_FD itself only makes
// the first stage drop it.
func secondStage(env []string) (int, bool) {
	if len(env) != 1 {
		return 0, false
	}
	v, ok := strings.CutPrefix(env[0], handoffVar+"=")
	if !ok {
		return 0, false
	}
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return 0, false
	}
	return fd, true
}

func reexec() error {
	var payload bytes.Buffer
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, handoffVar+"=") {
			continue
		}
		payload.WriteString(kv)
		payload.WriteByte(0)
	}
	fd, err := unix.MemfdCreate("deploy-guard-env", 0) // no CLOEXEC: it must survive exec
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	if err := writeAll(fd, payload.Bytes()); err != nil {
		unix.Close(fd)
		return err
	}
	if _, err := unix.Seek(fd, 0, io.SeekStart); err != nil {
		unix.Close(fd)
		return err
	}
	// /proc/self/exe works even when the file was replaced since start.
	err = syscall.Exec("/proc/self/exe", os.Args, []string{handoffVar + "=" + strconv.Itoa(fd)})
	unix.Close(fd)
	return fmt.Errorf("re-executing without secrets in the environment: %w", err)
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err != nil {
			return fmt.Errorf("writing the environment handoff: %w", err)
		}
		b = b[n:]
	}
	return nil
}

// restore reads the handoff, closes it before any child can exist and puts
// every variable back into Go's environment (os.Getenv, os.Environ), which
// lives in the heap, not in the kernel's copy at /proc/<pid>/environ.
func restore(fd int) error {
	f := os.NewFile(uintptr(fd), "environment handoff")
	data, err := io.ReadAll(f)
	f.Close()
	os.Unsetenv(handoffVar)
	if err != nil {
		return fmt.Errorf("reading the environment handoff: %w", err)
	}
	for _, kv := range strings.Split(string(data), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			os.Setenv(k, v)
		}
	}
	return nil
}

func undumpable() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_DUMPABLE): %w", err)
	}
	return nil
}
