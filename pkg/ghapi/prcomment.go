package ghapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"
)

// PRCommentMarker identifies deploy-guard's sticky pull-request comment of
// one job deploying to one org (job is GITHUB_JOB, org config.Auth.OrgKey),
// so that the jobs of a matrix keep one comment each.
func PRCommentMarker(job, org string) string {
	// Job ids are letters, digits, '-' and '_'; keep the comment well-formed
	// whatever they hold.
	clean := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if r <= ' ' || r == '<' || r == '>' {
				return '_'
			}
			return r
		}, s)
		for strings.Contains(s, "--") {
			s = strings.ReplaceAll(s, "--", "-")
		}
		return s
	}
	return "<!-- deploy-guard:pr-comment job=" + clean(job) + " org=" + clean(org) + " -->"
}

// ErrNoPullRequest is returned by UpsertPRComment outside pull requests.
var ErrNoPullRequest = errors.New("not a pull request run")

// prCommentPages bounds the search for the existing comment.
const prCommentPages = 10

// ActionsBotLogin is the author of comments made with the workflow's
// GITHUB_TOKEN, an installation token that cannot read GET /user.
const ActionsBotLogin = "github-actions[bot]"

// UpsertPRComment writes body as the sticky comment of the run's pull
// request: it edits the comment carrying marker (see PRCommentMarker) that the token's
// own identity wrote, or creates one. A comment someone else wrote is never
// edited, even when it quotes the marker. The body passes through the
// client's redactor. It needs `pull-requests: write` (or `issues: write`).
func (c *Client) UpsertPRComment(ctx context.Context, marker, body string) (url string, err error) {
	if c.env.PRNumber <= 0 {
		return "", ErrNoPullRequest
	}
	text := capBody(c.redact(strings.ReplaceAll(body, marker, "")), marker)
	owner, repo, num := c.env.Owner(), c.env.Name(), c.env.PRNumber

	var found *github.IssueComment
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100, Page: 1}}
	for page := 0; page < prCommentPages && found == nil; page++ {
		var list []*github.IssueComment
		var resp *github.Response
		err := c.call(ctx, true, func(ctx context.Context) (*github.Response, error) {
			var err error
			list, resp, err = c.gh.Issues.ListComments(ctx, owner, repo, num, opts)
			return resp, err
		})
		if err != nil {
			return "", c.prErr("listing pull-request comments", err)
		}
		for _, cm := range list {
			if strings.Contains(cm.GetBody(), marker) && c.wrote(ctx, cm.GetUser()) {
				found = cm
				break
			}
		}
		if resp == nil || resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	var out *github.IssueComment
	if found != nil {
		err = c.call(ctx, false, func(ctx context.Context) (*github.Response, error) {
			var resp *github.Response
			var err error
			out, resp, err = c.gh.Issues.EditComment(ctx, owner, repo, found.GetID(), &github.IssueComment{Body: &text})
			return resp, err
		})
		if err != nil {
			return "", c.prErr("updating the pull-request comment", err)
		}
	} else {
		err = c.call(ctx, false, func(ctx context.Context) (*github.Response, error) {
			var resp *github.Response
			var err error
			out, resp, err = c.gh.Issues.CreateComment(ctx, owner, repo, num, &github.IssueComment{Body: &text})
			return resp, err
		})
		if err != nil {
			return "", c.prErr("creating the pull-request comment", err)
		}
	}
	return out.GetHTMLURL(), nil
}

func (c *Client) prErr(what string, err error) error {
	return fmt.Errorf("%s: %s: %w", what, Fix(err, "pull-requests: write"), err)
}

// wrote reports whether the token's own identity is author: only what it
// wrote is ever edited, commented on or taken for the action's own (a
// pull-request comment, a post-mortem issue), never text someone else wrote
// that merely quotes the marker.
func (c *Client) wrote(ctx context.Context, author *github.User) bool {
	return author.GetLogin() != "" && strings.EqualFold(author.GetLogin(), c.identity(ctx))
}

// identity is the login the token acts as, read once: GET /user for a
// personal or fine-grained token; an installation token (the workflow's
// GITHUB_TOKEN) cannot read /user and comments as ActionsBotLogin. When the
// read fails the fallback may not match any comment: a new one is created
// rather than someone else's edited.
func (c *Client) identity(ctx context.Context) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.login != "" {
		return c.login
	}
	var u *github.User
	err := c.call(ctx, true, func(ctx context.Context) (*github.Response, error) {
		var resp *github.Response
		var err error
		u, resp, err = c.gh.Users.Get(ctx, "")
		return resp, err
	})
	c.login = ActionsBotLogin
	if err == nil && u.GetLogin() != "" {
		c.login = u.GetLogin()
	}
	return c.login
}
