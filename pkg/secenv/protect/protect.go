// Package protect runs secenv.Protect while the program initialises. main
// imports it; nothing else should.
//
// The first stage, the process that only re-executes, pays a runtime start
// and every package initialisation that ran before Protect. Go initialises,
// among the packages whose imports are all initialised, the one first by
// import path: secenv imports low layers of the standard library only, and
// its path sorts before the module's other packages and before every
// go.opentelemetry.io, golang.org and google.golang.org one, so the first
// stage initialises little more than the standard library. The second stage
// restores the environment here too, before the module's other packages
// initialise. TestProtectRunsBeforeHeavyInits, in the root package, checks
// the order on the built binary.
package protect

import "github.com/org/deploy-guard/pkg/secenv"

var err = secenv.Protect()

// Err is why the environment could not be protected, or nil. After an
// error the process runs on as it was started, and main warns.
func Err() error { return err }
