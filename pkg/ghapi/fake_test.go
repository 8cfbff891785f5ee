package ghapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/ghenv"
)

// fakeGitHub behaves like the parts of the GitHub REST API deploy-guard
// uses, under the GHES-style prefix /api/v3.
type fakeGitHub struct {
	t     *testing.T
	token string
	// login is the token's user for GET /user; empty for an installation
	// token, which gets 403 there and comments as github-actions[bot].
	login string

	mu   sync.Mutex
	runs []map[string]any // newest first
	logs map[int64]string // job id → its log; a run's job id is 10×its id
	// jobs replaces a run's default job list (one job "deploy", see listJobs).
	jobs     map[int64][]map[string]any
	gone     map[int64]bool // jobs whose log expired (410)
	issues   []map[string]any
	comments map[int][]map[string]any // issue number → comments
	nextID   int64
	bodies   []string // every request body received
	requests []string // "METHOD path?query"
	authBad  int      // requests without the expected Authorization header
	fault    http.HandlerFunc
	// outcomeKey, when set, is the key addDeploy's lines carry the MAC of.
	outcomeKey string
	mux        *http.ServeMux
}

func newFake(t *testing.T) (*fakeGitHub, *httptest.Server) {
	f := &fakeGitHub{t: t, token: "ghs_faketoken1234567890", comments: map[int][]map[string]any{}, nextID: 1000,
		logs: map[int64]string{}, gone: map[int64]bool{}, jobs: map[int64][]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/repos/{o}/{r}/actions/workflows/{file}/runs", f.listRuns)
	mux.HandleFunc("GET /api/v3/repos/{o}/{r}/actions/runs/{id}/jobs", f.listJobs)
	mux.HandleFunc("GET /api/v3/repos/{o}/{r}/actions/jobs/{id}/logs", f.jobLogs)
	mux.HandleFunc("GET /blob/logs/{id}", f.rawLog)
	mux.HandleFunc("GET /api/v3/repos/{o}/{r}/issues", f.listIssues)
	mux.HandleFunc("POST /api/v3/repos/{o}/{r}/issues", f.createIssue)
	mux.HandleFunc("GET /api/v3/repos/{o}/{r}/issues/{n}/comments", f.listComments)
	mux.HandleFunc("POST /api/v3/repos/{o}/{r}/issues/{n}/comments", f.createComment)
	mux.HandleFunc("PATCH /api/v3/repos/{o}/{r}/issues/comments/{id}", f.editComment)
	mux.HandleFunc("GET /api/v3/user", f.user)
	f.mux = mux
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, string(b))
		f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
		if r.Header.Get("Authorization") != "Bearer "+f.token {
			f.authBad++
		}
		fault := f.fault
		f.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		if fault != nil {
			fault(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeGitHub) env(srv *httptest.Server) ghenv.Env {
	return ghenv.Env{
		Repository: "acme/app", WorkflowRef: "acme/app/.github/workflows/deploy.yml@refs/heads/main",
		RefName: "main", EventName: "push", ServerURL: "https://github.example", APIURL: srv.URL + "/api/v3",
		RunID: 9999, RunAttempt: 1, Actor: "octocat", SHA: "0123456789abcdef0123", Workflow: "Deploy",
	}
}

func (f *fakeGitHub) client(srv *httptest.Server) *Client {
	c := New(f.token, f.env(srv), srv.Client())
	c.Sleep = noSleep
	return c
}

// addRun appends a run older than every run added before.
func (f *fakeGitHub) addRun(id int64, attempt int, conclusion string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	created := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).Add(-time.Duration(len(f.runs)) * time.Hour)
	f.runs = append(f.runs, map[string]any{
		"id": id, "run_attempt": attempt, "status": "completed", "conclusion": conclusion,
		"event": "push", "head_branch": "main", "head_sha": fmt.Sprintf("sha%d", id),
		"html_url":   fmt.Sprintf("https://github.example/acme/app/actions/runs/%d", id),
		"created_at": created.Format(time.RFC3339), "updated_at": created.Add(10 * time.Minute).Format(time.RFC3339),
		"display_title": fmt.Sprintf("commit %d", id),
	})
}

// addDeploy adds a run whose job log records a deploy-guard outcome: the
// run of job "deploy" to org "org1" in mode deploy unless kv says otherwise
// ("job=x", "org=y", "mode=validate").
func (f *fakeGitHub) addDeploy(id int64, status string, kv ...string) {
	conclusion := "failure"
	if status == "succeeded" || status == "recovered" || status == "validated" || status == "skipped" {
		conclusion = "success"
	}
	f.addRun(id, 1, conclusion)
	fields := map[string]string{"job": "deploy", "org": "org1", "mode": "deploy"}
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		fields[k] = v
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs[id*10] = "2026-05-01T12:00:00.0000000Z ##[group]Run org/deploy-guard@v1\n" +
		"2026-05-01T12:00:01.0000000Z   quoted by sf: " + OutcomeLine(OutcomeRecord{Job: "deploy", Org: "org1", Mode: "deploy", Status: "succeeded", Attempts: 1}, "") + "\n" +
		"2026-05-01T12:09:00.0000000Z " + OutcomeLine(OutcomeRecord{Job: fields["job"], Org: fields["org"], Mode: fields["mode"], Status: status, Attempts: 1, RunID: id, RunAttempt: 1}, f.outcomeKey) + "\n" +
		"2026-05-01T12:09:01.0000000Z Post job cleanup.\n"
}

// setRun changes a field of run id ("event", "head_branch", ...).
func (f *fakeGitHub) setRun(id int64, key string, value any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.runs {
		if r["id"] == id {
			r[key] = value
		}
	}
}

// appendLog adds raw lines to the log of job id.
func (f *fakeGitHub) appendLog(jobID int64, lines ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range lines {
		f.logs[jobID] += l + "\n"
	}
}

// Step times of every default job: addDeploy's log prints the action's
// outcome line at 12:09:00, inside the action's step.
var (
	stepSetUp  = []string{"2026-05-01T11:59:58Z", "2026-05-01T11:59:59Z"}
	stepAction = []string{"2026-05-01T12:00:00Z", "2026-05-01T12:09:00Z"}
	stepTests  = []string{"2026-05-01T12:09:01Z", "2026-05-01T12:09:40Z"}
)

// actionStep is the name of the step that runs deploy-guard in every job.
const actionStep = "Run org/deploy-guard@v1"

func step(n int, name, conclusion string, at []string) map[string]any {
	return map[string]any{"number": n, "name": name, "status": "completed", "conclusion": conclusion, "started_at": at[0], "completed_at": at[1]}
}

// defaultJob is a run's one job, "deploy": set up, deploy-guard, then a
// step running the project's own tests. The action's step concludes as the
// run did.
func defaultJob(id int64, conclusion any, completed any) map[string]any {
	c, _ := conclusion.(string)
	return map[string]any{"id": id * 10, "run_id": id, "run_attempt": 1, "name": "deploy", "status": "completed",
		"conclusion": c, "completed_at": completed, "runner_name": "runner-1",
		"steps": []any{step(1, "Set up job", "success", stepSetUp), step(2, actionStep, c, stepAction), step(3, "Run npm test", "success", stepTests)}}
}

func (f *fakeGitHub) listJobs(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	if jobs, ok := f.jobs[id]; ok {
		writeJSON(w, 200, map[string]any{"total_count": len(jobs), "jobs": jobs})
		return
	}
	if id == 9999 {
		// The current run: this job runs deploy-guard now.
		job := map[string]any{"id": 99990, "run_id": id, "run_attempt": 1, "name": "deploy", "status": "in_progress", "runner_name": "runner-1",
			"steps": []any{step(1, "Set up job", "success", stepSetUp),
				map[string]any{"number": 2, "name": actionStep, "status": "in_progress", "started_at": stepAction[0]},
				map[string]any{"number": 3, "name": "Run npm test", "status": "queued"}}}
		writeJSON(w, 200, map[string]any{"total_count": 1, "jobs": []any{job}})
		return
	}
	for _, run := range f.runs {
		if run["id"] == id {
			writeJSON(w, 200, map[string]any{"total_count": 1, "jobs": []any{defaultJob(id, run["conclusion"], run["updated_at"])}})
			return
		}
	}
	writeJSON(w, 404, map[string]any{"message": "Not Found"})
}

func (f *fakeGitHub) jobLogs(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	gone := f.gone[id]
	f.mu.Unlock()
	if gone {
		writeJSON(w, 410, map[string]any{"message": "Gone"})
		return
	}
	w.Header().Set("Location", "http://"+r.Host+"/blob/logs/"+r.PathValue("id"))
	w.WriteHeader(http.StatusFound)
}

func (f *fakeGitHub) rawLog(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	fmt.Fprint(w, f.logs[id])
}

func (f *fakeGitHub) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func page(w http.ResponseWriter, r *http.Request, n int) (lo, hi int) {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 {
		per = 30
	}
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if p <= 0 {
		p = 1
	}
	lo, hi = min((p-1)*per, n), min(p*per, n)
	if hi < n {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p+1))
		u := *r.URL
		u.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, u.RequestURI()))
	}
	return lo, hi
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeGitHub) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.PathValue("file") != "deploy.yml" || q.Get("status") != "completed" || q.Get("branch") != "main" {
		writeJSON(w, 404, map[string]any{"message": "Not Found"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	lo, hi := page(w, r, len(f.runs))
	writeJSON(w, 200, map[string]any{"total_count": len(f.runs), "workflow_runs": f.runs[lo:hi]})
}

func (f *fakeGitHub) listIssues(w http.ResponseWriter, r *http.Request) {
	label := r.URL.Query().Get("labels")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, is := range f.issues {
		if is["state"] != "open" {
			continue
		}
		if label != "" && !strings.Contains(","+strings.Join(is["_labels"].([]string), ",")+",", ","+label+",") {
			continue
		}
		out = append(out, is)
	}
	lo, hi := page(w, r, len(out))
	writeJSON(w, 200, out[lo:hi])
}

func (f *fakeGitHub) createIssue(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Title, Body string
		Labels      []string
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Title == "" {
		writeJSON(w, 422, map[string]any{"message": "Validation Failed"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.issues) + 1
	is := map[string]any{
		"number": n, "title": req.Title, "body": req.Body, "state": "open", "_labels": req.Labels,
		"html_url": fmt.Sprintf("https://github.example/acme/app/issues/%d", n),
		"user":     map[string]any{"login": f.author()},
	}
	f.issues = append(f.issues, is)
	writeJSON(w, 201, is)
}

func (f *fakeGitHub) listComments(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.PathValue("n"))
	f.mu.Lock()
	defer f.mu.Unlock()
	cs := f.comments[n]
	lo, hi := page(w, r, len(cs))
	writeJSON(w, 200, cs[lo:hi])
}

func (f *fakeGitHub) createComment(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.PathValue("n"))
	var req struct{ Body string }
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	c := map[string]any{"id": f.nextID, "body": req.Body, "html_url": fmt.Sprintf("https://github.example/acme/app/issues/%d#issuecomment-%d", n, f.nextID),
		"user": map[string]any{"login": f.author()}}
	f.comments[n] = append(f.comments[n], c)
	writeJSON(w, 201, c)
}

func (f *fakeGitHub) editComment(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var req struct{ Body string }
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, cs := range f.comments {
		for _, c := range cs {
			if c["id"].(int64) == id {
				c["body"] = req.Body
				writeJSON(w, 200, c)
				return
			}
		}
	}
	writeJSON(w, 404, map[string]any{"message": "Not Found"})
}

func (f *fakeGitHub) user(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.login == "" {
		writeJSON(w, 403, map[string]any{"message": "Resource not accessible by integration"})
		return
	}
	writeJSON(w, 200, map[string]any{"login": f.login, "type": "User"})
}

// author is who the token comments as.
func (f *fakeGitHub) author() string {
	if f.login == "" {
		return ActionsBotLogin
	}
	return f.login
}
