package ghapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
	guidance "github.com/org/deploy-guard/pkg/classify"
	"github.com/org/deploy-guard/pkg/ghenv"
	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/result"
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

// Fingerprint identifies a kind of failure: the workflow, the category and
// the top failure (case and spacing ignored). It is 16 hex characters.
func Fingerprint(workflow string, cat result.Category, topFailure string) string {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	sum := sha256.Sum256([]byte(norm(workflow) + "\x00" + string(cat) + "\x00" + norm(topFailure)))
	return hex.EncodeToString(sum[:8])
}

// FilePostMortem opens the post-mortem issue, or comments on the open issue
// that carries the same fingerprint. It makes at most one POST /issues. The
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
			if !is.IsPullRequest() && strings.Contains(is.GetBody(), marker) {
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

// PostMortemFor builds the post-mortem issue of a failed run. Every piece of
// text passes through red; org-controlled text is neutralised (no HTML, no
// mentions, no table breaks).
func PostMortemFor(r *result.Run, env ghenv.Env, red *redact.Redactor) PostMortem {
	wf := env.WorkflowName()
	fp := Fingerprint(firstNonEmpty(env.WorkflowPath(), wf), r.Category, r.TopFailure())
	// Each org text is redacted, then cut, then escaped: in that order no
	// escaped or truncated form of a secret can slip past the redactor.
	esc := safetext.Escaper{Redact: red.String}
	cell := esc.Inline
	cutCell := func(s string, n int) string { return safetext.Inline(esc.TruncateRunes(s, n)) }
	runURL := red.String(env.RunURL())

	var b strings.Builder
	headline := r.Message
	if headline == "" {
		headline = "Deployment failed"
	}
	fmt.Fprintf(&b, "## %s\n\n", cell(headline))
	b.WriteString("| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, v)
		}
	}
	row("Status", cell(string(r.Status)))
	row("Category", "`"+cell(string(r.Category))+"`")
	row("Repository", cell(env.Repository))
	row("Workflow", cell(wf))
	row("Branch", cell(env.Branch()))
	if env.SHA != "" {
		row("Commit", cell(shortSHA(env.SHA)))
	}
	row("Actor", cell(env.Actor))
	row("Mode", cell(r.Mode))
	row("Target org", cell(r.TargetOrg))
	row("Deploy ID", cell(r.DeployID))
	if runURL != "" {
		row("Run", fmt.Sprintf("[#%d, attempt %d](%s)", env.RunID, max(env.RunAttempt, 1), runURL))
	}
	if !r.Started.IsZero() {
		row("Started", r.Started.UTC().Format(time.DateTime)+" UTC")
	}
	if !r.Finished.IsZero() && !r.Started.IsZero() {
		row("Duration", r.Finished.Sub(r.Started).Round(time.Second).String())
	}

	if r.Error != nil || r.ErrorText != "" {
		b.WriteString("\n### What went wrong\n\n")
		if r.ErrorText != "" {
			b.WriteString(block(esc, r.ErrorText, 2000))
		}
		if r.Error != nil {
			if r.Error.Explanation != "" {
				fmt.Fprintf(&b, "%s\n\n", cell(r.Error.Explanation))
			}
			if r.Error.Fix != "" {
				fmt.Fprintf(&b, "**Fix:** %s\n\n", cell(r.Error.Fix))
			}
		}
	}

	if failed := r.ComponentErrors(); len(failed) > 0 {
		fmt.Fprintf(&b, "\n### Failed components (%d)\n\n", len(failed))
		b.WriteString("| Type | Name | Location | Problem |\n|---|---|---|---|\n")
		for i, f := range failed {
			if i == 50 {
				fmt.Fprintf(&b, "\n…and %d more.\n", len(failed)-50)
				break
			}
			loc := f.FileName
			if loc == "" {
				loc = f.FilePath
			}
			if f.Line > 0 {
				loc += fmt.Sprintf(":%d", f.Line)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(f.Type), cell(f.FullName), cell(loc), cutCell(f.Problem, 500))
		}
	}
	if failed := r.HardTestFailures(); len(failed) > 0 {
		fmt.Fprintf(&b, "\n### Failed tests (%d)\n\n", len(failed))
		b.WriteString("| Test | Message |\n|---|---|\n")
		for i, t := range failed {
			if i == 50 {
				fmt.Fprintf(&b, "\n…and %d more.\n", len(failed)-50)
				break
			}
			fmt.Fprintf(&b, "| %s | %s |\n", cell(t.FullName()), cutCell(t.Message, 500))
		}
	}
	if len(r.FlakyTests) > 0 {
		b.WriteString("\n### Flaky tests\n\n")
		for _, t := range r.FlakyTests {
			fmt.Fprintf(&b, "- %s\n", cell(t))
		}
	}
	if len(r.Attempts) > 0 {
		b.WriteString("\n### Attempts timeline\n\n")
		b.WriteString("| # | Kind | Started (UTC) | Duration | Exit | Outcome | Category | Decision |\n|---|---|---|---|---|---|---|---|\n")
		for _, a := range r.Attempts {
			start := ""
			if !a.Start.IsZero() {
				start = a.Start.UTC().Format(time.TimeOnly)
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %d | %s | %s | %s |\n", a.Number, cell(a.Kind), start,
				a.Duration.Round(time.Second), a.ExitCode, cell(a.Outcome), cell(string(a.Category)), cell(a.Decision))
		}
	}
	if len(r.NextSteps) > 0 {
		b.WriteString("\n### Suggested next steps\n\n")
		b.WriteString(block(esc, strings.Join(r.NextSteps, "\n"), 4000))
	}
	b.WriteString("\n### Links\n\n")
	if runURL != "" {
		fmt.Fprintf(&b, "- Workflow run: %s\n", runURL)
	}
	if r.Deploy != nil && r.Deploy.DeployURL != "" {
		fmt.Fprintf(&b, "- Deployment in Salesforce: %s\n", cell(r.Deploy.DeployURL))
	}
	b.WriteString("\n### Action items\n\n")
	for _, it := range actionItems(r.Category) {
		fmt.Fprintf(&b, "- [ ] %s\n", it)
	}
	fmt.Fprintf(&b, "\n<sub>Opened by deploy-guard. A repeat of this failure (fingerprint `%s`) is added as a comment while this issue is open.</sub>\n", fp)

	occ := fmt.Sprintf("Failed again: %s", cell(headline))
	if runURL != "" {
		occ += fmt.Sprintf(" in [run #%d, attempt %d](%s)", env.RunID, max(env.RunAttempt, 1), runURL)
	}
	if env.SHA != "" {
		occ += " at " + cell(shortSHA(env.SHA))
	}
	occ += fmt.Sprintf(" (%s", cell(env.Branch()))
	if env.Actor != "" {
		occ += ", by " + cell(env.Actor)
	}
	occ += ")."
	if n := r.DeploymentAttempts(); n > 0 {
		occ += fmt.Sprintf(" %d deployment attempt(s).", n)
	}

	marker := Marker(fp)
	title := fmt.Sprintf("Deployment failed: %s in %s on %s", r.Category, wf, env.Branch())
	return PostMortem{
		Title:       esc.TruncateRunes(strings.Join(strings.Fields(title), " "), 256),
		Body:        capBody(red.String(b.String()), marker),
		Labels:      append([]string(nil), DefaultPostMortemLabels...),
		Fingerprint: fp,
		Occurrence:  capBody(red.String(occ), ""),
	}
}

// block renders untrusted multi-line text, redacted and then cut to limit
// runes, as a fenced code block.
func block(esc safetext.Escaper, s string, limit int) string {
	return safetext.Fence(esc.TruncateRunes(strings.TrimSpace(esc.Text(s)), limit), "text") + "\n"
}

func shortSHA(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// actionItems is the post-mortem's checklist: the category's own items from
// the guidance file, then the steps every incident takes.
func actionItems(cat result.Category) []string {
	items := append([]string(nil), guidance.GuideFor(cat).Checklist...)
	return append(items,
		"Identify the root cause and write it down here",
		"Link the pull request that fixes it",
		"Confirm the next deployment succeeds, then close this issue")
}
