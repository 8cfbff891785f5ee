package deploy

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/deploy-guard/internal/testkit"
	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// stepClock is a fake clock that moves only when told: every sf call takes
// step, a sleep takes its duration.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	c.advance(d)
	return ctx.Err()
}

// budgetSF wraps fakeSF: every call takes step on the clock, and records the
// real time left before its context's deadline next to the budget left on
// the fake clock. A command named in hang runs until its deadline and is
// then killed, as a CLI that never answers would be.
type budgetSF struct {
	*testkit.SF
	clock    *stepClock
	deadline time.Time
	step     time.Duration
	hang     string
	calls    []budgetCall
}

type budgetCall struct {
	cmd           string
	hasDeadline   bool
	ctxLeft, left time.Duration
}

func (b *budgetSF) Run(ctx context.Context, inv sfcli.Invocation) (*sfcli.Output, error) {
	c := budgetCall{cmd: strings.Join(inv.Args, " "), left: b.deadline.Sub(b.clock.Now())}
	var dl time.Time
	if dl, c.hasDeadline = ctx.Deadline(); c.hasDeadline {
		c.ctxLeft = time.Until(dl)
	}
	b.calls = append(b.calls, c)
	if b.hang != "" && inv.Args[2] == b.hang {
		if !c.hasDeadline {
			return nil, fmt.Errorf("%s hangs and has no deadline: the test would never end", c.cmd)
		}
		b.clock.advance(c.left) // it ran until the budget's deadline...
		// ...and was killed there.
		return &sfcli.Output{Args: inv.Args, ExitCode: 143, Signal: "terminated", ParseErr: sfcli.ErrNoJSON}, nil
	}
	b.clock.advance(b.step)
	return b.SF.Run(ctx, inv)
}

// count is how many calls, answered or hanging, start with prefix.
func (b *budgetSF) count(prefix string) int {
	n := 0
	for _, c := range b.calls {
		if strings.HasPrefix(c.cmd, prefix) {
			n++
		}
	}
	return n
}

func newBudgetRecovery(sf *testkit.SF, budget, step time.Duration, hang string) (*Recovery, *budgetSF, Request) {
	clock := &stepClock{now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	req := Request{Mode: config.ModeDeploy, Deadline: clock.now.Add(budget)}
	b := &budgetSF{SF: sf, clock: clock, deadline: req.Deadline, step: step, hang: hang}
	d := &Deployer{
		Runner: b, Classify: classifyWithTests, Log: nopLog{},
		Policy: Policy{MaxAttempts: 3, Delay: 30 * time.Second, MaxDelay: 5 * time.Minute, RetryOn: config.RetryTransient, Wait: 10 * time.Minute,
			Rand: func(n int64) int64 { return n / 2 }},
		TargetOrg: "dg", Now: clock.Now, Sleep: clock.Sleep,
	}
	return &Recovery{Deployer: d}, b, req
}

// Every sf call is bounded by the time budget: its context ends when the
// budget does, whatever --wait says (sf counts whole minutes).
func TestBudgetBoundsEverySFCall(t *testing.T) {
	const id = "0Af000000000030AAA"
	sf := newSF(t, map[string][]reply{"start": {queued(id)}, "report": {inProgress(id), finished(id, "Succeeded", 0, "")}})
	rc, b, req := newBudgetRecovery(sf, 25*time.Minute, 7*time.Minute, "")
	rep := rc.Run(context.Background(), req)
	if !rep.Succeeded {
		t.Fatalf("outcome %+v", rep.Verdict)
	}
	for _, c := range b.calls {
		// The context counts real time, which passes a little during the test.
		if !c.hasDeadline || c.ctxLeft > c.left || c.ctxLeft < c.left-time.Minute {
			t.Errorf("%s: context deadline in %s (set %v), budget left %s", c.cmd, c.ctxLeft, c.hasDeadline, c.left)
		}
	}
	if len(b.calls) != 3 {
		t.Errorf("calls: %+v", b.calls)
	}
}

// A wait that hangs is cut at the deadline: the run ends as a timeout that
// names the job, and nothing is submitted again.
func TestBudgetStopsAHangingWait(t *testing.T) {
	const id = "0Af000000000031AAA"
	sf := newSF(t, map[string][]reply{"start": {queued(id)}})
	rc, b, req := newBudgetRecovery(sf, 10*time.Second, time.Second, "report")
	rep := rc.Run(context.Background(), req)
	if rep.Succeeded || rep.Verdict.Category != result.CategoryTimeout || rep.DeployID != id {
		t.Fatalf("outcome %+v (id %s)", rep.Verdict, rep.DeployID)
	}
	if got := b.clock.Now().Sub(req.Deadline); got > 0 {
		t.Errorf("the run went %s past its budget", got)
	}
	if b.count("project deploy start") != 1 || b.count("project deploy report") != 1 {
		t.Errorf("calls:\n%s", strings.Join(sf.Calls(), "\n"))
	}
}

// After the budget, no recovery step submits anything, and the verdict stays
// that of the failure being recovered from (never "timeout").
func TestBudgetStopsRecovery(t *testing.T) {
	const id, next = "0Af000000000032AAA", "0Af000000000033AAA"
	cases := []struct {
		name     string
		setup    func(rc *Recovery)
		queues   map[string][]reply
		budget   time.Duration
		hang     string
		want     result.Category
		wantNote string
		// submissions after the first
		wantMore int
	}{
		{
			name:   "retry of a transient failure",
			queues: map[string][]reply{"start": {sfError("sf:UNABLE_TO_LOCK_ROW", "locked", "")}},
			budget: 5 * time.Minute, want: result.CategoryTransient,
		},
		{
			name:   "flaky-test rerun",
			setup:  func(rc *Recovery) { rc.RerunFailedTests = true },
			queues: map[string][]reply{"start": {queued(id)}, "report": {finished(id, "Failed", 1, testFailure)}},
			budget: 10 * time.Minute, want: result.CategoryTest, wantNote: "re-run the failed tests",
		},
		{
			name:   "phased fallback",
			setup:  phased,
			queues: map[string][]reply{"start": {queued(id)}, "report": {finished(id, "Failed", 1, dependencyFailure)}},
			budget: 10 * time.Minute, want: result.CategoryDependency, wantNote: "fallback phased",
		},
		{
			name:   "phased fallback whose phase hangs",
			setup:  phased,
			queues: map[string][]reply{"start": {queued(id), queued(next)}, "report": {finished(id, "Failed", 1, dependencyFailure)}},
			budget: 12 * time.Minute, hang: "report", want: result.CategoryDependency, wantNote: "fallback phased", wantMore: 1,
		},
		{
			name:   "validate fallback",
			setup:  func(rc *Recovery) { rc.Fallback = config.FallbackValidate },
			queues: map[string][]reply{"start": {queued(id)}, "report": {finished(id, "Failed", 1, compileError)}},
			budget: 10 * time.Minute, want: result.CategoryMetadata, wantNote: "fallback validate",
		},
		{
			name: "rollback after a failed health check",
			setup: func(rc *Recovery) {
				rc.HealthCheckTests, rc.RollbackDir = []string{"SmokeTest"}, "/tmp/last-good"
			},
			queues: map[string][]reply{"start": {queued(id)}, "report": {finished(id, "Succeeded", 0, "")}, "apex": {testRun("Failed", "SmokeTest.testLogin")}},
			budget: 13 * time.Minute, want: result.CategoryTest, wantNote: "deploy the rollback checkout",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sf := newSF(t, tc.queues)
			// Each sf call takes 5 minutes: the budget runs out during the
			// first deployment or the step right after it.
			rc, b, req := newBudgetRecovery(sf, tc.budget, 5*time.Minute, "")
			if tc.setup != nil {
				tc.setup(rc)
			}
			if tc.hang != "" {
				// The first wait answers; later ones hang until the deadline.
				first := true
				b.hang = ""
				rc.Runner = sfcli.RunnerFunc(func(ctx context.Context, inv sfcli.Invocation) (*sfcli.Output, error) {
					if inv.Args[2] == tc.hang && !first {
						b.hang = tc.hang
					}
					if inv.Args[2] == tc.hang {
						first = false
					}
					return b.Run(ctx, inv)
				})
			}
			rep := rc.Run(context.Background(), req)
			if rep.Succeeded || rep.Verdict.Category != tc.want {
				t.Errorf("verdict %s (%s), want %s", rep.Verdict.Category, rep.Verdict.Reason, tc.want)
			}
			submits := b.count("project deploy start") + b.count("project deploy validate")
			if submits != 1+tc.wantMore {
				t.Errorf("%d submissions, want %d:\n%s", submits, 1+tc.wantMore, strings.Join(sf.Calls(), "\n"))
			}
			for _, c := range b.calls {
				if (strings.HasPrefix(c.cmd, "project deploy start") || strings.HasPrefix(c.cmd, "project deploy validate")) && c.left <= 0 {
					t.Errorf("%s started %s after the deadline", c.cmd, -c.left)
				}
			}
			if !rep.OutOfTime {
				t.Error("the report does not say the budget ran out")
			}
			notes := strings.Join(rep.Notes, "\n")
			if tc.wantNote != "" && (!strings.Contains(notes, "time budget ran out") || !strings.Contains(notes, tc.wantNote)) {
				t.Errorf("notes %q must say the budget stopped %q", rep.Notes, tc.wantNote)
			}
		})
	}
}

func phased(rc *Recovery) {
	rc.Fallback = config.FallbackPhased
	rc.Phases = func(config.Fallback) ([]Phase, error) {
		return []Phase{{Name: "foundation", Spec: sfcli.DeploySpec{Target: sfcli.Target{Metadata: []string{"CustomObject"}}, TestLevel: "NoTestRun"}}, {Name: "full"}}, nil
	}
}

// A submission cut off by the deadline may have started a job: the org is
// asked within a short grace, the job it names is reported as still running
// (a timeout), and nothing is submitted again.
func TestBudgetCutsASubmission(t *testing.T) {
	const id = "0Af000000000034AAA"
	for _, found := range []bool{true, false} {
		t.Run(fmt.Sprint("org has the job=", found), func(t *testing.T) {
			answer := deployRequests()
			if found {
				answer = deployRequests(deployRequest(id, false))
			}
			sf := newSF(t, map[string][]reply{"query": {answer}})
			rc, b, req := newBudgetRecovery(sf, 3*time.Minute, time.Second, "start")
			rep := rc.Run(context.Background(), req)
			if rep.Succeeded || rep.Verdict.Category != result.CategoryTimeout {
				t.Fatalf("verdict %s (%s), want timeout", rep.Verdict.Category, rep.Verdict.Reason)
			}
			if b.count("project deploy start") != 1 || b.count("data query") != 1 {
				t.Errorf("calls:\n%s", strings.Join(sf.Calls(), "\n"))
			}
			q := b.calls[len(b.calls)-1]
			if !strings.HasPrefix(q.cmd, "data query") || !q.hasDeadline || q.ctxLeft > Grace || q.ctxLeft < Grace-time.Minute {
				t.Errorf("the org query after the deadline must get the grace (%s): %+v", Grace, q)
			}
			if found && (rep.DeployID != id || !strings.Contains(strings.Join(rep.NextSteps, "\n"), "sf project deploy report --job-id "+id)) {
				t.Errorf("the job the org has must be reported: id %q, next steps %q", rep.DeployID, rep.NextSteps)
			}
		})
	}
}
