// Command deploy-guard is the entrypoint of the deploy-guard GitHub Action:
// it wires the real environment, process runner, clock and HTTP client and
// hands over to app.Run. All behaviour lives in pkg/.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/org/deploy-guard/pkg/app"
	"github.com/org/deploy-guard/pkg/reaper"
	"github.com/org/deploy-guard/pkg/secenv/protect"
)

// softMemoryLimit is the heap size past which the collector runs eagerly.
const softMemoryLimit = 64 << 20

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println("deploy-guard", app.Version)
		return
	}
	// The runner's secrets left /proc/<pid>/environ while the program
	// initialised (re-executes in place; see secenv and its protect package).
	if err := protect.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "deploy-guard: warning:", err)
	}
	// As PID 1 in the image, wait for the orphans sf leaves behind.
	stopReaping := reaper.Start()
	// A large deployment result (tens of megabytes) is read once and the
	// reports stream to disk; a soft heap limit makes the collector return
	// the garbage of each step before the heap doubles. It never fails a
	// run: past the limit the collector only works harder. (GOMEMLIMIT in
	// the environment cannot set it: the runtime reads it before secenv
	// restores the environment.)
	debug.SetMemoryLimit(softMemoryLimit)
	// A cancelled workflow sends SIGINT, then SIGTERM; both cancel the run,
	// which stops retries, cancels the in-flight job and writes the outcome.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := app.Run(ctx, app.Deps{
		Getenv:  os.Getenv,
		Environ: os.Environ,
		Stdout:  os.Stdout,
		Now:     time.Now,
		HTTP:    &http.Client{Timeout: 30 * time.Second},
	})
	stop()
	stopReaping()
	os.Exit(code)
}
