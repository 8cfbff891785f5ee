package secenv

import (
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// This file imports the standard library's lowest layers only (no fmt, no
// golang.org/x/sys/unix): Protect runs from package protect's
// initialisation, which can start only once these imports are initialised.

// Protect re-executes the process with an empty environment, restores the
// environment from the handoff in the new image, and makes the process
// non-dumpable. It returns only in the second stage (or on an error, after
// which the process runs as it was started). Call it before anything else.
func Protect() error {
	if fd, ok := secondStage(os.Environ()); ok {
		keepName()
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
	var payload []byte
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, handoffVar+"=") {
			continue
		}
		payload = append(append(payload, kv...), 0)
	}
	fd, err := memfdCreate("deploy-guard-env") // no CLOEXEC: it must survive exec
	if err != nil {
		return err
	}
	if err := writeAll(fd, payload); err != nil {
		syscall.Close(fd)
		return err
	}
	if _, err := syscall.Seek(fd, 0, io.SeekStart); err != nil {
		syscall.Close(fd)
		return wrap("rewinding the environment handoff", err)
	}
	// /proc/self/exe works even when the file was replaced since start.
	err = syscall.Exec("/proc/self/exe", os.Args, []string{handoffVar + "=" + strconv.Itoa(fd)})
	syscall.Close(fd)
	return wrap("re-executing without secrets in the environment", err)
}

// memfdSyscall numbers memfd_create per architecture: the syscall package
// lists it for some only.
var memfdSyscall = map[string]uintptr{
	"386": 356, "amd64": 319, "arm": 385, "arm64": 279, "loong64": 279,
	"mips": 4354, "mipsle": 4354, "mips64": 5314, "mips64le": 5314,
	"ppc64": 360, "ppc64le": 360, "riscv64": 279, "s390x": 350,
}

// memfdCreate makes an anonymous memory file, without close-on-exec.
func memfdCreate(name string) (int, error) {
	trap, ok := memfdSyscall[runtime.GOARCH]
	if !ok {
		return -1, wrap("memfd_create", syscall.ENOSYS)
	}
	p, err := syscall.BytePtrFromString(name)
	if err != nil {
		return -1, wrap("memfd_create", err)
	}
	fd, _, errno := syscall.Syscall(trap, uintptr(unsafe.Pointer(p)), 0, 0)
	if errno != 0 {
		return -1, wrap("memfd_create", errno)
	}
	return int(fd), nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err != nil {
			return wrap("writing the environment handoff", err)
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
		return wrap("reading the environment handoff", err)
	}
	for _, kv := range strings.Split(string(data), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			os.Setenv(k, v)
		}
	}
	return nil
}

// keepName gives the re-executed process its own name back: executed as
// /proc/self/exe, it would show as "exe" in ps, top and pgrep.
func keepName() {
	name := os.Args[0]
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if len(name) > 15 { // the kernel keeps 15 bytes
		name = name[:15]
	}
	if p, err := syscall.BytePtrFromString(name); err == nil && name != "" {
		_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_NAME, uintptr(unsafe.Pointer(p)), 0)
	}
}

func undumpable() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0); errno != 0 {
		return wrap("prctl(PR_SET_DUMPABLE)", errno)
	}
	return nil
}

// stepError names the step of the protection that failed.
type stepError struct {
	step string
	err  error
}

func wrap(step string, err error) error { return &stepError{step, err} }
func (e *stepError) Error() string      { return e.step + ": " + e.err.Error() }
func (e *stepError) Unwrap() error      { return e.err }
