package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/classify"
	"github.com/org/deploy-guard/pkg/ghenv"
	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/safetext"
)

// Issue is a rendered post-mortem: the issue to open, or the comment to add
// to the open issue with the same fingerprint.
type Issue struct {
	Title, Body string
	// Fingerprint identifies the kind of failure (see Fingerprint).
	Fingerprint string
	// Occurrence is the comment for an open issue with the same fingerprint.
	Occurrence string
}

// Fingerprint identifies a kind of failure: the workflow, the category and
// the top failure (case and spacing ignored). It is 16 hex characters.
func Fingerprint(workflow string, cat result.Category, topFailure string) string {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	sum := sha256.Sum256([]byte(norm(workflow) + "\x00" + string(cat) + "\x00" + norm(topFailure)))
	return hex.EncodeToString(sum[:8])
}

// PostMortem renders the post-mortem issue of a failed run; ghapi files it.
// Every piece of text passes through red before it is cut or escaped;
// org-controlled text is neutralised (no HTML, no mentions, no table
// breaks). Size caps and the hidden marker are the transport's.
func PostMortem(r *result.Run, env ghenv.Env, red *redact.Redactor) Issue {
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

	var comps, tests []string
	for _, f := range r.ComponentErrors() {
		loc := f.FileName
		if loc == "" {
			loc = f.FilePath
		}
		if f.Line > 0 {
			loc += fmt.Sprintf(":%d", f.Line)
		}
		comps = append(comps, fmt.Sprintf("| %s | %s | %s | %s |\n", cell(f.Type), cell(f.FullName), cell(loc), cutCell(f.Problem, 500)))
	}
	for _, t := range r.HardTestFailures() {
		tests = append(tests, fmt.Sprintf("| %s | %s |\n", cell(t.FullName()), cutCell(t.Message, 500)))
	}
	issueTable(&b, "Failed components", "| Type | Name | Location | Problem |\n|---|---|---|---|\n", comps)
	issueTable(&b, "Failed tests", "| Test | Message |\n|---|---|\n", tests)
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

	title := fmt.Sprintf("Deployment failed: %s in %s on %s", r.Category, wf, env.Branch())
	return Issue{
		Title:       esc.TruncateRunes(strings.Join(strings.Fields(title), " "), 256),
		Body:        red.String(b.String()),
		Fingerprint: fp,
		Occurrence:  red.String(occ),
	}
}

// issueTable writes a section of at most 50 table rows, saying how many
// more there were.
func issueTable(b *strings.Builder, title, head string, rows []string) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### %s (%d)\n\n%s", title, len(rows), head)
	for i, row := range rows {
		if i == 50 {
			fmt.Fprintf(b, "\n…and %d more.\n", len(rows)-50)
			break
		}
		b.WriteString(row)
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
	items := append([]string(nil), classify.GuideFor(cat).Checklist...)
	return append(items,
		"Identify the root cause and write it down here",
		"Link the pull request that fixes it",
		"Confirm the next deployment succeeds, then close this issue")
}
