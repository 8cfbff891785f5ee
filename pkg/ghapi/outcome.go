package ghapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// OutcomeMarker starts the log line in which deploy-guard records the
// outcome of its run, for the circuit breaker of later runs to read.
const OutcomeMarker = "deploy-guard outcome:"

// OutcomeLine is that line: the job (GITHUB_JOB), the org key (a hash, see
// config.Auth.OrgKey), the mode and the status output. Values hold no
// spaces.
func OutcomeLine(job, org, mode, status string) string {
	return fmt.Sprintf("%s job=%s org=%s mode=%s status=%s", OutcomeMarker, outcomeField(job), outcomeField(org), outcomeField(mode), outcomeField(status))
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
	// Finished is when the job completed.
	Finished time.Time
}

// Deployed reports whether the outcome is a deployment that finished: a
// deploy or quick run that succeeded or failed. Blocked, cancelled, skipped
// and check-only (validate, dry-run) runs are not.
func (o Outcome) Deployed() bool {
	if o.Mode != "deploy" && o.Mode != "quick" {
		return false
	}
	switch o.Status {
	case "succeeded", "recovered", "failed":
		return true
	}
	return false
}

// Failed reports whether the deployment failed.
func (o Outcome) Failed() bool { return o.Status == "failed" }

// parseOutcome reads an OutcomeLine from a job log line. The runner puts a
// timestamp before each line; the marker must come right after it, so text
// that deploy-guard only quotes (sf and org output) cannot pass for one.
func parseOutcome(line string) (fields map[string]string, ok bool) {
	line = strings.TrimRight(line, "\r")
	if _, rest, cut := strings.Cut(line, " "); cut && !strings.HasPrefix(line, OutcomeMarker) {
		line = rest
	}
	rest, ok := strings.CutPrefix(line, OutcomeMarker)
	if !ok {
		return nil, false
	}
	fields = map[string]string{}
	for _, kv := range strings.Fields(rest) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			fields[k] = v
		}
	}
	return fields, fields["job"] != "" && fields["status"] != ""
}

// Bounds of reading past jobs: jobs looked at per run, bytes read per log.
const (
	maxJobsPerRun = 20
	maxLogBytes   = 32 << 20
)

// outcomeOf finds the outcome that deploy-guard recorded for job and org in
// run r, reading the logs of the run's finished jobs (latest attempt). ok
// is false when no job of the run recorded one.
func (c *Client) outcomeOf(ctx context.Context, r Run, job, org string) (o Outcome, ok bool, err error) {
	var jobs *github.Jobs
	err = c.call(ctx, true, func(ctx context.Context) (*github.Response, error) {
		var resp *github.Response
		var err error
		jobs, resp, err = c.gh.Actions.ListWorkflowJobs(ctx, c.env.Owner(), c.env.Name(), r.ID,
			&github.ListWorkflowJobsOptions{Filter: "latest", ListOptions: github.ListOptions{PerPage: maxJobsPerRun}})
		return resp, err
	})
	if err != nil {
		return o, false, err
	}
	for _, j := range jobs.Jobs {
		if j.GetStatus() != "completed" || (j.GetConclusion() != "success" && j.GetConclusion() != "failure") {
			continue
		}
		f, found, err := c.jobOutcome(ctx, j.GetID())
		if err != nil {
			return o, false, err
		}
		if !found || f["job"] != outcomeField(job) || f["org"] != outcomeField(org) {
			continue
		}
		o = Outcome{Run: r, JobID: j.GetID(), Mode: f["mode"], Status: f["status"], Finished: j.GetCompletedAt().Time}
		if o.Finished.IsZero() {
			o.Finished = r.Updated
		}
		return o, true, nil
	}
	return o, false, nil
}

// jobOutcome reads a job's log and returns the fields of its last outcome
// line.
func (c *Client) jobOutcome(ctx context.Context, jobID int64) (map[string]string, bool, error) {
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
		return nil, false, nil // the log expired or was deleted: no outcome
	}
	if err != nil {
		return nil, false, err
	}
	var last map[string]string
	err = c.call(ctx, true, func(ctx context.Context) (*github.Response, error) {
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
		sc := bufio.NewScanner(io.LimitReader(resp.Body, maxLogBytes))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if f, ok := parseOutcome(sc.Text()); ok {
				last = f
			}
		}
		return &github.Response{Response: resp}, sc.Err()
	})
	return last, last != nil, err
}
