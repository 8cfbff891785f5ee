package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/report/pipeline"
)

// largeSF is a stand-in sf for a deployment that fails with a very large
// result: the async submit answers a queued job, and every poll of that job
// prints the document at BIG_RESULT (the action passes sf only an allowlist
// of variables, so the path is written into the script) and exits 1, as the
// CLI does for a failed deployment.
const largeSF = `#!/bin/sh
case "$2 $3" in
  "login sfdx-url") cat >/dev/null; echo '{"status":0,"result":{"username":"ci@example.com","instanceUrl":"https://x.my.salesforce.com"}}' ;;
  "deploy start") echo '{"status":0,"result":{"id":"0Af000000000001AAA","status":"Queued","done":false}}' ;;
  "deploy resume"|"deploy report") cat "BIG_RESULT"; exit 1 ;;
  *) echo '{"status":1,"name":"Unexpected","message":"unexpected"}'; exit 1 ;;
esac
`

// seedJQ are the seed workflow's jq extractions, one jq process each, as its
// failure step runs them: the outcome, component failures, failed tests and
// the classes under 75% coverage.
var seedJQ = []string{
	`.result.status // .status`,
	`.result.details.componentFailures[] | "\(.componentType) \(.fullName) line \(.lineNumber): \(.problem)"`,
	`.result.details.runTestResult.failures[] | "\(.name).\(.methodName): \(.message)\n\(.stackTrace)"`,
	`.result.details.runTestResult.codeCoverage[] | select(.numLocations > 0 and ((.numLocations - .numLocationsNotCovered) * 100 / .numLocations) < 75)
	 | "\(.name) \((.numLocations - .numLocationsNotCovered) * 100 / .numLocations)% uncovered: \([.locationsNotCovered[].line] | map(tostring) | join(","))"`,
}

// buildAction builds the action binary once for a benchmark, as the
// Dockerfile builds it: static, without cgo or symbols.
func buildAction(b *testing.B) string {
	b.Helper()
	return goBuild(b, "-trimpath", "-ldflags", "-s -w")
}

// BenchmarkActionLargeFailure runs the built binary as a whole process
// around a stand-in sf whose deployment fails with a large result (about 5,
// 19 and 50 MB), and the seed's jq extractions on the same file in the same
// run. It reports the action's wall time and peak RSS, jq's wall time and
// their ratio.
//
//	go test -run '^$' -bench ActionLargeFailure -benchtime 5x .
func BenchmarkActionLargeFailure(b *testing.B) {
	jq, err := exec.LookPath("jq")
	if err != nil {
		b.Skip("jq not installed (apt-get install jq)")
	}
	bin := buildAction(b)
	for _, size := range []struct {
		name  string
		scale float64
	}{{"5MB", 0.13}, {"19MB", 0.405}, {"50MB", 1.015}} {
		b.Run(size.name, func(b *testing.B) {
			dir := b.TempDir()
			big := filepath.Join(dir, "result.json")
			raw := pipeline.BigResult(size.scale)
			if err := os.WriteFile(big, raw, 0o644); err != nil {
				b.Fatal(err)
			}
			env, _ := stubEnv(b, dir, strings.Replace(largeSF, "BIG_RESULT", big, 1),
				"INPUT_AUTH-URL="+realAuthURL, "INPUT_PREFLIGHT=false", "INPUT_MAX-ATTEMPTS=1")
			var action, seed time.Duration
			var maxRSS int64
			b.SetBytes(int64(len(raw)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				os.RemoveAll(filepath.Join(dir, "ws", "deploy-guard-artifacts"))
				start := time.Now()
				cmd := exec.Command(bin)
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				action += time.Since(start)
				if code := cmd.ProcessState.ExitCode(); code != 1 {
					b.Fatalf("action exit %d (%v), want 1 (failed deployment)\n%s", code, err, tail(out))
				}
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
					maxRSS = ru.Maxrss
				}
				b.StopTimer()
				start = time.Now()
				for _, prog := range seedJQ {
					if out, err := exec.Command(jq, "-r", prog, big).Output(); err != nil || len(out) == 0 {
						b.Fatalf("jq: %v", err)
					}
				}
				seed += time.Since(start)
				b.StartTimer()
			}
			n := float64(b.N)
			b.ReportMetric(float64(len(raw))/(1<<20), "result-MB")
			b.ReportMetric(action.Seconds()*1000/n, "action-ms")
			b.ReportMetric(float64(maxRSS)/1024, "max-rss-MB")
			b.ReportMetric(seed.Seconds()*1000/n, "jq-ms")
			b.ReportMetric(seed.Seconds()/action.Seconds(), "x-faster")
		})
	}
}

// realAuthURL has a refresh token shaped like a real one: the redactor
// searches the reports for it and its encoded forms.
const realAuthURL = "force://PlatformCLI::5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJrWNq3sCxDTdMkxSp1xd2BNCx3qA8vRZ8ZpMcvR6TLm5zvbVgD@x.my.salesforce.com"

// stubEnv is the runner's environment for one benchmark run: a workspace
// with a project, the stand-in sf (script) first on PATH, no side channels,
// and the given inputs. It returns the environment and the stand-in's path.
func stubEnv(b *testing.B, dir, script string, inputs ...string) (env []string, sf string) {
	b.Helper()
	sfDir := filepath.Join(dir, "sfbin")
	ws := filepath.Join(dir, "ws")
	for _, d := range []string{sfDir, filepath.Join(ws, "force-app")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	sf = filepath.Join(sfDir, "sf")
	if err := os.WriteFile(sf, []byte(script), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "sfdx-project.json"), []byte(`{"packageDirectories":[{"path":"force-app","default":true}],"sourceApiVersion":"62.0"}`), 0o644); err != nil {
		b.Fatal(err)
	}
	env = append([]string{
		"PATH=" + sfDir + ":/usr/bin:/bin", "HOME=" + dir, "GITHUB_ACTIONS=true",
		"GITHUB_WORKSPACE=" + ws, "GITHUB_OUTPUT=" + filepath.Join(dir, "out"), "GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary"),
	}, inputs...)
	return env, sf
}

func tail(out []byte) string {
	s := string(out)
	if i := strings.LastIndex(s[:max(0, len(s)-2000)], "\n"); i >= 0 {
		s = s[i+1:]
	}
	return fmt.Sprint(s)
}
