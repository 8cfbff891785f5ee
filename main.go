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

// gcPercent is how far the heap may grow past what a collection left live
// before the next one: half, not the default doubling.
const gcPercent = 50

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
	// A large deployment result (tens of megabytes) is read once and stays
	// live (the run's model reads its text in place), and the reports
	// stream to disk. Collecting when the heap has grown by half keeps the
	// peak near 1.5 times what is live: about 65 MB for a 19 MB result,
	// about 130 MB for 50 MB. A fixed soft limit did worse: below the live
	// heap of a 50 MB result, the collector ran without pause. (GOGC in the
	// environment cannot set it: the runtime reads it before secenv
	// restores the environment.)
	debug.SetGCPercent(gcPercent)
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
