// Package ghenv is the identity of the workflow run, read once from the
// GITHUB_* variables: repository, workflow, branch, run and attempt, pull
// request, and the one link to the run. Every sink (summary, events, issue,
// comment, Slack, OTLP) takes it from here instead of reading the
// environment itself.
package ghenv

import (
	"encoding/json"
	"os"
	"path"
	"strconv"
	"strings"
)

// Env identifies the workflow run, from the GITHUB_* variables.
type Env struct {
	// Repository is "owner/name".
	Repository string
	// WorkflowRef is "owner/name/.github/workflows/deploy.yml@refs/heads/main".
	WorkflowRef string
	// Ref is the full ref (GITHUB_REF: refs/heads/main, refs/pull/5/merge);
	// RefName the branch or tag name (GITHUB_REF_NAME).
	Ref, RefName string
	// HeadRef is the source branch of a pull request (GITHUB_HEAD_REF);
	// empty for other events.
	HeadRef   string
	EventName string
	// ServerURL is the web address (https://github.com), APIURL the REST
	// API's (https://api.github.com, https://ghes.example/api/v3).
	ServerURL, APIURL string
	RunID             int64
	RunAttempt        int
	// PRNumber is pull_request.number from the event file; 0 if none.
	PRNumber int
	Actor    string
	SHA      string
	// Workflow is the workflow's name (GITHUB_WORKFLOW).
	Workflow string
}

// From reads the run's identity through getenv (os.Getenv in production).
// It reads the event file named by GITHUB_EVENT_PATH for the pull-request
// number, falling back to a refs/pull/<n>/merge GITHUB_REF.
func From(getenv func(string) string) Env {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	e := Env{
		Repository:  get("GITHUB_REPOSITORY"),
		WorkflowRef: get("GITHUB_WORKFLOW_REF"),
		Ref:         get("GITHUB_REF"),
		RefName:     get("GITHUB_REF_NAME"),
		HeadRef:     get("GITHUB_HEAD_REF"),
		EventName:   get("GITHUB_EVENT_NAME"),
		ServerURL:   strings.TrimRight(get("GITHUB_SERVER_URL"), "/"),
		APIURL:      strings.TrimRight(get("GITHUB_API_URL"), "/"),
		Actor:       get("GITHUB_ACTOR"),
		SHA:         get("GITHUB_SHA"),
		Workflow:    get("GITHUB_WORKFLOW"),
	}
	if e.ServerURL == "" {
		e.ServerURL = "https://github.com"
	}
	if e.APIURL == "" {
		e.APIURL = "https://api.github.com"
	}
	e.RunID, _ = strconv.ParseInt(get("GITHUB_RUN_ID"), 10, 64)
	e.RunAttempt, _ = strconv.Atoi(get("GITHUB_RUN_ATTEMPT"))
	if e.RunAttempt < 1 {
		e.RunAttempt = 1
	}
	if p := get("GITHUB_EVENT_PATH"); p != "" {
		e.PRNumber = prNumberFromEvent(p)
	}
	if e.PRNumber == 0 {
		if rest, ok := strings.CutPrefix(e.Ref, "refs/pull/"); ok {
			if n, _, ok := strings.Cut(rest, "/"); ok {
				e.PRNumber, _ = strconv.Atoi(n)
			}
		}
	}
	return e
}

func prNumberFromEvent(p string) int {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	var ev struct {
		PullRequest *struct {
			Number int `json:"number"`
		} `json:"pull_request"`
	}
	if json.Unmarshal(b, &ev) != nil || ev.PullRequest == nil {
		return 0
	}
	return ev.PullRequest.Number
}

// Owner and Name split Repository.
func (e Env) Owner() string { o, _, _ := strings.Cut(e.Repository, "/"); return o }

// Name is the repository name without the owner.
func (e Env) Name() string { _, n, _ := strings.Cut(e.Repository, "/"); return n }

// WorkflowPath is the workflow file's path in the repository
// (".github/workflows/deploy.yml"): WorkflowRef without "owner/name/" and
// without "@ref".
func (e Env) WorkflowPath() string {
	ref := e.WorkflowRef
	if i := strings.LastIndex(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if e.Repository != "" {
		if rest, ok := strings.CutPrefix(ref, e.Repository+"/"); ok {
			return rest
		}
	}
	// owner/name/<path>
	parts := strings.SplitN(ref, "/", 3)
	if len(parts) == 3 {
		return parts[2]
	}
	return ref
}

// WorkflowFile is the workflow's file name ("deploy.yml"), the form the
// REST API accepts as a workflow id.
func (e Env) WorkflowFile() string {
	p := e.WorkflowPath()
	if p == "" {
		return ""
	}
	return path.Base(p)
}

// Branch is the branch whose history the breaker and metrics read: the head
// branch of a pull request, else RefName.
func (e Env) Branch() string {
	if e.HeadRef != "" {
		return e.HeadRef
	}
	return e.RefName
}

// WorkflowName is the workflow's display name, or its file when unnamed.
func (e Env) WorkflowName() string {
	if e.Workflow != "" {
		return e.Workflow
	}
	return e.WorkflowFile()
}

// RunURL links to this run's attempt:
// <server>/<owner>/<name>/actions/runs/<id>/attempts/<n>.
func (e Env) RunURL() string {
	if e.Repository == "" || e.RunID == 0 {
		return ""
	}
	a := e.RunAttempt
	if a < 1 {
		a = 1
	}
	return e.ServerURL + "/" + e.Repository + "/actions/runs/" + strconv.FormatInt(e.RunID, 10) + "/attempts/" + strconv.Itoa(a)
}
