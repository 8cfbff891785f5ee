package ghapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// OutcomeMarker starts the log line in which deploy-guard records the
// outcome of its run, for the circuit breaker of later runs to read. The
// action's log reserves it (actions.Log.Reserve): no text the action
// relays can start a line with it.
const OutcomeMarker = "deploy-guard outcome:"

// OutcomeRecord is what one run records on its outcome line.
type OutcomeRecord struct {
	// Job is GITHUB_JOB, Org the org key (config.Auth.OrgKey), Mode the
	// mode input and Status the status output.
	Job, Org, Mode, Status string
	// Attempts is the number of deployment attempts: 0 when nothing was
	// sent to the org (a config or preflight error, the time budget spent
	// before the first submission), which is no deployment.
	Attempts int
	// RunID and RunAttempt (GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT) bind the
	// line's MAC to this run's attempt; they are not printed.
	RunID      int64
	RunAttempt int
}

// OutcomeLine is that line. Values hold no spaces. With a key (the
// outcome-key input) it ends with mac=<HMAC-SHA256 of the run id, the run
// attempt and every field>, which only a holder of the key can print and
// which is worth nothing in any other run or attempt.
func OutcomeLine(rec OutcomeRecord, key string) string {
	f := rec.fields()
	line := fmt.Sprintf("%s job=%s org=%s mode=%s status=%s attempts=%s", OutcomeMarker, f["job"], f["org"], f["mode"], f["status"], f["attempts"])
	if key != "" {
		line += " mac=" + outcomeMAC(key, rec.RunID, rec.RunAttempt, f)
	}
	return line
}

func (rec OutcomeRecord) fields() map[string]string {
	return map[string]string{"job": outcomeField(rec.Job), "org": outcomeField(rec.Org), "mode": outcomeField(rec.Mode),
		"status": outcomeField(rec.Status), "attempts": strconv.Itoa(max(rec.Attempts, 0))}
}

// macFields are the fields the MAC covers, in order.
var macFields = []string{"job", "org", "mode", "status", "attempts"}

// outcomeMAC is the hex HMAC-SHA256, keyed by key, of the run id, the run
// attempt and the line's fields.
func outcomeMAC(key string, runID int64, attempt int, f map[string]string) string {
	m := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(m, "deploy-guard outcome v1\n%d\n%d\n", runID, attempt)
	for _, k := range macFields {
		fmt.Fprintf(m, "%s=%s\n", k, f[k])
	}
	return hex.EncodeToString(m.Sum(nil))
}

// outcomeField writes a value of the outcome line: no spaces, "-" for none.
func outcomeField(s string) string {
	if s = strings.Join(strings.Fields(s), "_"); s == "" {
		return "-"
	}
	return s
}

// Outcome is a past run's deployment outcome, as its log recorded it.
type Outcome struct {
	Run    Run
	JobID  int64
	Mode   string
	Status string
	// NothingSent is true when the run recorded attempts=0: it sent
	// nothing to the org.
	NothingSent bool
	// Finished is when the job completed.
	Finished time.Time
}

// Deployed reports whether the outcome is a deployment that finished: a
// deploy or quick run that sent something to the org and succeeded or
// failed. Blocked, cancelled, skipped and check-only (validate, dry-run)
// runs, and runs that sent nothing, are not.
func (o Outcome) Deployed() bool {
	if o.NothingSent || (o.Mode != "deploy" && o.Mode != "quick") {
		return false
	}
	return deployedStatus(o.Status)
}

func deployedStatus(s string) bool {
	switch s {
	case "succeeded", "recovered", "failed":
		return true
	}
	return false
}

// Failed reports whether the deployment failed.
func (o Outcome) Failed() bool { return o.Status == "failed" }

// DeployingEvent reports whether a run of this event is a deployment whose
// outcome counts: push, workflow_dispatch, schedule and release. A
// pull_request or pull_request_target run never counts, even when it is
// listed under this branch (a fork's branch named main).
func DeployingEvent(event string) bool {
	switch event {
	case "push", "workflow_dispatch", "schedule", "release":
		return true
	}
	return false
}

// loggedLine is an outcome line read from a job log: the runner's
// timestamp and the line's fields.
type loggedLine struct {
	At     time.Time
	Fields map[string]string
}

// same reports whether two lines record the same outcome.
func (l loggedLine) same(m loggedLine) bool {
	if len(l.Fields) != len(m.Fields) {
		return false
	}
	for k, v := range l.Fields {
		if m.Fields[k] != v {
			return false
		}
	}
	return true
}

// parseOutcome reads an OutcomeLine from a job log line. The runner puts a
// timestamp before each line it writes; the marker must come right after
// it, so text that deploy-guard only quotes (sf and org output) cannot pass
// for one. A line without a timestamp is the second line of a multi-line
// message (an annotation's), whose text a step chose: never an outcome.
func parseOutcome(line string) (l loggedLine, ok bool) {
	ts, rest, cut := strings.Cut(strings.TrimRight(line, "\r"), " ")
	if !cut || !strings.HasPrefix(rest, OutcomeMarker) {
		return l, false
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return l, false
	}
	l.At = at
	rest = strings.TrimPrefix(rest, OutcomeMarker)
	l.Fields = map[string]string{}
	for _, kv := range strings.Fields(rest) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			l.Fields[k] = v
		}
	}
	return l, l.Fields["job"] != "" && l.Fields["status"] != ""
}

// Step is one step of a job, as the jobs API lists it.
type Step struct {
	Number             int
	Name               string
	Status, Conclusion string
	Started, Completed time.Time
}

// Job is one job of a run, as the jobs API lists it.
type Job struct {
	ID                 int64
	Name               string
	Attempt            int
	Status, Conclusion string
	Runner             string
	Completed          time.Time
	Steps              []Step
}

func jobFromAPI(j *github.WorkflowJob) Job {
	out := Job{ID: j.GetID(), Name: j.GetName(), Attempt: int(j.GetRunAttempt()), Status: j.GetStatus(),
		Conclusion: j.GetConclusion(), Runner: j.GetRunnerName(), Completed: j.GetCompletedAt().Time}
	for _, s := range j.Steps {
		out.Steps = append(out.Steps, Step{Number: int(s.GetNumber()), Name: s.GetName(), Status: s.GetStatus(),
			Conclusion: s.GetConclusion(), Started: s.GetStartedAt().Time, Completed: s.GetCompletedAt().Time})
	}
	return out
}

// Self is the running job and the step running deploy-guard, as the jobs
// list of this run names them: the breaker reads, in past runs, only the
// job of that name, and without an outcome key only lines inside the step
// of that name.
type Self struct {
	JobName, StepName string
}

// findSelf picks this job out of the current run's jobs: the unfinished
// job on this runner (RUNNER_NAME: a runner runs one job at a time), else
// the one unfinished job named after GITHUB_JOB (a job's name when it sets
// none and is no matrix). Its step running deploy-guard is the step in
// progress, else the first one not completed (the list may lag).
func findSelf(jobs []Job, runner, jobKey string) (Self, error) {
	pick := func(match func(Job) bool) (Job, bool) {
		var found []Job
		for _, j := range jobs {
			if j.Status != "completed" && match(j) {
				found = append(found, j)
			}
		}
		if len(found) == 1 {
			return found[0], true
		}
		return Job{}, false
	}
	j, ok := pick(func(j Job) bool { return runner != "" && j.Runner == runner })
	if !ok {
		j, ok = pick(func(j Job) bool { return jobKey != "" && j.Name == jobKey })
	}
	if !ok {
		return Self{}, fmt.Errorf("this job is not in its run's jobs list (no unfinished job on runner %q or named %q)", runner, jobKey)
	}
	s := Self{JobName: j.Name}
	for _, st := range j.Steps {
		if st.Status == "in_progress" {
			s.StepName = st.Name
			return s, nil
		}
	}
	for _, st := range j.Steps {
		if st.Status != "completed" {
			s.StepName = st.Name
			break
		}
	}
	return s, nil
}

// pickJob is the one job of a past run named name; ok is false when there
// is none or more than one.
func pickJob(jobs []Job, name string) (Job, bool) {
	var found []Job
	for _, j := range jobs {
		if j.Name == name {
			found = append(found, j)
		}
	}
	if len(found) != 1 {
		return Job{}, false
	}
	return found[0], true
}

// want is what makes an outcome line this job's own.
type want struct {
	Job, Org string
	Self     Self
	// Key is the outcome-key input; without it a line counts only inside
	// the step named Self.StepName.
	Key string
}

// actionStep is the one step of j named like this run's step running
// deploy-guard; ok is false when there is none or more than one.
func (w want) actionStep(j Job) (Step, bool) {
	var found []Step
	for _, s := range j.Steps {
		if s.Name == w.Self.StepName {
			found = append(found, s)
		}
	}
	if len(found) != 1 || found[0].Status != "completed" || found[0].Started.IsZero() || found[0].Completed.IsZero() {
		return Step{}, false
	}
	return found[0], true
}

// admits reports whether line l, read in the log of job j of run r, can be
// deploy-guard's own outcome line for this job and org:
//   - with a key, only when its MAC is right for r's id and j's attempt:
//     nobody without the key can print one, and a genuine line copied from
//     another run or attempt fails;
//   - without one, only when the runner's timestamp puts it inside the step
//     that ran deploy-guard (the API's step times are whole seconds, so the
//     step's last second counts).
func (w want) admits(r Run, j Job, l loggedLine) bool {
	if l.Fields["job"] != outcomeField(w.Job) || l.Fields["org"] != outcomeField(w.Org) {
		return false
	}
	if w.Key != "" {
		attempt := j.Attempt
		if attempt < 1 {
			attempt = r.Attempt
		}
		got := l.Fields["mac"]
		return got != "" && hmac.Equal([]byte(got), []byte(outcomeMAC(w.Key, r.ID, attempt, l.Fields)))
	}
	s, ok := w.actionStep(j)
	if !ok {
		return false
	}
	from, to := s.Started.Truncate(time.Second), s.Completed.Truncate(time.Second).Add(time.Second)
	return !l.At.Before(from) && l.At.Before(to)
}

// judge decides the outcome job j of run r recorded, from the lines its log
// holds that w admits. With a key the last admitted line is the outcome.
// Without one, every admitted line must record the same outcome, and a
// deployment's status must agree with the conclusion the runner gave the
// step that ran deploy-guard (succeeded and recovered exit 0, failed exits
// 1): a line another step squeezed into that step's first or last second
// can then only make the run count for nothing.
func judge(r Run, j Job, lines []loggedLine, w want) (Outcome, bool) {
	if j.Status != "completed" || (j.Conclusion != "success" && j.Conclusion != "failure") || len(lines) == 0 {
		return Outcome{}, false
	}
	l := lines[len(lines)-1]
	if w.Key == "" {
		for _, m := range lines {
			if !m.same(l) {
				return Outcome{}, false
			}
		}
		s, _ := w.actionStep(j)
		if st := l.Fields["status"]; deployedStatus(st) && (st == "failed") != (s.Conclusion == "failure") {
			return Outcome{}, false
		}
	}
	o := Outcome{Run: r, JobID: j.ID, Mode: l.Fields["mode"], Status: l.Fields["status"], NothingSent: l.Fields["attempts"] == "0", Finished: j.Completed}
	if o.Finished.IsZero() {
		o.Finished = r.Updated
	}
	return o, true
}

// Bounds of reading past jobs: jobs looked at per run, bytes read per log,
// the longest line read (a longer one is skipped), the admitted lines kept.
const (
	maxJobsPerRun   = 100
	maxLogBytes     = 32 << 20
	maxLogLine      = 1 << 20
	maxAdmittedKept = 16
)

// jobsOf lists the jobs of run id (latest attempt).
func (c *Client) jobsOf(ctx context.Context, id int64) ([]Job, error) {
	var jobs *github.Jobs
	err := c.call(ctx, true, func(ctx context.Context) (*github.Response, error) {
		var resp *github.Response
		var err error
		jobs, resp, err = c.gh.Actions.ListWorkflowJobs(ctx, c.env.Owner(), c.env.Name(), id,
			&github.ListWorkflowJobsOptions{Filter: "latest", ListOptions: github.ListOptions{PerPage: maxJobsPerRun}})
		return resp, err
	})
	if err != nil {
		return nil, err
	}
	var out []Job
	for _, j := range jobs.Jobs {
		out = append(out, jobFromAPI(j))
	}
	return out, nil
}

// outcomeOf finds the outcome that deploy-guard recorded in run r: it reads
// the log of the one job of r named like this job, and judges the lines w
// admits. ok is false when it recorded none.
func (c *Client) outcomeOf(ctx context.Context, r Run, w want) (o Outcome, ok bool, err error) {
	jobs, err := c.jobsOf(ctx, r.ID)
	if err != nil {
		return o, false, err
	}
	j, found := pickJob(jobs, w.Self.JobName)
	if !found || j.Status != "completed" {
		return o, false, nil
	}
	var lines []loggedLine
	err = c.readLog(ctx, j.ID, func(line string) {
		if l, ok := parseOutcome(line); ok && w.admits(r, j, l) {
			if len(lines) == maxAdmittedKept {
				lines = lines[1:]
			}
			lines = append(lines, l)
		}
	})
	if err != nil {
		return o, false, err
	}
	o, ok = judge(r, j, lines, w)
	return o, ok, nil
}

// readLog calls fn with each line of a job's log; an expired or deleted
// log has none.
func (c *Client) readLog(ctx context.Context, jobID int64, fn func(string)) error {
	var logURL string
	err := c.call(ctx, true, func(ctx context.Context) (*github.Response, error) {
		u, resp, err := c.gh.Actions.GetWorkflowJobLogs(ctx, c.env.Owner(), c.env.Name(), jobID, 1)
		if u != nil {
			logURL = u.String()
		}
		return resp, err
	})
	var ae *APIError
	if errors.As(err, &ae) && (ae.Kind == KindNotFound || ae.Kind == KindGone) {
		return nil // the log expired or was deleted: no outcome
	}
	if err != nil {
		return err
	}
	return c.call(ctx, true, func(ctx context.Context) (*github.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, logURL, nil)
		if err != nil {
			return nil, err
		}
		// The log lives on another host: the client's transport sends the
		// token to the API host only.
		resp, err := c.gh.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return &github.Response{Response: resp}, fmt.Errorf("reading the log of job %d: HTTP %d", jobID, resp.StatusCode)
		}
		return &github.Response{Response: resp}, eachLine(io.LimitReader(resp.Body, maxLogBytes), maxLogLine, fn)
	})
}

// eachLine calls fn with each line of r (without its "\n"). A line longer
// than max bytes is skipped whole: it is no outcome line, and the lines
// after it are read as usual.
func eachLine(r io.Reader, max int, fn func(string)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	skip := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !skip {
			if len(buf)+len(chunk) > max+1 {
				skip, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if !skip && len(buf) > 0 {
			fn(string(bytes.TrimSuffix(buf, []byte("\n"))))
		}
		buf, skip = buf[:0], false
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
