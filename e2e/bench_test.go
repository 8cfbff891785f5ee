package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/harness"
	"github.com/org/deploy-guard/pkg/orgsim"
)

// scale divides every real duration in the benchmark scenarios: a test
// takes 40 ms for 4 s, deploying the components 1 s for 100 s, the org's
// local test suite 4 s for about 7 minutes. The seed recipe's wait between
// retries (retry_wait_seconds: 300) is divided by the same factor. The sf
// CLI's own start-up time is not scaled: it weighs more here than on a real
// org, against deploy-guard, which makes more (shorter) sf calls.
const scale = 100

// seedWait is the seed workflow's retry_wait_seconds: 300, scaled.
const seedWait = 300 * time.Second / scale

// BenchmarkTimeToVerdict compares deploy-guard's recovery with the seed
// workflow's recipe (retry the whole deployment up to 3 times with a fixed
// wait, as nick-fields/retry does around `sf project deploy start`) on the
// emulator, durations scaled down by scale. Both sides log in and deploy
// through the real CLI.
//
//	go test -run '^$' -bench TimeToVerdict -benchtime 1x ./e2e/
//
// Reported per case: s/verdict (deploy-guard's wall time until the pipeline
// is green or knows it is red), seed-s/verdict (the recipe's), x-vs-seed
// (how many times faster deploy-guard is). A flaky test needs two full
// deployments whatever is done, so for it the best possible ratio is
// limit = (2D + W) / (2D + R), with D the recipe's deployment, W its wait
// and R deploy-guard's rerun (a check-only deployment of the failed tests'
// classes); pct-of-limit is x-vs-seed as a percentage of that limit.
func BenchmarkTimeToVerdict(b *testing.B) {
	for _, c := range []struct{ name, scenario, want string }{
		{"flaky", "flaky-bench", "recovered"},
		{"broken", "broken-bench", "failed"},
		{"regression", "regression-bench", "failed"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var dg, seed, deploy, rerun time.Duration
			deploys := 0
			for range b.N {
				res := run(b, harness.Config{Scenario: scenario(b, c.scenario), Inputs: map[string]string{"wait": "10"}})
				if res.Outputs["status"] != c.want {
					b.Fatalf("status %q, want %q", res.Outputs["status"], c.want)
				}
				dg += res.Duration
				rerun += rerunTime(b, res)
				green, took, calls := seedRecipe(b, scenario(b, c.scenario), 3, seedWait)
				if green != (c.want == "recovered") {
					b.Fatalf("seed recipe green=%v", green)
				}
				seed += took
				for _, d := range calls {
					deploy += d
					deploys++
				}
			}
			n := float64(b.N)
			b.ReportMetric(dg.Seconds()/n, "s/verdict")
			b.ReportMetric(seed.Seconds()/n, "seed-s/verdict")
			x := seed.Seconds() / dg.Seconds()
			b.ReportMetric(x, "x-vs-seed")
			if c.name == "flaky" && deploys > 0 {
				D := deploy.Seconds() / float64(deploys)
				R := rerun.Seconds() / n
				limit := (2*D + seedWait.Seconds()) / (2*D + R)
				b.ReportMetric(D, "D-s")
				b.ReportMetric(R, "R-s")
				b.ReportMetric(limit, "limit")
				b.ReportMetric(100*x/limit, "pct-of-limit")
			}
		})
	}
}

// rerunTime is how long deploy-guard's rerun of the failed tests took: the
// check-only submission and the waits on it, from the event log.
func rerunTime(b *testing.B, res *harness.Result) time.Duration {
	b.Helper()
	f, err := os.Open(filepath.Join(res.Workspace, res.Outputs["events-path"]))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var total time.Duration
	job := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct {
			Type, Kind string
			DeployID   string `json:"deploy_id"`
			DurationMS int64  `json:"duration_ms"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Type != "attempt" {
			continue
		}
		if ev.Kind == "rerun-tests" {
			job = ev.DeployID
		}
		if job != "" && (ev.Kind == "rerun-tests" || ev.DeployID == job) {
			total += time.Duration(ev.DurationMS) * time.Millisecond
		}
	}
	return total
}

// seedRecipe logs in and runs `sf project deploy start --wait` up to
// attempts times with a fixed wait between tries, whatever the failure. It
// returns whether the pipeline went green, the time it took and the time of
// each deployment.
func seedRecipe(b *testing.B, sc *orgsim.Scenario, attempts int, wait time.Duration) (bool, time.Duration, []time.Duration) {
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
	var deploys []time.Duration
	for i := 1; i <= attempts; i++ {
		t0 := time.Now()
		err := sf("project", "deploy", "start", "--manifest", "manifest/package.xml", "--test-level", "RunLocalTests",
			"--wait", "10", "--target-org", "seed", "--json")
		deploys = append(deploys, time.Since(t0))
		if err == nil {
			return true, time.Since(start), deploys
		}
		if i < attempts {
			time.Sleep(wait)
		}
	}
	return false, time.Since(start), deploys
}
