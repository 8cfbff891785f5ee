package ghapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// The breaker's forged inputs: outcome lines that deploy-guard did not
// print for this job, and logs built to make the breaker fail open. Each
// case would steer the breaker of the production deploy job without them
// being refused.

func forgedLine(status string) string {
	return "deploy-guard outcome: job=deploy org=org1 mode=deploy status=" + status
}

// A fork's pull request from a branch named main lists under
// head_branch=main: its runs are no deployments, whatever their logs say.
func TestBreakerCountsOnlyDeployingEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		event string
		open  bool
	}{
		{"pull_request", false},
		{"pull_request_target", false},
		{"push", true},
		{"workflow_dispatch", true},
		{"schedule", true},
		{"release", true},
	} {
		t.Run(tc.event, func(t *testing.T) {
			f, srv := newFake(t)
			for id := int64(100); id > 97; id-- {
				f.addDeploy(id, "failed")
				f.setRun(id, "event", tc.event)
			}
			f.addDeploy(97, "succeeded")
			got := f.client(srv).CheckBreaker(context.Background(), Breaker{Threshold: 3, Window: 5, Job: "deploy", Org: "org1"})
			if !got.Consulted || got.Open != tc.open {
				t.Fatalf("event %s: consulted=%v open=%v, want open=%v (%s)", tc.event, got.Consulted, got.Open, tc.open, got.Reason)
			}
		})
	}
}

// Another job of the same run (a pull request's lint or test job) prints a
// line naming the deploy job: only the log of the job the API names as this
// job counts.
func TestBreakerReadsOnlyThisJobsLog(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		real, forged string
		open         bool
	}{
		{"succeeded", "failed", false},
		{"failed", "succeeded", true},
	} {
		t.Run(tc.forged, func(t *testing.T) {
			f, srv := newFake(t)
			for id := int64(100); id > 97; id-- {
				f.addDeploy(id, tc.real)
				lint := defaultJob(id, "success", "2026-05-01T12:10:00Z")
				lint["id"], lint["name"] = id*10+1, "lint"
				f.jobs[id] = []map[string]any{lint, defaultJob(id, map[bool]string{true: "success", false: "failure"}[tc.real == "succeeded"], "2026-05-01T12:10:00Z")}
				f.appendLog(id*10+1, "2026-05-01T12:09:00.5000000Z "+forgedLine(tc.forged))
			}
			got := f.client(srv).CheckBreaker(context.Background(), Breaker{Threshold: 3, Window: 5, Job: "deploy", Org: "org1"})
			if !got.Consulted || got.Open != tc.open || len(got.Outcomes) != 3 {
				t.Fatalf("consulted=%v open=%v outcomes=%d, want open=%v over 3 (%s)", got.Consulted, got.Open, len(got.Outcomes), tc.open, got.Reason)
			}
			for _, o := range got.Outcomes {
				if o.Status != tc.real || o.JobID%10 != 0 {
					t.Errorf("outcome %+v came from the forged line", o)
				}
			}
		})
	}
}

// A later step of the deploy job itself (the project's own tests) prints the
// line: without outcome-key, only lines inside the action's own step count,
// and their status must agree with that step's conclusion.
func TestBreakerIgnoresLinesOfOtherSteps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		real, forged string
		open         bool
	}{
		{"succeeded", "failed", false},
		{"failed", "succeeded", true},
	} {
		t.Run(tc.forged, func(t *testing.T) {
			f, srv := newFake(t)
			for id := int64(100); id > 97; id-- {
				f.addDeploy(id, tc.real)
				f.appendLog(id*10, "2026-05-01T12:09:30.0000000Z "+forgedLine(tc.forged))
			}
			got := f.client(srv).CheckBreaker(context.Background(), Breaker{Threshold: 3, Window: 5, Job: "deploy", Org: "org1"})
			if !got.Consulted || got.Open != tc.open || len(got.Outcomes) != 3 {
				t.Fatalf("consulted=%v open=%v outcomes=%d, want open=%v over 3 (%s)", got.Consulted, got.Open, len(got.Outcomes), tc.open, got.Reason)
			}
		})
	}
}

// One log line longer than the reader's buffer must not make the breaker
// fail open over deployments that failed.
func TestBreakerSkipsOverlongLines(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	for id := int64(100); id > 97; id-- {
		f.addDeploy(id, "failed")
		f.mu.Lock()
		f.logs[id*10] = "2026-05-01T12:00:00.5000000Z " + strings.Repeat("x", 3<<20) + "\n" + f.logs[id*10]
		f.mu.Unlock()
	}
	got := f.client(srv).CheckBreaker(context.Background(), Breaker{Threshold: 3, Window: 5, Job: "deploy", Org: "org1"})
	if !got.Consulted || !got.Open || got.Warning != "" {
		t.Fatalf("consulted=%v open=%v warning=%q, want open over 3 failures", got.Consulted, got.Open, got.Warning)
	}
}

// A run that sent nothing to the org (config or preflight error, time budget
// spent before the first submission) records attempts=0: no deployment.
func TestBreakerIgnoresRunsThatSentNothing(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	for id := int64(100); id > 97; id-- {
		f.addRun(id, 1, "failure")
		f.appendLog(id*10, "2026-05-01T12:09:00.0000000Z "+forgedLine("failed")+" attempts=0")
	}
	f.addDeploy(97, "succeeded")
	got := f.client(srv).CheckBreaker(context.Background(), Breaker{Threshold: 1, Window: 5, Job: "deploy", Org: "org1"})
	if !got.Consulted || got.Open || len(got.Outcomes) != 1 {
		t.Fatalf("consulted=%v open=%v outcomes=%d, want closed over the one deployment (%s)", got.Consulted, got.Open, len(got.Outcomes), got.Reason)
	}
}

// An open issue that someone else wrote, quoting the fingerprint marker and
// carrying the label, is never taken for the post-mortem issue.
func TestPostMortemMatchesOnlyItsOwnIssue(t *testing.T) {
	t.Parallel()
	f, srv := newFake(t)
	pm := PostMortem{Title: "Deploy failed", Body: "report", Labels: []string{"post-mortem"}, Fingerprint: "abc123"}
	f.issues = append(f.issues, map[string]any{"number": 1, "title": "bait", "body": "see " + Marker("abc123"), "state": "open",
		"_labels": []string{"post-mortem"}, "html_url": "https://github.example/acme/app/issues/1", "user": map[string]any{"login": "mallory"}})
	url, created, err := f.client(srv).FilePostMortem(context.Background(), pm)
	if err != nil {
		t.Fatal(err)
	}
	if !created || url == "https://github.example/acme/app/issues/1" || len(f.comments[1]) != 0 {
		t.Fatalf("created=%v url=%s comments on mallory's issue=%d: another author's issue was reused", created, url, len(f.comments[1]))
	}
	// The issue the action opened is its own: the next failure comments on it.
	url2, created2, err := f.client(srv).FilePostMortem(context.Background(), pm)
	if err != nil || created2 || url2 != url {
		t.Fatalf("second filing: url=%s created=%v err=%v, want a comment on %s", url2, created2, err, url)
	}
}

// With outcome-key, a line counts only with the MAC of the key over this
// run's id and attempt: a line printed inside the action's own step without
// it (org text, had it escaped the log's quoting), a genuine line replayed
// from another run, and lines keyed with another key are no outcome.
func TestBreakerOutcomeKey(t *testing.T) {
	t.Parallel()
	const key = "s3cret-outcome-key"
	b := Breaker{Threshold: 3, Window: 5, Job: "deploy", Org: "org1", Key: key}
	rec := func(status string, run int64) string {
		return OutcomeLine(OutcomeRecord{Job: "deploy", Org: "org1", Mode: "deploy", Status: status, Attempts: 1, RunID: run, RunAttempt: 1}, key)
	}
	t.Run("genuine lines count", func(t *testing.T) {
		f, srv := newFake(t)
		f.outcomeKey = key
		for id := int64(100); id > 97; id-- {
			f.addDeploy(id, "failed")
		}
		got := f.client(srv).CheckBreaker(context.Background(), b)
		if !got.Open || len(got.Outcomes) != 3 {
			t.Fatalf("open=%v outcomes=%d (%s)", got.Open, len(got.Outcomes), got.Reason)
		}
	})
	t.Run("unsigned and replayed lines do not", func(t *testing.T) {
		f, srv := newFake(t)
		f.outcomeKey = key
		for id := int64(100); id > 97; id-- {
			f.addDeploy(id, "succeeded")
			f.appendLog(id*10,
				"2026-05-01T12:08:59.0000000Z "+forgedLine("failed")+" attempts=1",
				"2026-05-01T12:09:00.5000000Z "+forgedLine("failed")+" attempts=1 mac="+strings.Repeat("0", 64),
				"2026-05-01T12:09:00.6000000Z "+rec("failed", 97))
		}
		f.addDeploy(97, "failed") // the oldest run: its genuine line is replayed above
		got := f.client(srv).CheckBreaker(context.Background(), b)
		if got.Open || len(got.Outcomes) != 4 || len(got.Failures) != 0 {
			t.Fatalf("open=%v outcomes=%d failures=%d, want 3 successes then the genuine failure (%s)", got.Open, len(got.Outcomes), len(got.Failures), got.Reason)
		}
	})
	t.Run("another key", func(t *testing.T) {
		f, srv := newFake(t)
		f.outcomeKey = "not-the-key"
		for id := int64(100); id > 97; id-- {
			f.addDeploy(id, "failed")
		}
		got := f.client(srv).CheckBreaker(context.Background(), b)
		if got.Open || len(got.Outcomes) != 0 {
			t.Fatalf("open=%v outcomes=%d (%s)", got.Open, len(got.Outcomes), got.Reason)
		}
	})
}

// Without a key, a line inside the action's step whose status the step's
// conclusion contradicts is no outcome, nor is a run whose action step holds
// two different outcome lines (one squeezed into the step's last second).
func TestBreakerStepsListWithoutKey(t *testing.T) {
	t.Parallel()
	t.Run("conclusion disagrees", func(t *testing.T) {
		f, srv := newFake(t)
		for id := int64(100); id > 97; id-- {
			f.addDeploy(id, "succeeded")
			f.setRun(id, "conclusion", "failure") // the action's step failed
		}
		got := f.client(srv).CheckBreaker(context.Background(), Breaker{Threshold: 1, Window: 5, Job: "deploy", Org: "org1"})
		if len(got.Outcomes) != 0 {
			t.Fatalf("outcomes=%d, want none: the step failed but the lines say succeeded", len(got.Outcomes))
		}
	})
	t.Run("two lines in the action's step", func(t *testing.T) {
		f, srv := newFake(t)
		for id := int64(100); id > 97; id-- {
			// Both agree with the step's conclusion (success): only their
			// disagreement with each other refuses them.
			f.addDeploy(id, "succeeded")
			f.appendLog(id*10, "2026-05-01T12:09:00.9000000Z deploy-guard outcome: job=deploy org=org1 mode=quick status=recovered attempts=2")
		}
		got := f.client(srv).CheckBreaker(context.Background(), Breaker{Threshold: 1, Window: 5, Job: "deploy", Org: "org1"})
		if len(got.Outcomes) != 0 || got.Open {
			t.Fatalf("outcomes=%d open=%v, want no outcome from an ambiguous step", len(got.Outcomes), got.Open)
		}
	})
}

func TestFindSelf(t *testing.T) {
	t.Parallel()
	run := func(name, runner, status string, steps ...Step) Job {
		return Job{Name: name, Runner: runner, Status: status, Steps: steps}
	}
	done, now, later := Step{Name: "Set up job", Status: "completed"}, Step{Name: "Deploy", Status: "in_progress"}, Step{Name: "Deploy", Status: "queued"}
	for _, tc := range []struct {
		name   string
		jobs   []Job
		runner string
		want   Self
		err    bool
	}{
		{"by runner", []Job{run("deploy (prod)", "r1", "in_progress", done, now), run("deploy (uat)", "r2", "in_progress", done, now)}, "r1", Self{"deploy (prod)", "Deploy"}, false},
		{"by GITHUB_JOB", []Job{run("deploy", "", "in_progress", done, now), run("lint", "", "in_progress")}, "", Self{"deploy", "Deploy"}, false},
		{"step list lags", []Job{run("deploy", "r1", "in_progress", done, later)}, "r1", Self{"deploy", "Deploy"}, false},
		{"finished jobs are not this one", []Job{run("deploy", "r1", "completed", done)}, "r1", Self{}, true},
		{"ambiguous", []Job{run("deploy", "", "in_progress"), run("deploy", "", "queued")}, "", Self{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := findSelf(tc.jobs, tc.runner, "deploy")
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("findSelf = %+v, %v; want %+v, error %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestEachLine(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("y", 300)
	in := "a\n" + long + "\n" + strings.Repeat("z", 100) + "\nb\r\nc"
	var got []string
	if err := eachLine(strings.NewReader(in), 100, func(s string) { got = append(got, s) }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", strings.Repeat("z", 100), "b\r", "c"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("lines = %q, want %q", got, want)
	}
}
