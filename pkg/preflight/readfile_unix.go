//go:build unix

package preflight

import (
	"fmt"
	"syscall"
)

// readFile reads path into buf, growing it as needed, and returns the
// (possibly new) buffer holding the content.
//
// It uses raw system calls because os.Open registers every file with the
// network poller (an extra epoll_ctl call that fails for regular files), and
// it takes a short read as the end of the file, which holds for regular
// files: together that halves the system calls on 50,000 small files.
func readFile(buf []byte, path string) ([]byte, error) {
	fd, err := open(path)
	if err != nil {
		return buf, fmt.Errorf("opening %s: %w", path, err)
	}
	defer syscall.Close(fd)
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		want := cap(buf) - len(buf)
		n, err := read(fd, buf[len(buf):cap(buf)])
		if err != nil {
			return buf, fmt.Errorf("reading %s: %w", path, err)
		}
		buf = buf[:len(buf)+n]
		if n < want {
			return buf, nil
		}
	}
}

func open(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

func read(fd int, p []byte) (int, error) {
	for {
		n, err := syscall.Read(fd, p)
		if err != syscall.EINTR {
			return max(n, 0), err
		}
	}
}
