// Command testtimes reads `go test -json` on stdin and prints what `go test`
// prints without -v (the output of failed tests, build errors, one line per
// package), then the time of each test of the packages named by -times, the
// slowest first. `make test` runs the suite through it so CI logs show
// where the end-to-end suite spends its time.
//
// It exits 1 when a test, a package or a build failed.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"time"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Elapsed    float64
	Output     string
	ImportPath string
}

type timing struct {
	pkg, test, result string
	elapsed           time.Duration
}

func main() {
	times := flag.String("times", "/e2e$", "regular expression: the packages whose per-test times are printed")
	flag.Parse()
	re, err := regexp.Compile(*times)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testtimes: -times:", err)
		os.Exit(2)
	}
	failed, err := run(os.Stdin, os.Stdout, re)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testtimes:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// run copies the summary of the events in r to w and reports whether
// anything failed.
func run(r io.Reader, w io.Writer, times *regexp.Regexp) (failed bool, err error) {
	out := map[string][]string{} // package + "\x00" + test → its output so far
	var timings []timing
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil || e.Action == "" {
			fmt.Fprintf(w, "%s\n", line) // not an event: go test's own message
			continue
		}
		key := e.Package + "\x00" + e.Test
		switch e.Action {
		case "build-output":
			fmt.Fprint(w, e.Output)
		case "build-fail":
			failed = true
		case "output":
			out[key] = append(out[key], e.Output)
		case "pass", "fail", "skip":
			if e.Action == "fail" {
				failed = true
				for _, s := range out[key] {
					fmt.Fprint(w, s)
				}
			}
			if e.Test == "" {
				if e.Action != "fail" {
					fmt.Fprintf(w, "%-4s\t%s\t%.3fs\n", map[string]string{"pass": "ok", "skip": "?"}[e.Action], e.Package, e.Elapsed)
				}
			} else if times.MatchString(e.Package) {
				timings = append(timings, timing{e.Package, e.Test, e.Action, time.Duration(e.Elapsed * float64(time.Second))})
			}
			delete(out, key)
		}
	}
	if err := sc.Err(); err != nil {
		return true, err
	}
	if len(timings) > 0 {
		sort.SliceStable(timings, func(i, j int) bool { return timings[i].elapsed > timings[j].elapsed })
		fmt.Fprintf(w, "\nper-test times (packages matching %s), slowest first:\n", times)
		for _, t := range timings {
			fmt.Fprintf(w, "%8.1fs  %-4s  %s %s\n", t.elapsed.Seconds(), t.result, t.pkg, t.test)
		}
	}
	return failed, nil
}
