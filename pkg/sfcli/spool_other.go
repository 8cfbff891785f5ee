//go:build !linux

package sfcli

import (
	"errors"
	"os"
)

// anonFile has no anonymous memory files to offer outside Linux: spools
// are unlinked temporary files there.
func anonFile(string) (*os.File, error) { return nil, errors.ErrUnsupported }
