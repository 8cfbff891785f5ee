//go:build !linux

package reaper

// Start does nothing outside Linux, where the action never runs as PID 1.
func Start() (stop func()) { return func() {} }
