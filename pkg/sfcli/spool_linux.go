package sfcli

import (
	"os"

	"golang.org/x/sys/unix"
)

// anonFile creates an anonymous memory file (memfd): unlike a temporary
// file, it costs no inode on the runner's disk for every sf call.
func anonFile(name string) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}
