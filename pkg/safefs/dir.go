package safefs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// Owner is who gets the files the action creates (the workspace's owner:
// the container runs as root, the runner's later steps do not).
type Owner struct{ UID, GID int }

// OwnerOf returns the owner of dir when it differs from this process's
// effective user or group, nil otherwise (nothing to give away).
func OwnerOf(dir string) *Owner {
	st, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || (int(sys.Uid) == os.Geteuid() && int(sys.Gid) == os.Getegid()) {
		return nil
	}
	return &Owner{UID: int(sys.Uid), GID: int(sys.Gid)}
}

// Dir is a directory the action writes into (artifacts-dir), resolved
// inside the workspace beforehand (Within). It is created on the first
// write. Every file is created fresh through an os.Root, so no symbolic link
// can lead a write outside the directory: an entry already at the file's
// name (a link or a file planted by a pull request) is removed and the file
// is created with O_EXCL|O_NOFOLLOW. Only what Dir creates is given to the
// owner, through the new file's descriptor.
type Dir struct {
	path  string
	owner *Owner

	mu   sync.Mutex
	root *os.Root
}

// NewDir returns a Dir for path (absolute, resolved); owner may be nil.
func NewDir(path string, owner *Owner) *Dir { return &Dir{path: path, owner: owner} }

// Path is the directory's path.
func (d *Dir) Path() string { return d.path }

// Create creates name (slash-separated, relative to the directory) for
// writing and returns it with its path. The caller closes it.
func (d *Dir) Create(name string) (*os.File, string, error) {
	clean := path.Clean("/" + name)[1:]
	if clean == "" || clean != name {
		return nil, "", fmt.Errorf("artifact name %q is not a plain relative path", name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.open(); err != nil {
		return nil, "", err
	}
	parts := strings.Split(name, "/")
	for i := 1; i < len(parts); i++ {
		if err := d.mkdir(strings.Join(parts[:i], "/")); err != nil {
			return nil, "", err
		}
	}
	if err := d.clear(name); err != nil {
		return nil, "", err
	}
	f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, "", err
	}
	if d.owner != nil {
		if err := f.Chown(d.owner.UID, d.owner.GID); err != nil {
			f.Close()
			return nil, "", err
		}
	}
	return f, filepath.Join(d.path, filepath.FromSlash(name)), nil
}

// WriteFile creates name with data and returns its path.
func (d *Dir) WriteFile(name string, data []byte) (string, error) {
	f, p, err := d.Create(name)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return p, err
}

// open creates the directory and its missing parents (given to the owner)
// and opens it as a root.
func (d *Dir) open() error {
	if d.root != nil {
		return nil
	}
	var missing []string
	for p := d.path; ; p = filepath.Dir(p) {
		st, err := os.Lstat(p)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s is not a directory", p)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || filepath.Dir(p) == p {
			return err
		}
		missing = append(missing, p)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil {
			return err
		}
		if d.owner != nil {
			if err := os.Lchown(missing[i], d.owner.UID, d.owner.GID); err != nil {
				return err
			}
		}
	}
	root, err := os.OpenRoot(d.path)
	if err != nil {
		return err
	}
	d.root = root
	return nil
}

// mkdir makes sure name is a real directory made or kept inside the root:
// a link or a file in its place is removed.
func (d *Dir) mkdir(name string) error {
	st, err := d.root.Lstat(name)
	if err == nil && st.IsDir() {
		return nil
	}
	if err == nil {
		if err := d.root.Remove(name); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := d.root.Mkdir(name, 0o755); err != nil {
		return err
	}
	if d.owner != nil {
		return d.root.Lchown(name, d.owner.UID, d.owner.GID)
	}
	return nil
}

// clear removes whatever is at name: a file, a link, a directory.
func (d *Dir) clear(name string) error {
	st, err := d.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.IsDir() {
		return d.root.RemoveAll(name)
	}
	return d.root.Remove(name)
}

// Close releases the directory.
func (d *Dir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.root == nil {
		return nil
	}
	err := d.root.Close()
	d.root = nil
	return err
}

// Fresh makes name (a slash-separated path inside the directory) a new,
// empty real directory for another program to write into (sfdx-git-delta's
// output): whatever is at its place, a link a pull request committed
// included, is removed, and every directory on the way is made or kept
// inside the root, never through a link, and given to the owner. It
// returns the directory's path.
func (d *Dir) Fresh(name string) (string, error) {
	clean := path.Clean("/" + name)[1:]
	if clean == "" || clean != name {
		return "", fmt.Errorf("directory name %q is not a plain relative path", name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.open(); err != nil {
		return "", err
	}
	parts := strings.Split(name, "/")
	for i := 1; i < len(parts); i++ {
		if err := d.mkdir(strings.Join(parts[:i], "/")); err != nil {
			return "", err
		}
	}
	if err := d.clear(name); err != nil {
		return "", err
	}
	if err := d.mkdir(name); err != nil {
		return "", err
	}
	return filepath.Join(d.path, filepath.FromSlash(name)), nil
}

// GiveAway gives what this process's user owns under name (what the
// action or the programs it ran wrote) to the owner, without following any
// link (a link itself is given, not its target); entries of other users
// stay theirs, and a missing name is nothing to give. It does nothing
// without an owner.
func (d *Dir) GiveAway(name string) error {
	if d.owner == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.open(); err != nil {
		return err
	}
	err := fs.WalkDir(d.root.FS(), name, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := d.root.Lstat(p)
		if err != nil {
			return err
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Geteuid() {
			return nil
		}
		return d.root.Lchown(p, d.owner.UID, d.owner.GID)
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
