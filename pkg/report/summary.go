package report

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/safetext"
)

// DefaultMaxBytes is the step summary budget: the runner rejects a step
// summary over 1 MiB as a whole, so stay clearly below it.
const DefaultMaxBytes = 1000000

// Options configures Summary and Markdown.
type Options struct {
	Project Project
	// CoverageThreshold is the resolved coverage-threshold input (percent):
	// config holds its default, and 0 puts no class under it.
	CoverageThreshold float64
	// RunURL links the workflow run (optional, http(s) only).
	RunURL string
	// ArtifactsDir is the repository-relative artifacts folder, for display.
	ArtifactsDir string
	// MaxBytes caps the output; 0 means DefaultMaxBytes.
	MaxBytes int
	// MaxSkeletons caps the test skeletons written (see SkeletonClasses);
	// 0 writes none. The caller passes the resolved test-skeletons input:
	// config holds its default.
	MaxSkeletons int
	// Extra sections (breaker, metrics) are inserted after the timeline.
	// Their Body is Markdown produced by deploy-guard and is not escaped.
	Extra []Section
}

// Section is a titled block of Markdown.
type Section struct{ Title, Body string }

// section is one block of the summary, truncatable by items.
type section struct {
	// rank orders truncation: higher ranks are cut first.
	rank  int
	head  string
	items []string
	tail  string
	kept  int
	// prefix[i] is the size of the first i items; noteLen bounds the note.
	prefix  []int
	noteLen int
	// count is the number of items in total; only those that can fit in
	// the output at all (up to limit bytes) are rendered.
	count int
	bytes int
	limit int
}

// skip reports whether the section already holds more than the output
// can show; then the next item is only counted, not rendered.
func (s *section) skip() bool {
	if s.limit > 0 && s.bytes > s.limit {
		s.count++
		return true
	}
	return false
}

// push appends a rendered item.
func (s *section) push(it string) {
	s.count++
	s.bytes += len(it)
	s.items = append(s.items, it)
}

func (s *section) size(kept int) int {
	if kept < 0 {
		return 0
	}
	n := len(s.head) + len(s.tail) + s.prefix[kept]
	if kept < s.count {
		n += s.noteLen
	}
	return n
}

func (s *section) prepare(artifacts string) {
	s.prefix = make([]int, len(s.items)+1)
	for i, it := range s.items {
		s.prefix[i+1] = s.prefix[i] + len(it)
	}
	s.noteLen = len(truncNote(s.count, artifacts))
}

const noteText = "more in report.md / artifacts"

func truncNote(n int, artifacts string) string {
	s := fmt.Sprintf("\n_… %d %s", n, noteText)
	if artifacts != "" {
		s += " (" + code(strings.TrimSuffix(artifacts, "/")+"/report.md", false) + ")"
	}
	return s + "_\n"
}

// Summary renders r as the Markdown step summary, never longer than
// o.MaxBytes (DefaultMaxBytes when 0). The status banner always stays; when
// the whole does not fit, items are cut from the least important sections
// first and each cut section ends with a note saying how many more are in
// report.md. The output is deterministic: it holds no timestamps.
func Summary(r *result.Run, o Options) string {
	o.Project = o.Project.prepared()
	limit := o.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if r == nil {
		r = &result.Run{}
	}
	if len(o.ArtifactsDir) > 300 {
		o.ArtifactsDir = ""
	}
	banner := renderBanner(r, o)
	secs := buildSections(r, o, limit)
	fit(secs, limit-len(banner), o.ArtifactsDir)
	var b strings.Builder
	b.WriteString(banner)
	for _, s := range secs {
		if s.kept < 0 {
			continue
		}
		b.WriteString(s.head)
		for _, it := range s.items[:s.kept] {
			b.WriteString(it)
		}
		if s.kept < s.count {
			b.WriteString(truncNote(s.count-s.kept, o.ArtifactsDir))
		}
		b.WriteString(s.tail)
	}
	out := b.String()
	if len(out) > limit {
		// Only reachable with a tiny limit: cut hard, keeping valid UTF-8.
		out = cut(out, limit)
	}
	return out
}

// fit decides how many items each section keeps so that the total stays
// within budget; a section that cannot fit even its heading is dropped
// (kept = -1).
func fit(secs []*section, budget int, artifacts string) {
	total := 0
	for _, s := range secs {
		s.prepare(artifacts)
		s.kept = len(s.items)
		total += s.size(s.kept)
	}
	if total <= budget {
		return
	}
	order := make([]*section, len(secs))
	copy(order, secs)
	// Least important first; among equals, the later section first.
	idx := map[*section]int{}
	for i, s := range secs {
		idx[s] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].rank != order[j].rank {
			return order[i].rank > order[j].rank
		}
		return idx[order[i]] > idx[order[j]]
	})
	for _, s := range order {
		if total <= budget {
			return
		}
		full := s.size(s.kept)
		// Keep the longest prefix of items that fits (binary search: the
		// size grows with the number of items kept).
		rest := total - full
		k := sort.Search(s.kept+1, func(k int) bool { return rest+s.size(k) > budget }) - 1
		if k < 0 {
			k = 0
		}
		cur := s.size(k)
		s.kept = k
		total = total - full + cur
	}
	// Still too big: drop whole sections, least important first.
	for _, s := range order {
		if total <= budget {
			return
		}
		total -= s.size(s.kept)
		s.kept = -1
	}
}

var statusEmoji = map[result.Status]string{
	result.StatusSucceeded: "✅",
	result.StatusRecovered: "♻️",
	result.StatusValidated: "✅",
	result.StatusFailed:    "❌",
	result.StatusBlocked:   "⛔",
	result.StatusCanceled:  "🚫",
	result.StatusSkipped:   "⏭️",
}

func renderBanner(r *result.Run, o Options) string {
	var b strings.Builder
	emoji := statusEmoji[r.Status]
	if emoji == "" {
		emoji = "❔"
	}
	status := string(r.Status)
	if status == "" {
		status = "unknown"
	}
	fmt.Fprintf(&b, "## %s deploy-guard: %s", emoji, md(status))
	if r.Category != "" && r.Category != result.CategoryNone {
		fmt.Fprintf(&b, " (%s)", md(string(r.Category)))
	}
	b.WriteString("\n\n")
	if r.Message != "" {
		fmt.Fprintf(&b, "**%s**\n\n", mdMax(r.Message, 1000))
	}
	var facts []string
	if r.DeployID != "" {
		facts = append(facts, "Deploy "+code(safetext.Truncate(r.DeployID, 100), false))
	}
	if r.Mode != "" {
		facts = append(facts, "mode "+code(safetext.Truncate(r.Mode, 50), false))
	}
	if r.TargetOrg != "" {
		facts = append(facts, "org "+code(safetext.Truncate(r.TargetOrg, 100), false))
	}
	if n := r.DeploymentAttempts(); n > 0 {
		facts = append(facts, plural(n, "attempt", "attempts"))
	} else {
		facts = append(facts, "no deployment attempted")
	}
	var total time.Duration
	for _, a := range r.Attempts {
		total += a.Duration + a.Delay
	}
	facts = append(facts, duration(total))
	if u := safeURL(o.RunURL); u != "" {
		facts = append(facts, "[workflow run]("+u+")")
	}
	b.WriteString(strings.Join(facts, " · "))
	b.WriteString("\n\n")
	if d := r.Deploy; d != nil {
		var counts []string
		if d.Status != "" && !d.Finished() {
			st := "Deployment status: " + md(d.Status)
			if d.StateDetail != "" {
				st += " (" + mdMax(d.StateDetail, 300) + ")"
			}
			counts = append(counts, st)
		}
		if d.TestsTotal > 0 && d.TestsCompleted < d.TestsTotal && len(d.TestFailures)+len(d.TestSuccesses) == 0 {
			counts = append(counts, fmt.Sprintf("Tests: %d of %d completed", d.TestsCompleted, d.TestsTotal))
		}
		if d.ComponentsTotal > 0 || len(d.ComponentFailures) > 0 {
			failed := len(r.ComponentErrors())
			c := fmt.Sprintf("Components: %d of %d deployed, %s", d.ComponentsDeployed, d.ComponentsTotal, plural(failed, "failure", "failures"))
			if w := len(d.ComponentFailures) - failed; w > 0 {
				c += ", " + plural(w, "warning", "warnings")
			}
			counts = append(counts, c)
		}
		if run := testsRun(d); run > 0 || len(d.TestFailures) > 0 {
			failed := len(r.HardTestFailures())
			c := fmt.Sprintf("Tests: %d run, %d failed", run, failed)
			if f := len(d.TestFailures) - failed; f > 0 {
				c += fmt.Sprintf(", %d flaky", f)
			}
			counts = append(counts, c)
		}
		if p, ok := d.OrgCoverage(); ok {
			counts = append(counts, fmt.Sprintf("Coverage: %s (threshold %s)", pct(p), pct(o.CoverageThreshold)))
		}
		if len(counts) > 0 {
			b.WriteString(strings.Join(counts, " · "))
			b.WriteString("\n\n")
		}
	}
	if r.Error != nil && (r.Error.Explanation != "" || r.Error.Fix != "") {
		if r.Error.Explanation != "" {
			fmt.Fprintf(&b, "%s", mdMax(r.Error.Explanation, 1000))
		}
		if r.Error.Fix != "" {
			if r.Error.Explanation != "" {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "**Fix:** %s", mdMax(r.Error.Fix, 1000))
		}
		b.WriteString("\n\n")
	}
	if r.ErrorText != "" && r.ErrorText != r.Message {
		fmt.Fprintf(&b, "<details><summary>Error details</summary>\n\n<pre>%s</pre>\n\n</details>\n\n", htm(safetext.Truncate(r.ErrorText, 4000)))
	}
	return b.String()
}

func testsRun(d *result.Deploy) int {
	n := d.TestsRun
	if n == 0 {
		n = len(d.TestSuccesses) + len(d.TestFailures)
	}
	return n
}

// Section ranks: the lower, the more important (cut last).
const (
	rankComponents = iota
	rankTests
	rankNextSteps
	rankCoverage
	rankFlaky
	rankNotes
	rankTimeline
	rankByClass
	rankExtra
	rankPlaybook
	rankDeployed
)

// MaxListedComponents caps the deployed components listed in the summary
// and report.md; the rest are counted.
const MaxListedComponents = 200

func buildSections(r *result.Run, o Options, limit int) []*section {
	var secs []*section
	if s := timelineSection(r, limit); s != nil {
		secs = append(secs, s)
	}
	for _, e := range o.Extra {
		if strings.TrimSpace(e.Body) == "" {
			continue
		}
		s := &section{rank: rankExtra, head: "### " + md(e.Title) + "\n\n", tail: "\n"}
		s.push(strings.TrimRight(e.Body, "\n") + "\n")
		secs = append(secs, s)
	}
	if d := r.Deploy; d != nil {
		secs = append(secs, componentSections(d, o.Project, limit)...)
		if s := testSection(r, o.Project, limit); s != nil {
			secs = append(secs, s)
		}
		if s := byClassSection(r, limit); s != nil {
			secs = append(secs, s)
		}
		if s := coverageSection(d, o.CoverageThreshold, limit, skeletonNote(r, o)); s != nil {
			secs = append(secs, s)
		}
	}
	if len(r.FlakyTests) > 0 {
		s := &section{rank: rankFlaky, limit: limit, head: "### 🎲 Flaky tests\n\nThese tests failed in the deployment and passed when re-run alone. They did not block the deployment; fix them before they do.\n\n", tail: "\n"}
		for _, n := range r.FlakyTests {
			s.push("- " + code(safetext.Truncate(n, 300), false) + "\n")
		}
		secs = append(secs, s)
	}
	if len(r.Notes) > 0 {
		s := &section{rank: rankNotes, limit: limit, head: "### Notes\n\n", tail: "\n"}
		for _, n := range r.Notes {
			s.push("- " + mdMax(n, 2000) + "\n")
		}
		secs = append(secs, s)
	}
	if len(r.NextSteps) > 0 {
		s := &section{rank: rankNextSteps, limit: limit, head: "### Next steps\n\n", tail: "\n"}
		for i, n := range r.NextSteps {
			item := mdMax(n, 2000)
			if strings.HasPrefix(n, "sf ") && !strings.ContainsAny(n, "\n") {
				item = code(safetext.Truncate(n, 2000), false)
			}
			s.push(fmt.Sprintf("%d. %s\n", i+1, item))
		}
		secs = append(secs, s)
	}
	if s := playbookSection(r, o.Project); s != nil {
		secs = append(secs, s)
	}
	if r.Deploy != nil {
		if s := deployedSection(r.Deploy, limit); s != nil {
			secs = append(secs, s)
		}
	}
	return secs
}

// deployedSection lists the components the deployment deployed (or, check
// only, validated), collapsed, sorted by type and name, at most
// MaxListedComponents of them and the count of the rest.
func deployedSection(d *result.Deploy, limit int) *section {
	var list []result.Component
	for _, c := range d.Components {
		if !c.Failed && (c.FullName != "" || c.FileName != "") {
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		return nil
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Type != list[j].Type {
			return list[i].Type < list[j].Type
		}
		return list[i].FullName < list[j].FullName
	})
	what := "Deployed"
	if d.CheckOnly {
		what = "Validated"
	}
	s := &section{rank: rankDeployed, limit: limit,
		head: fmt.Sprintf("<details><summary>📦 %s components (%d)</summary>\n\n", what, len(list)),
		tail: "\n</details>\n\n"}
	for i, c := range list {
		if i == MaxListedComponents {
			s.tail = fmt.Sprintf("- _… and %d more (every component is in the raw result in the artifacts)_\n", len(list)-i) + s.tail
			break
		}
		if s.skip() {
			continue
		}
		name := c.FullName
		if name == "" {
			name = c.FileName
		}
		item := "- " + code(safetext.Truncate(name, 300), false)
		if c.Type != "" {
			item += " (" + mdMax(c.Type, 100) + ")"
		}
		s.push(item + "\n")
	}
	return s
}

func timelineSection(r *result.Run, limit int) *section {
	if len(r.Attempts) == 0 {
		return nil
	}
	s := &section{rank: rankTimeline, limit: limit, head: "### Attempts\n\n| # | Kind | Command | Duration | Exit | Outcome | Next |\n|---|---|---|---|---|---|---|\n", tail: "\n"}
	for _, a := range r.Attempts {
		if s.skip() {
			continue
		}
		next := mdMax(a.Decision, 500)
		if a.Delay > 0 {
			if next != "" {
				next += " "
			}
			next += "(waited " + duration(a.Delay) + ")"
		}
		outcome := mdMax(a.Outcome, 500)
		if a.Category != "" && a.Category != result.CategoryNone {
			outcome += " " + code(string(a.Category), true)
		}
		s.push(fmt.Sprintf("| %d | %s | %s | %s | %d | %s | %s |\n",
			a.Number, mdMax(a.Kind, 100), code(safetext.Truncate(a.Command, 1000), true), duration(a.Duration), a.ExitCode, outcome, next))
	}
	return s
}

func componentSections(d *result.Deploy, p Project, limit int) []*section {
	if len(d.ComponentFailures) == 0 {
		return nil
	}
	groups := map[result.Category][]result.ComponentFailure{}
	for _, c := range d.ComponentFailures {
		k := c.Category.Or(result.CategoryMetadata)
		groups[k] = append(groups[k], c)
	}
	keys := make([]result.Category, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Priority() != keys[j].Priority() {
			return keys[i].Priority() < keys[j].Priority()
		}
		return keys[i] < keys[j]
	})
	var out []*section
	for _, k := range keys {
		list := groups[k]
		title := string(k)
		if pb, ok := playbookFor(k); ok {
			title = pb.Title
		}
		s := &section{rank: rankComponents, limit: limit, tail: "\n",
			head: fmt.Sprintf("### ❌ %s: %s\n\n| Component | File | Problem | Fix |\n|---|---|---|---|\n", md(title), plural(len(list), "component", "components"))}
		for _, c := range list {
			if s.skip() {
				continue
			}
			name := code(safetext.Truncate(componentName(c), 300), true)
			if c.Type != "" {
				name += " (" + mdMax(c.Type, 100) + ")"
			}
			if c.IsWarning() {
				name += " ⚠️"
			}
			loc := ""
			if f := p.File(c); f != "" {
				if c.Line > 0 {
					f += ":" + strconv.Itoa(c.Line)
					if c.Column > 0 {
						f += ":" + strconv.Itoa(c.Column)
					}
				}
				loc = code(f, true)
			} else if c.FileName != "" {
				loc = code(safetext.Truncate(c.FileName, 300), true) + " (not found locally)"
			}
			fix := mdMax(c.Explanation, 500)
			if c.Fix != "" {
				if fix != "" {
					fix += " "
				}
				fix += "**Fix:** " + mdMax(c.Fix, 500)
			}
			s.push(fmt.Sprintf("| %s | %s | %s | %s |\n", name, loc, mdMax(c.Problem, 1500), fix))
		}
		out = append(out, s)
	}
	return out
}

func testSection(r *result.Run, p Project, limit int) *section {
	failed := r.HardTestFailures()
	if len(failed) == 0 {
		return nil
	}
	s := &section{rank: rankTests, limit: limit,
		head: fmt.Sprintf("### ❌ Test failures: %s\n\n", plural(len(failed), "test", "tests"))}
	for _, t := range failed {
		if s.skip() {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "<details><summary><code>%s</code> — %s</summary>\n\n", htm(collapse(safetext.Truncate(t.FullName(), 300))), htm(collapse(oneLine(t.Message, 300))))
		body := safetext.Truncate(t.Message, 4000)
		if t.StackTrace != "" {
			body += "\n\n" + safetext.Truncate(t.StackTrace, 4000)
		}
		fmt.Fprintf(&b, "<pre>%s</pre>\n\n", htm(strings.TrimSpace(body)))
		var facts []string
		if f, line := p.testLocation(t); f != "" {
			if line > 0 {
				f += ":" + strconv.Itoa(line)
			}
			facts = append(facts, "File: "+code(f, false))
		}
		if t.TimeMS > 0 {
			facts = append(facts, "Time: "+duration(time.Duration(t.TimeMS*float64(time.Millisecond))))
		}
		if t.Explanation != "" {
			facts = append(facts, mdMax(t.Explanation, 500))
		}
		if t.Fix != "" {
			facts = append(facts, "**Fix:** "+mdMax(t.Fix, 500))
		}
		if len(facts) > 0 {
			b.WriteString(strings.Join(facts, " · "))
			b.WriteString("\n\n")
		}
		b.WriteString("</details>\n\n")
		s.push(b.String())
	}
	return s
}

func byClassSection(r *result.Run, limit int) *section {
	d := r.Deploy
	if len(d.TestFailures) == 0 {
		return nil
	}
	type row struct {
		name                  string
		failed, flaky, passed int
	}
	rows := map[string]*row{}
	get := func(ns, cls string) *row {
		n := cls
		if ns != "" {
			n = ns + "." + cls
		}
		if rows[n] == nil {
			rows[n] = &row{name: n}
		}
		return rows[n]
	}
	for _, t := range d.TestFailures {
		rw := get(t.Namespace, t.Class)
		if r.IsFlaky(t.FullName()) {
			rw.flaky++
		} else {
			rw.failed++
		}
	}
	for _, t := range d.TestSuccesses {
		get(t.Namespace, t.Class).passed++
	}
	list := make([]*row, 0, len(rows))
	for _, rw := range rows {
		if rw.failed+rw.flaky > 0 {
			list = append(list, rw)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].failed != list[j].failed {
			return list[i].failed > list[j].failed
		}
		return list[i].name < list[j].name
	})
	s := &section{rank: rankByClass, limit: limit, tail: "\n", head: "### Failures by class\n\n| Class | Failed | Flaky | Passed |\n|---|---:|---:|---:|\n"}
	for _, rw := range list {
		if s.skip() {
			continue
		}
		s.push(fmt.Sprintf("| %s | %d | %d | %d |\n", code(safetext.Truncate(rw.name, 300), true), rw.failed, rw.flaky, rw.passed))
	}
	return s
}

func coverageSection(d *result.Deploy, threshold float64, limit int, skeletons string) *section {
	org, ok := d.OrgCoverage()
	if !ok && len(d.CoverageWarnings) == 0 {
		return nil
	}
	var head strings.Builder
	head.WriteString("### 📉 Code coverage\n\n")
	if ok {
		fmt.Fprintf(&head, "Org-wide coverage of the classes run: **%s** (threshold %s).\n\n", pct(org), pct(threshold))
	}
	var under []result.ClassCoverage
	inTable := map[string]bool{}
	for _, c := range d.Coverage {
		if c.Locations > 0 && c.Percent() < threshold {
			under = append(under, c)
			inTable[strings.ToLower(c.Name)] = true
		}
	}
	var warns []string
	for _, w := range d.CoverageWarnings {
		if w.Name != "" && inTable[strings.ToLower(w.Name)] {
			continue
		}
		line := "- ⚠️ "
		if w.Name != "" {
			line += code(safetext.Truncate(w.Name, 300), false) + ": "
		}
		line += mdMax(w.Message, 1000)
		warns = append(warns, line)
	}
	if len(warns) > 20 {
		warns = append(warns[:20], fmt.Sprintf("- … %d more coverage warnings in coverage.json", len(warns)-20))
	}
	for _, w := range warns {
		head.WriteString(w + "\n")
	}
	if len(warns) > 0 {
		head.WriteString("\n")
	}
	s := &section{rank: rankCoverage, limit: limit, tail: "\n"}
	if len(under) == 0 {
		s.head = head.String()
		return s
	}
	sort.SliceStable(under, func(i, j int) bool {
		pi, pj := under[i].Percent(), under[j].Percent()
		if pi != pj {
			return pi < pj
		}
		return under[i].Name < under[j].Name
	})
	head.WriteString(skeletons)
	fmt.Fprintf(&head, "%s below %s:\n\n| Class | Type | Covered | %% | Uncovered lines |\n|---|---|---:|---:|---|\n", plural(len(under), "class", "classes"), pct(threshold))
	s.head = head.String()
	for _, c := range under {
		if s.skip() {
			continue
		}
		s.push(fmt.Sprintf("| %s | %s | %d/%d | %s | %s |\n", code(safetext.Truncate(c.Name, 300), true), mdMax(c.Type, 50), c.Covered(), c.Locations, pct(c.Percent()), lineRanges(c.UncoveredLines, 12)))
	}
	return s
}

// skeletonNote says which classes under the threshold got a test skeleton
// and how many did not, or nothing when none is under it.
func skeletonNote(r *result.Run, o Options) string {
	picked, more := SkeletonClasses(r, o.CoverageThreshold, o.MaxSkeletons)
	if len(picked)+more == 0 {
		return ""
	}
	where := "the artifacts"
	if o.ArtifactsDir != "" {
		where = code(path.Join(o.ArtifactsDir, DirSkeletons)+"/", false)
	}
	var b strings.Builder
	if len(picked) > 0 {
		fmt.Fprintf(&b, "Failing test skeletons for %s are in %s (classes in this deployment first, then the most uncovered lines).", plural(len(picked), "class", "classes"), where)
	}
	if more > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s under the threshold got no skeleton (the `test-skeletons` input sets how many are written); coverage.json lists every class.", plural(more, "more class", "more classes"))
	}
	return b.String() + "\n\n"
}

func playbookSection(r *result.Run, p Project) *section {
	cats := r.FailureCategories()
	if len(cats) == 0 {
		return nil
	}
	org := safeToken(r.TargetOrg, "<alias>")
	job := safeToken(r.DeployID, "<job-id>")
	if r.Deploy != nil && job == "<job-id>" {
		job = safeToken(r.Deploy.ID, "<job-id>")
	}
	var tests []string
	if r.Deploy != nil {
		seen := map[string]bool{}
		for _, t := range r.HardTestFailures() {
			n := t.FullName()
			if seen[n] || safeToken(n, "") == "" {
				continue
			}
			seen[n] = true
			if len(tests) == 20 {
				break
			}
			tests = append(tests, n)
		}
	}
	testSel, testWait := testArgs(tests)
	repl := strings.NewReplacer("{org}", org, "{job}", job, "{target}", runTarget(r), "{tests}", testSel, "{test-wait}", testWait)
	s := &section{rank: rankPlaybook, head: "### 📘 Playbook\n\n", tail: ""}
	for _, c := range cats {
		pb, ok := playbookFor(c)
		if !ok {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "#### %s (`%s`)\n\n%s\n\n", pb.Title, pb.Category, pb.Meaning)
		for i, st := range pb.Steps {
			fmt.Fprintf(&b, "%d. %s\n", i+1, repl.Replace(st))
		}
		var cmdList []string
		for _, c := range pb.Commands {
			if strings.Contains(c, "{job}") && job == "<job-id>" {
				continue
			}
			cmdList = append(cmdList, strings.Join(strings.Fields(repl.Replace(c)), " "))
		}
		if len(cmdList) > 0 {
			cmds := strings.Join(cmdList, "\n")
			f := fenceFor(cmds)
			fmt.Fprintf(&b, "\nReproduce locally:\n\n%ssh\n%s\n%s\n", f, cmds, f)
		}
		b.WriteString("\n")
		s.push(b.String())
	}
	return s
}
