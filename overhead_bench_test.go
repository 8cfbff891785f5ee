package main

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// stubSF answers login, deploy start and resume instantly with canned JSON,
// so that what remains of a run's time is the action's own cost.
const stubSF = `#!/bin/sh
case "$2 $3" in
  "login sfdx-url") cat >/dev/null; echo '{"status":0,"result":{"username":"ci@example.com","instanceUrl":"https://x.my.salesforce.com"}}' ;;
  "deploy start") echo '{"status":0,"result":{"id":"0Af000000000001AAA","status":"Queued","done":false}}' ;;
  "deploy resume"|"deploy report") echo '{"status":0,"result":{"id":"0Af000000000001AAA","status":"Succeeded","done":true,"details":{"componentSuccesses":[],"componentFailures":[]}}}' ;;
  *) echo '{"status":1,"name":"Unexpected","message":"unexpected"}'; exit 1 ;;
esac
`

// BenchmarkActionOverhead runs the real action binary around a stub sf and,
// separately, the same three stub calls alone. The difference per run is the
// action's overhead; the action's peak RSS is reported as max-rss-MB. The
// budget is 20 ms and 30 MB. Most of it is starting the binary, twice
// (secenv re-executes it; TestProtectRunsBeforeHeavyInits keeps the first
// start short), and package initialisation (TestPackageInitsAreLight).
//
//	go test -run '^$' -bench ActionOverhead -benchtime 30x .
func BenchmarkActionOverhead(b *testing.B) {
	dir := b.TempDir()
	bin := buildAction(b)
	env, sf := stubEnv(b, dir, stubSF, "INPUT_AUTH-URL=force://PlatformCLI::refresh@x.my.salesforce.com", "INPUT_PREFLIGHT=false")

	stubOnly := func() time.Duration {
		start := time.Now()
		for _, args := range [][]string{
			{"org", "login", "sfdx-url", "--json"},
			{"project", "deploy", "start", "--async", "--json"},
			{"project", "deploy", "report", "--json"},
		} {
			cmd := exec.Command(sf, args...)
			cmd.Env = env
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	var actionTotal, stubTotal time.Duration
	var maxRSS int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		cmd := exec.Command(bin)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("action failed: %v\n%s", err, out)
		}
		actionTotal += time.Since(start)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > maxRSS {
			maxRSS = ru.Maxrss
		}
		b.StopTimer()
		stubTotal += stubOnly()
		b.StartTimer()
	}
	n := time.Duration(b.N)
	b.ReportMetric(float64((actionTotal/n).Microseconds())/1000, "action-ms/run")
	b.ReportMetric(float64((stubTotal/n).Microseconds())/1000, "stub-ms/run")
	b.ReportMetric(float64((actionTotal-stubTotal)/n)/float64(time.Millisecond), "overhead-ms/run")
	b.ReportMetric(float64(maxRSS)/1024, "max-rss-MB")
}
