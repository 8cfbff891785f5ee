package ghapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
	"github.com/org/deploy-guard/pkg/safetext"
)

// DefaultPostMortemLabels are the labels of a post-mortem issue.
var DefaultPostMortemLabels = []string{"post-mortem", "deployment-failure"}

// MaxBody is the longest issue or comment body sent (GitHub's limit is
// 65,536 characters).
const MaxBody = 60000

// PostMortem is an issue to open, or to comment on when one with the same
// fingerprint is open.
type PostMortem struct {
	Title, Body string
	Labels      []string
	Fingerprint string
	// Occurrence is the comment added to an open issue with the same
	// fingerprint; Body is used when empty.
	Occurrence string
}

// Marker is the hidden line that identifies a post-mortem issue.
func Marker(fingerprint string) string {
	return "<!-- deploy-guard:fingerprint=" + fingerprint + " -->"
}

// FilePostMortem opens the post-mortem issue, or comments on the open issue
// that carries the same fingerprint and that the token's own identity wrote
// (an issue someone else opened quoting the marker is never reused). It makes at most one POST /issues. The
// title, body and comment pass through the client's redactor.
func (c *Client) FilePostMortem(ctx context.Context, pm PostMortem) (url string, created bool, err error) {
	if pm.Fingerprint == "" {
		return "", false, errors.New("post-mortem: empty fingerprint")
	}
	marker := Marker(pm.Fingerprint)
	existing, err := c.findIssue(ctx, pm.Labels, marker)
	if err != nil {
		return "", false, c.issueErr("searching for an open post-mortem issue", err)
	}
	if existing != nil {
		text := pm.Occurrence
		if text == "" {
			text = pm.Body
		}
		text = capBody(c.redact(text), "")
		err := c.call(ctx, false, func(ctx context.Context) (*github.Response, error) {
			_, resp, err := c.gh.Issues.CreateComment(ctx, c.env.Owner(), c.env.Name(), existing.GetNumber(), &github.IssueComment{Body: &text})
			return resp, err
		})
		if err != nil {
			return "", false, c.issueErr("commenting on the post-mortem issue", err)
		}
		return existing.GetHTMLURL(), false, nil
	}
	title := safetext.TruncateRunes(c.redact(strings.Join(strings.Fields(pm.Title), " ")), 256)
	body := capBody(c.redact(strings.ReplaceAll(pm.Body, marker, "")), marker)
	req := &github.IssueRequest{Title: &title, Body: &body}
	if len(pm.Labels) > 0 {
		labels := append([]string(nil), pm.Labels...)
		req.Labels = &labels
	}
	var issue *github.Issue
	err = c.call(ctx, false, func(ctx context.Context) (*github.Response, error) {
		var resp *github.Response
		var err error
		issue, resp, err = c.gh.Issues.Create(ctx, c.env.Owner(), c.env.Name(), req)
		return resp, err
	})
	var ae *APIError
	if err != nil && req.Labels != nil && errors.As(err, &ae) && ae.Kind == KindInvalid {
		// 422: a label the token may not create. Nothing was created, so
		// retrying without labels still opens a single issue.
		req.Labels = nil
		err = c.call(ctx, false, func(ctx context.Context) (*github.Response, error) {
			var resp *github.Response
			var err error
			issue, resp, err = c.gh.Issues.Create(ctx, c.env.Owner(), c.env.Name(), req)
			return resp, err
		})
	}
	if err != nil {
		return "", false, c.issueErr("creating the post-mortem issue", err)
	}
	return issue.GetHTMLURL(), true, nil
}

func (c *Client) issueErr(what string, err error) error {
	return fmt.Errorf("%s: %s: %w", what, Fix(err, "issues: write"), err)
}

// issueSearchPages bounds the search for an open post-mortem issue.
const issueSearchPages = 5

func (c *Client) findIssue(ctx context.Context, labels []string, marker string) (*github.Issue, error) {
	opts := &github.IssueListByRepoOptions{State: "open", ListOptions: github.ListOptions{PerPage: 100, Page: 1}}
	if len(labels) > 0 {
		opts.Labels = labels[:1]
	}
	for page := 0; page < issueSearchPages; page++ {
		var issues []*github.Issue
		var resp *github.Response
		err := c.call(ctx, true, func(ctx context.Context) (*github.Response, error) {
			var err error
			issues, resp, err = c.gh.Issues.ListByRepo(ctx, c.env.Owner(), c.env.Name(), opts)
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		for _, is := range issues {
			if !is.IsPullRequest() && strings.Contains(is.GetBody(), marker) && c.wrote(ctx, is.GetUser()) {
				return is, nil
			}
		}
		if resp == nil || resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
	return nil, nil
}

// capBody cuts s to MaxBody characters at a line boundary, then appends
// tail (a hidden marker) on its own line.
func capBody(s, tail string) string {
	s = safetext.CapRunes(s, MaxBody-utf8.RuneCountInString(tail)-2, "\n\n_(truncated: see the run for the full report)_\n")
	if tail == "" {
		return s
	}
	return strings.TrimRight(s, "\n") + "\n\n" + tail
}
