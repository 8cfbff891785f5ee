// Command demo runs deploy-guard locally against the bundled Salesforce org
// emulator and the real sf CLI, on the sample project under testdata/: no
// real org needed. `make demo` builds everything and runs it.
//
// The default scenario shows a recovery: the first deploy hits a row lock
// and is retried, a flaky test fails, passes when re-run alone, and the
// redeploy succeeds.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/org/deploy-guard/pkg/harness"
	"github.com/org/deploy-guard/pkg/orgsim"
)

func main() {
	var o options
	flag.StringVar(&o.scenario, "scenario", "demo", "emulator scenario (see testdata/scenarios; -list shows them)")
	flag.StringVar(&o.scenarios, "scenarios", "testdata/scenarios", "scenario directory")
	flag.StringVar(&o.project, "project", "testdata/project", "Salesforce DX project to deploy")
	flag.StringVar(&o.bin, "bin", "", "deploy-guard binary (built from . when empty)")
	flag.StringVar(&o.sf, "sf", "", "sf executable (default: the pinned CLI in .cache/sf)")
	flag.StringVar(&o.out, "out", "demo-out", "where the step summary, outputs and artifacts are written")
	flag.StringVar(&o.testLevel, "test-level", "RunLocalTests", "test-level input")
	flag.StringVar(&o.extra, "inputs", "", "extra inputs, comma-separated name=value pairs (e.g. fallback=phased,max-attempts=2)")
	flag.BoolVar(&o.list, "list", false, "list scenarios and exit")
	flag.Parse()
	code, err := run(o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

type options struct {
	scenario, scenarios, project, bin, sf, out, testLevel, extra string
	list                                                         bool
}

func run(o options, w io.Writer) (int, error) {
	if o.list {
		names, err := orgsim.ListScenarios(o.scenarios)
		for _, n := range names {
			sc, _ := orgsim.LoadScenario(o.scenarios, n)
			fmt.Fprintf(w, "%-22s %s\n", n, strings.TrimSpace(sc.Description))
		}
		return 0, err
	}
	sc, err := orgsim.LoadScenario(o.scenarios, o.scenario)
	if err != nil {
		return 0, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.sf == "" {
		if o.sf, err = harness.FindSF("."); err != nil {
			return 0, err
		}
	}
	if o.bin == "" {
		dir, err := os.MkdirTemp("", "deploy-guard-demo-bin-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		if o.bin, err = harness.Build(ctx, ".", dir); err != nil {
			return 0, err
		}
	}
	for _, p := range []*string{&o.bin, &o.sf, &o.out, &o.project} {
		if *p, err = filepath.Abs(*p); err != nil {
			return 0, err
		}
	}
	inputs := map[string]string{
		"manifest": "manifest/package.xml", "test-level": o.testLevel,
		"retry-delay": "2s", "max-retry-delay": "10s", "wait": "10",
	}
	for _, kv := range strings.Split(o.extra, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			inputs[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	work, err := os.MkdirTemp("", "deploy-guard-demo-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)

	fmt.Fprintf(w, "deploy-guard demo: scenario %q: %s\n", sc.Name, strings.TrimSpace(sc.Description))
	fmt.Fprintf(w, "the real sf CLI talks to the org emulator on loopback; inputs: %s\n\n", formatInputs(inputs))
	res, err := harness.Run(ctx, harness.Config{
		Binary: o.bin, SF: o.sf, Scenario: sc, Project: o.project, Inputs: inputs, Dir: work, Log: w,
	})
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return 0, err
	}
	sum := filepath.Join(o.out, "summary.md")
	if err := os.WriteFile(sum, []byte(res.Summary), 0o644); err != nil {
		return 0, err
	}
	arts := filepath.Join(o.out, "artifacts")
	os.RemoveAll(arts)
	if src := filepath.Join(res.Workspace, "deploy-guard-artifacts"); exists(src) {
		if err := harness.CopyTree(src, arts); err != nil {
			return 0, err
		}
	}

	fmt.Fprintf(w, "\n=== annotations (%d) ===\n", len(res.Annotations))
	for _, a := range res.Annotations {
		loc := a.File
		if a.Line > 0 {
			loc = fmt.Sprintf("%s:%d", loc, a.Line)
		}
		if loc != "" {
			loc = " " + loc
		}
		fmt.Fprintf(w, "%-7s%s  %s: %s\n", a.Level, loc, a.Title, firstLine(a.Message))
	}
	fmt.Fprintf(w, "\n=== the org saw ===\n%d deploy call(s), %d status poll(s), %d test run(s), %d cancel(s)\n",
		res.Org.Count("soap:deploy")+res.Org.Count("soap:deployRecentValidation"), res.Org.Count("soap:checkDeployStatus"),
		res.Org.Count("tooling:runTestsAsynchronous"), res.Org.Count("soap:cancelDeploy"))
	fmt.Fprintf(w, "\n=== step summary ===\n%s (%d bytes)\n", rel(sum), len(res.Summary))
	if exists(arts) {
		fmt.Fprintf(w, "artifacts: %s\n", rel(arts))
	}
	fmt.Fprintf(w, "\n=== outputs ===\n")
	var names []string
	for k := range res.Outputs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "%-22s %s\n", k, firstLine(res.Outputs[k]))
	}
	fmt.Fprintf(w, "\nexit code %d after %s\n", res.ExitCode, res.Duration.Round(100*1e6))
	return res.ExitCode, nil
}

func formatInputs(m map[string]string) string {
	var kv []string
	for k, v := range m {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return strings.Join(kv, " ")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func rel(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return p
}
