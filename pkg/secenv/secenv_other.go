//go:build !linux

package secenv

// Protect does nothing outside Linux: the action runs in a Linux container,
// and other systems have no /proc/<pid>/environ.
func Protect() error { return nil }
