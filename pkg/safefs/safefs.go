// Package safefs handles the files a pull request controls: paths given by
// inputs must resolve inside the workspace, project files are read as
// regular files of bounded size, and the action's artifacts are created
// fresh inside their directory, never through a link a pull request planted.
package safefs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// OutsideError says a path resolves outside the root it must stay in.
type OutsideError struct {
	Path, Resolved, Root string
}

func (e *OutsideError) Error() string {
	if e.Resolved != filepath.Clean(e.Path) {
		return fmt.Sprintf("%s resolves to %s, outside the workspace %s", e.Path, e.Resolved, e.Root)
	}
	return fmt.Sprintf("%s is outside the workspace %s", e.Path, e.Root)
}

// Within resolves p (relative to base, or absolute) after symbolic links,
// as the kernel would when opening it, and returns the resolved path if it
// is root or inside root. A path that does not exist yet is resolved
// through its deepest existing parent.
func Within(root, base, p string) (string, error) {
	rootR, err := resolve(root)
	if err != nil {
		return "", err
	}
	full := p
	if !filepath.IsAbs(p) {
		// Not filepath.Join: "link/.." must leave the link's target, as the
		// kernel does, not be cleaned away before the link is read.
		full = base + string(filepath.Separator) + p
	}
	got, err := resolve(full)
	if err != nil {
		return "", err
	}
	if !inside(rootR, got) {
		return "", &OutsideError{Path: p, Resolved: got, Root: rootR}
	}
	return got, nil
}

func resolve(p string) (string, error) {
	got, err := filepath.EvalSymlinks(p)
	if err == nil {
		return filepath.Abs(got)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if _, lerr := os.Lstat(p); lerr == nil {
		return "", fmt.Errorf("%s is a symbolic link to a missing target", p)
	}
	dir, name := filepath.Split(strings.TrimRight(p, string(filepath.Separator)))
	if name == "" || name == "." || name == ".." || dir == "" {
		return "", err
	}
	parent, perr := resolve(dir)
	if perr != nil {
		return "", perr
	}
	return filepath.Join(parent, name), nil
}

func inside(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// Errors of ReadFile, for callers that explain them.
var (
	ErrSymlink    = errors.New("is a symbolic link; commit the file itself")
	ErrNotRegular = errors.New("is not a regular file")
	ErrTooLarge   = errors.New("is too large")
)

// ReadFile reads a regular file of at most limit bytes. It does not follow
// a symbolic link at path, does not block on a FIFO or a device, and never
// reads more than limit+1 bytes, whatever the file claims to be.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s %w", path, ErrSymlink)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s %w (%s)", path, ErrNotRegular, st.Mode().Type())
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s %w: %d bytes, the limit is %d", path, ErrTooLarge, st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s %w: more than %d bytes", path, ErrTooLarge, limit)
	}
	return data, nil
}
