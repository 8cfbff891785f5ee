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

// reply is one scripted sf answer.
type reply = testkit.Reply

func queued(id string) reply {
	return reply{JSON: fmt.Sprintf(`{"status":0,"result":{"id":%q,"done":false,"status":"Queued","files":[]}}`, id), Exit: 0}
}

func finished(id, status string, exit int, details string) reply {
	if details == "" {
		details = `{"componentFailures":[],"componentSuccesses":[]}`
	}
	return reply{JSON: fmt.Sprintf(`{"status":%d,"result":{"id":%q,"done":true,"status":%q,"details":%s}}`, exit, id, status, details), Exit: exit}
}

func inProgress(id string) reply {
	return reply{JSON: fmt.Sprintf(`{"status":0,"result":{"id":%q,"done":false,"status":"InProgress","details":{"componentFailures":[],"componentSuccesses":[]}}}`, id), Exit: 0}
}

func sfError(name, msg string, data string) reply {
	if data == "" {
		data = "{}"
	}
	return reply{JSON: fmt.Sprintf(`{"name":%q,"message":%q,"exitCode":1,"status":1,"data":%s}`, name, msg, data), Exit: 1}
}

const compileError = `{"componentFailures":[{"componentType":"ApexClass","fullName":"Hello","fileName":"classes/Hello.cls","lineNumber":3,"columnNumber":5,"problem":"Variable does not exist: x","problemType":"Error"}],"componentSuccesses":[]}`

// newSF answers sf calls from per-command queues ("start", "report",
// "query" for data query, "apex" for apex run test...); a reply left
// unused fails the test.
func newSF(t testing.TB, queues map[string][]reply) *testkit.SF {
	sf := testkit.NewSF(t, queues)
	sf.Key = func(args []string) string {
		switch args[0] {
		case "apex":
			return "apex"
		case "data":
			return "query"
		}
		return args[2]
	}
	return sf
}

// fakeClassify is a stand-in for the catalog: enough to drive decisions.
func fakeClassify(out *sfcli.Output, d *result.Deploy) Verdict {
	if d != nil {
		switch {
		case d.Succeeded():
			return Verdict{Category: result.CategoryNone}
		case len(d.ComponentFailures) > 0:
			return Verdict{Category: result.CategoryMetadata, Reason: d.ComponentFailures[0].Problem}
		}
		return Verdict{Category: result.CategoryUnknown, Reason: d.Status}
	}
	if out.Envelope == nil {
		return Verdict{Category: result.CategoryUnknown, Reason: out.Describe()}
	}
	switch name := out.Envelope.Name; {
	case strings.Contains(out.Envelope.Message, "ECONNRESET"), strings.Contains(out.Envelope.Message, "fetch failed"):
		return Verdict{Category: result.CategoryTransient, Transient: true, Reason: out.Envelope.Message, Diagnosis: result.Diagnosis{PatternID: "connection-reset"}}
	case strings.Contains(name, "LOCK"):
		return Verdict{Category: result.CategoryTransient, Transient: true, Reason: name}
	case name == "ClientTimeoutError" || strings.Contains(out.Envelope.Message, "client has timed out"):
		return Verdict{Category: result.CategoryTimeout, Reason: "client timed out"}
	case strings.Contains(name, "SESSION"):
		return Verdict{Category: result.CategoryAuth, Reason: name}
	}
	return Verdict{Category: result.CategoryUnknown, Reason: out.Envelope.Name}
}

type nopLog struct{}

func (nopLog) Infof(string, ...any)             {}
func (nopLog) Debugf(string, ...any)            {}
func (nopLog) DebugExcerpt(string, []byte, int) {}
func (nopLog) Group(string)                     {}
func (nopLog) EndGroup()                        {}
func (nopLog) Untrusted(string, []byte)         {}

// fakeClock advances by a minute on every sf call and by the slept time.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Minute)
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func newDeployer(sf *testkit.SF, clock *fakeClock, retryOn config.RetryOn) *Deployer {
	return &Deployer{
		Runner:   sf,
		Classify: fakeClassify,
		Log:      nopLog{},
		Policy: Policy{MaxAttempts: 3, Delay: 30 * time.Second, MaxDelay: 5 * time.Minute, RetryOn: retryOn, Wait: 10 * time.Minute,
			Rand: func(n int64) int64 { return n / 2 }},
		TargetOrg: "dg",
		Now:       clock.Now,
		Sleep:     clock.Sleep,
	}
}

func TestDeployerDecisions(t *testing.T) {
	const id = "0Af000000000001AAA"
	cases := []struct {
		name          string
		retryOn       config.RetryOn
		queues        map[string][]reply
		wantOK        bool
		wantCategory  result.Category
		wantAttempts  int
		wantStarts    int
		wantSleeps    []time.Duration
		wantDecisions []string
	}{
		{
			name:   "clean deploy",
			queues: map[string][]reply{"start": {queued(id)}, "report": {finished(id, "Succeeded", 0, "")}},
			wantOK: true, wantCategory: result.CategoryNone, wantAttempts: 1, wantStarts: 1,
			wantDecisions: []string{"", "done"},
		},
		{
			name: "lock on first submission then success",
			queues: map[string][]reply{
				"start":  {sfError("sf:UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", ""), queued(id)},
				"report": {finished(id, "Succeeded", 0, "")},
			},
			wantOK: true, wantCategory: result.CategoryNone, wantAttempts: 2, wantStarts: 2,
			// Full jitter with Rand = n/2: half of the 30 s ceiling.
			wantSleeps:    []time.Duration{15 * time.Second},
			wantDecisions: []string{"retry in 15s: transient", "", "done"},
		},
		{
			name:         "compile error is never retried",
			queues:       map[string][]reply{"start": {queued(id)}, "report": {finished(id, "Failed", 1, compileError)}},
			wantCategory: result.CategoryMetadata, wantAttempts: 1, wantStarts: 1,
			wantDecisions: []string{"", "stop: metadata failures are not transient"},
		},
		{
			name:    "retry-on any retries a compile error",
			retryOn: config.RetryAny,
			queues:  map[string][]reply{"start": {queued(id), queued(id)}, "report": {finished(id, "Failed", 1, compileError), finished(id, "Succeeded", 0, "")}},
			wantOK:  true, wantCategory: result.CategoryNone, wantAttempts: 2, wantStarts: 2, wantSleeps: []time.Duration{15 * time.Second},
		},
		{
			name:         "retry-on never",
			retryOn:      config.RetryNever,
			queues:       map[string][]reply{"start": {sfError("sf:UNABLE_TO_LOCK_ROW", "locked", "")}},
			wantCategory: result.CategoryTransient, wantAttempts: 1, wantStarts: 1,
			wantDecisions: []string{"stop: retry-on is never"},
		},
		{
			name:         "expired session is not retried",
			queues:       map[string][]reply{"start": {sfError("sf:INVALID_SESSION_ID", "Session expired or invalid", "")}},
			wantCategory: result.CategoryAuth, wantAttempts: 1, wantStarts: 1,
			wantDecisions: []string{"stop: auth failures are never retried"},
		},
		{
			name: "transient until attempts run out",
			queues: map[string][]reply{"start": {
				sfError("sf:UNABLE_TO_LOCK_ROW", "locked", ""), sfError("sf:UNABLE_TO_LOCK_ROW", "locked", ""), sfError("sf:UNABLE_TO_LOCK_ROW", "locked", ""),
			}},
			wantCategory: result.CategoryTransient, wantAttempts: 3, wantStarts: 3,
			// Ceilings 30 s then 60 s; half of each.
			wantSleeps:    []time.Duration{15 * time.Second, 30 * time.Second},
			wantDecisions: []string{"retry in 15s: transient", "retry in 30s: transient", "stop: all 3 attempts used (max-attempts)"},
		},
		{
			name: "wait timeout follows the same job",
			queues: map[string][]reply{
				"start":  {queued(id)},
				"report": {inProgress(id), finished(id, "Succeeded", 0, "")},
			},
			wantOK: true, wantCategory: result.CategoryNone, wantAttempts: 1, wantStarts: 1,
		},
		{
			name: "lost contact while waiting: the next wait finds it finished",
			queues: map[string][]reply{
				"start":  {queued(id)},
				"report": {sfError("MetadataTransferError", "Exceeded maximum of 1000 consecutive retryable errors. Last error: ECONNRESET", `{"id":"`+id+`"}`), finished(id, "Succeeded", 0, "")},
			},
			wantOK: true, wantCategory: result.CategoryNone, wantAttempts: 1, wantStarts: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sf := newSF(t, tc.queues)
			clock := &fakeClock{now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
			retryOn := tc.retryOn
			if retryOn == "" {
				retryOn = config.RetryTransient
			}
			d := newDeployer(sf, clock, retryOn)
			o := d.Run(context.Background(), Request{Mode: config.ModeDeploy, Spec: sfcli.DeploySpec{TargetOrg: "dg"}, Deadline: clock.now.Add(3 * time.Hour)})
			if o.Succeeded != tc.wantOK || o.Verdict.Category != tc.wantCategory {
				t.Errorf("succeeded %v category %s (%s); want %v %s", o.Succeeded, o.Verdict.Category, o.Verdict.Reason, tc.wantOK, tc.wantCategory)
			}
			if got := o.DeploymentAttempts(); got != tc.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tc.wantAttempts)
			}
			if got := sf.Count("project deploy start"); got != tc.wantStarts {
				t.Errorf("deploy start calls = %d, want %d\n%s", got, tc.wantStarts, strings.Join(sf.Calls(), "\n"))
			}
			if fmt.Sprint(clock.slept) != fmt.Sprint(tc.wantSleeps) {
				t.Errorf("slept %v, want %v", clock.slept, tc.wantSleeps)
			}
			if tc.wantDecisions != nil {
				var got []string
				for _, a := range o.Attempts {
					got = append(got, a.Decision)
				}
				if strings.Join(got, "|") != strings.Join(tc.wantDecisions, "|") {
					t.Errorf("decisions = %q, want %q", got, tc.wantDecisions)
				}
			}
		})
	}
}

func TestDeployerBudgetRunsOutWhileRunning(t *testing.T) {
	const id = "0Af000000000002AAA"
	running := inProgress(id)
	sf := newSF(t, map[string][]reply{"start": {queued(id)}, "report": {running}})
	clock := &fakeClock{now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	d := newDeployer(sf, clock, config.RetryTransient)
	o := d.Run(context.Background(), Request{Mode: config.ModeDeploy, Deadline: clock.now.Add(9 * time.Minute)})
	if o.Succeeded || o.Verdict.Category != result.CategoryTimeout || o.DeployID != id {
		t.Fatalf("outcome = %+v", o)
	}
	if sf.Count("project deploy start") != 1 {
		t.Errorf("a timeout started a second deployment:\n%s", strings.Join(sf.Calls(), "\n"))
	}
	if len(o.NextSteps) == 0 || !strings.Contains(o.NextSteps[0], "sf project deploy report --job-id "+id) {
		t.Errorf("next steps = %q, want the exact command to check on the job", o.NextSteps)
	}
}

func TestDeployerCancelStopsTheJob(t *testing.T) {
	const id = "0Af000000000003AAA"
	sf := newSF(t, map[string][]reply{"start": {queued(id)}, "cancel": {reply{JSON: `{"status":0,"result":{"id":"` + id + `","status":"Canceled"}}`}}})
	sf.Block = "report"
	clock := &fakeClock{now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
	d := newDeployer(sf, clock, config.RetryTransient)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-sf.Started; cancel() }()
	o := d.Run(ctx, Request{Mode: config.ModeDeploy})
	if !o.Canceled || o.Succeeded {
		t.Fatalf("outcome = %+v", o)
	}
	if got := sf.Count("project deploy cancel --job-id " + id); got != 1 {
		t.Errorf("cancel calls = %d, want 1:\n%s", got, strings.Join(sf.Calls(), "\n"))
	}
	if sf.Count("project deploy start") != 1 {
		t.Error("a cancelled run must not retry")
	}
}

func TestDeployerQuickFallback(t *testing.T) {
	const id = "0Af000000000004AAA"
	cannot := sfError("CannotQuickDeployError", "Job ID can't be used for quick deployment.", "")
	for _, fallback := range []bool{false, true} {
		t.Run(fmt.Sprint("fallback=", fallback), func(t *testing.T) {
			queues := map[string][]reply{"quick": {cannot}}
			if fallback {
				queues["start"], queues["report"] = []reply{queued(id)}, []reply{finished(id, "Succeeded", 0, "")}
			}
			sf := newSF(t, queues)
			clock := &fakeClock{now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
			d := newDeployer(sf, clock, config.RetryTransient)
			o := d.Run(context.Background(), Request{Mode: config.ModeQuick, JobID: "0Af000000000009AAA", QuickFallback: fallback})
			if o.Succeeded != fallback {
				t.Errorf("succeeded = %v", o.Succeeded)
			}
			if got := sf.Count("project deploy start"); got != map[bool]int{false: 0, true: 1}[fallback] {
				t.Errorf("full deploys = %d", got)
			}
			if !fallback && (len(o.NextSteps) == 0 || !strings.Contains(o.NextSteps[0], "quick-fallback")) {
				t.Errorf("next steps = %q", o.NextSteps)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	p := Policy{Delay: 30 * time.Second, MaxDelay: 100 * time.Second, Rand: func(n int64) int64 { return n - 1 }}
	want := []time.Duration{30 * time.Second, 60 * time.Second, 100 * time.Second, 100 * time.Second}
	for i, w := range want {
		if got := p.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %s, want %s (ceiling)", i+1, got, w)
		}
	}
	p.Rand = func(int64) int64 { return 0 }
	if got := p.Backoff(3); got != 0 {
		t.Errorf("full jitter floor = %s, want 0", got)
	}
	if got := (Policy{}).Backoff(1); got != 0 {
		t.Errorf("zero delay = %s", got)
	}
}

func deployRequests(records ...string) reply {
	return reply{JSON: fmt.Sprintf(`{"status":0,"result":{"records":[%s],"totalSize":%d,"done":true}}`, strings.Join(records, ","), len(records)), Exit: 0}
}

func deployRequest(id string, checkOnly bool) string {
	return fmt.Sprintf(`{"attributes":{"type":"DeployRequest"},"Id":%q,"Status":"InProgress","CheckOnly":%v,"CreatedDate":"2026-11-23T02:01:00.000Z"}`, id, checkOnly)
}

// A submission whose answer was lost may have started a job: the action
// follows the job sf or the org names and submits again only when the org
// says no job exists.
func TestDeployerLostSubmitAnswer(t *testing.T) {
	const id, other = "0Af000000000005AAA", "0Af000000000006AAA"
	reset := sfError("TypeError", "fetch failed", "")
	cases := []struct {
		name         string
		mode         config.Mode
		queues       map[string][]reply
		wantOK       bool
		wantCategory result.Category
		wantSubmits  int
		wantQueries  int
		wantDeployID string
		wantNote     string
	}{
		{
			name:   "sf names the job in its error document",
			queues: map[string][]reply{"start": {sfError("TypeError", "fetch failed", `{"deployId":"`+id+`"}`)}, "report": {finished(id, "Succeeded", 0, "")}},
			wantOK: true, wantCategory: result.CategoryNone, wantSubmits: 1, wantDeployID: id, wantNote: "named the job " + id,
		},
		{
			name: "the org has the job: follow it to its real outcome",
			queues: map[string][]reply{"start": {reset}, "query": {deployRequests(deployRequest(id, false))},
				"report": {inProgress(id), finished(id, "Failed", 1, compileError)}},
			wantCategory: result.CategoryMetadata, wantSubmits: 1, wantQueries: 1, wantDeployID: id, wantNote: "had accepted it as job " + id,
		},
		{
			name: "a validation adopts a check-only job only",
			mode: config.ModeValidate,
			queues: map[string][]reply{"validate": {reset}, "query": {deployRequests(deployRequest(other, false), deployRequest(id, true))},
				"report": {finished(id, "Succeeded", 0, "")}},
			wantOK: true, wantCategory: result.CategoryNone, wantSubmits: 1, wantQueries: 1, wantDeployID: id,
		},
		{
			name: "the org has none: submit again",
			queues: map[string][]reply{"start": {reset, queued(id)}, "query": {deployRequests()},
				"report": {finished(id, "Succeeded", 0, "")}},
			wantOK: true, wantCategory: result.CategoryNone, wantSubmits: 2, wantQueries: 1, wantDeployID: id,
		},
		{
			name:         "the org cannot be asked: never submit again",
			queues:       map[string][]reply{"start": {reset}, "query": {sfError("sf:INVALID_SESSION_ID", "Session expired or invalid", "")}},
			wantCategory: result.CategoryTransient, wantSubmits: 1, wantQueries: 1, wantNote: "did not submit again",
		},
		{
			name: "sf printed nothing: the answer is lost too",
			queues: map[string][]reply{"start": {{JSON: "", Exit: 1}}, "query": {deployRequests(deployRequest(id, false))},
				"report": {finished(id, "Succeeded", 0, "")}},
			wantOK: true, wantCategory: result.CategoryNone, wantSubmits: 1, wantQueries: 1, wantDeployID: id,
		},
		{
			name: "an id that is no deployment id is never followed",
			queues: map[string][]reply{"start": {reset, queued(id)}, "query": {deployRequests(deployRequest("0Af--job-id=x; rm -rf", false))},
				"report": {finished(id, "Succeeded", 0, "")}},
			wantOK: true, wantCategory: result.CategoryNone, wantSubmits: 2, wantQueries: 1, wantDeployID: id,
		},
		{
			name:         "a refused submission (a lock) is not ambiguous: no query",
			queues:       map[string][]reply{"start": {sfError("sf:UNABLE_TO_LOCK_ROW", "locked", ""), queued(id)}, "report": {finished(id, "Succeeded", 0, "")}},
			wantOK:       true,
			wantCategory: result.CategoryNone, wantSubmits: 2, wantDeployID: id,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sf := newSF(t, tc.queues)
			clock := &fakeClock{now: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
			d := newDeployer(sf, clock, config.RetryTransient)
			d.Username = "ci@example.com"
			mode := tc.mode
			if mode == "" {
				mode = config.ModeDeploy
			}
			o := d.Run(context.Background(), Request{Mode: mode, Deadline: clock.now.Add(3 * time.Hour)})
			if o.Succeeded != tc.wantOK || o.Verdict.Category != tc.wantCategory {
				t.Errorf("succeeded %v category %s (%s); want %v %s", o.Succeeded, o.Verdict.Category, o.Verdict.Reason, tc.wantOK, tc.wantCategory)
			}
			verb := map[config.Mode]string{config.ModeDeploy: "start", config.ModeValidate: "validate"}[mode]
			if got := sf.Count("project deploy " + verb); got != tc.wantSubmits {
				t.Errorf("submissions = %d, want %d:\n%s", got, tc.wantSubmits, strings.Join(sf.Calls(), "\n"))
			}
			if got := sf.Count("data query --use-tooling-api"); got != tc.wantQueries {
				t.Errorf("org queries = %d, want %d", got, tc.wantQueries)
			}
			if o.DeployID != tc.wantDeployID {
				t.Errorf("deploy id %q, want %q", o.DeployID, tc.wantDeployID)
			}
			if tc.wantNote != "" && !strings.Contains(strings.Join(o.Notes, "\n"), tc.wantNote) {
				t.Errorf("notes %q lack %q", o.Notes, tc.wantNote)
			}
			for _, c := range sf.Calls() {
				if strings.HasPrefix(c, "data query") && !strings.Contains(c, "FROM DeployRequest WHERE CreatedDate >= 2026-11-23T") || strings.HasPrefix(c, "data query") && !strings.Contains(c, "CreatedBy.Username = 'ci@example.com'") {
					t.Errorf("query %q must ask for this user's deployments since the submission", c)
				}
			}
		})
	}
}
