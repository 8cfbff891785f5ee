package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/harness"
	"github.com/org/deploy-guard/pkg/orgsim"
)

// BenchmarkTimeToVerdict compares deploy-guard's recovery with the seed
// workflow's recipe (retry the whole deployment up to 3 times with a fixed
// wait, as nick-fields/retry does around `sf project deploy start`) on the
// emulator, durations scaled down: a deployment's test run takes 100 times a
// single test. Both sides log in and deploy through the real CLI.
//
//	go test -run '^$' -bench TimeToVerdict -benchtime 3x ./e2e/
//
// Reported: s/verdict, the wall time until the pipeline is green (flaky) or
// knows it is red (broken).
func BenchmarkTimeToVerdict(b *testing.B) {
	for _, sc := range []struct{ name, scenario, want string }{
		{"flaky", "flaky-bench", "recovered"},
		{"broken", "broken-bench", "failed"},
	} {
		b.Run(sc.name+"/deploy-guard", func(b *testing.B) {
			for range b.N {
				res := run(b, harness.Config{Scenario: scenario(b, sc.scenario), Inputs: map[string]string{"wait": "10"}})
				if res.Outputs["status"] != sc.want {
					b.Fatalf("status %q, want %q", res.Outputs["status"], sc.want)
				}
				b.ReportMetric(res.Duration.Seconds(), "s/verdict")
			}
		})
		b.Run(sc.name+"/seed-retry-3x", func(b *testing.B) {
			for range b.N {
				green, took := seedRecipe(b, scenario(b, sc.scenario), 3, 100*time.Millisecond)
				if green != (sc.want == "recovered") {
					b.Fatalf("seed recipe green=%v", green)
				}
				b.ReportMetric(took.Seconds(), "s/verdict")
			}
		})
	}
}

// seedRecipe logs in and runs `sf project deploy start --wait` up to
// attempts times with a fixed wait between tries, whatever the failure.
func seedRecipe(b *testing.B, sc *orgsim.Scenario, attempts int, wait time.Duration) (bool, time.Duration) {
	b.Helper()
	org, err := orgsim.Start(sc, orgsim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer org.Close()
	dir := b.TempDir()
	ws := filepath.Join(dir, "ws")
	if err := harness.CopyTree(filepath.Join(root, "testdata", "project"), ws); err != nil {
		b.Fatal(err)
	}
	env := []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "SF_ACCESS_TOKEN=" + orgsim.AccessToken,
		"SF_DISABLE_TELEMETRY=true", "SF_AUTOUPDATE_DISABLE=true", "SF_SKIP_NEW_VERSION_CHECK=true"}
	sf := func(args ...string) error {
		cmd := exec.CommandContext(context.Background(), sfBin, args...)
		cmd.Dir, cmd.Env = ws, env
		return cmd.Run()
	}
	start := time.Now()
	if err := sf("org", "login", "access-token", "--instance-url", org.URL(), "--alias", "seed", "--no-prompt", "--json"); err != nil {
		b.Fatalf("login: %v", err)
	}
	for i := 1; i <= attempts; i++ {
		err := sf("project", "deploy", "start", "--manifest", "manifest/package.xml", "--test-level", "RunLocalTests",
			"--wait", "10", "--target-org", "seed", "--json")
		if err == nil {
			return true, time.Since(start)
		}
		if i < attempts {
			time.Sleep(wait)
		}
	}
	return false, time.Since(start)
}
