package classify

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/org/deploy-guard/pkg/result"
)

// Scope says what kind of text is being classified; a pattern may be limited
// to some scopes with its `applies` list.
type Scope string

// The scopes.
const (
	// ScopeComponent is a componentFailures entry.
	ScopeComponent Scope = "component"
	// ScopeTest is a failed Apex test method.
	ScopeTest Scope = "test"
	// ScopeError is an sf error envelope or a deploy-level error message.
	ScopeError Scope = "error"
	// ScopeCoverage is a code coverage warning.
	ScopeCoverage Scope = "coverage"
)

// Pattern is one catalog entry. See the package documentation for the format.
type Pattern struct {
	ID          string          `yaml:"id" json:"id"`
	Category    result.Category `yaml:"category" json:"category"`
	Transient   bool            `yaml:"transient" json:"transient"`
	Applies     []Scope         `yaml:"applies,omitempty" json:"applies,omitempty"`
	Match       string          `yaml:"match" json:"match"`
	Explanation string          `yaml:"explanation" json:"explanation"`
	Fix         string          `yaml:"fix" json:"fix"`
	Examples    []string        `yaml:"examples,omitempty" json:"examples,omitempty"`
}

// Classifier matches texts against user patterns first, then the built-in
// catalog. It is safe for concurrent use.
type Classifier struct {
	patterns []compiled
}

// Verdict is the overall classification of a deployment or an sf error.
type Verdict struct {
	// Category is the most important category found (CategoryNone when
	// nothing failed).
	Category result.Category
	// Transient is true when retrying the same run may succeed: there was at
	// least one failure and every failure is transient.
	Transient bool
	// Reason is a short human summary.
	Reason string
	// Diagnosis is the diagnosis of the most important failure.
	Diagnosis result.Diagnosis
}

var (
	defaultOnce sync.Once
	defaultC    *Classifier
)

// Default returns a classifier with the built-in catalog only.
func Default() *Classifier {
	defaultOnce.Do(func() {
		loadBuiltin()
		defaultC = &Classifier{patterns: builtinCompiled}
	})
	return defaultC
}

// New returns a classifier that tries the user patterns, in order, before the
// built-in ones. The user patterns are validated as LoadFile does; ids must
// be unique among them (an id may repeat a built-in one).
func New(user []Pattern) (*Classifier, error) {
	loadBuiltin()
	cs, err := compileAll(user, errPrefix, true)
	if err != nil {
		return nil, err
	}
	all := make([]compiled, 0, len(cs)+len(builtinCompiled))
	all = append(all, cs...)
	all = append(all, builtinCompiled...)
	return &Classifier{patterns: all}, nil
}

// Order returns the categories from most to least important; a deployment
// that fails for several reasons is reported with the first of them that
// occurs. See the package documentation for the reasons behind the order.
func Order() []result.Category {
	return append([]result.Category(nil), result.Categories...)
}

// fallbackMark starts the explanation of every fallback diagnosis, so the
// summary says that no catalog entry recognised the message.
const fallbackMark = "No catalog pattern matched this message (fallback). "

// Fallback diagnoses used when no pattern matches.
var fallbacks = map[Scope]result.Diagnosis{
	// An unrecognised component problem is never unknown: the org refused
	// the component, and the text tells a missing thing (see
	// missingThingRE) from any other problem with the component itself.
	ScopeComponent: {
		Category:    result.CategoryMetadata,
		Explanation: fallbackMark + "The org rejected this component.",
		Fix:         "Read the problem text and the component source at the reported line, fix it locally and check it with `sf project deploy validate --source-dir <path> --target-org <org>`.",
	},
	ScopeTest: {
		Category:    result.CategoryTest,
		Explanation: fallbackMark + "An Apex test method failed.",
		Fix:         "Run the test on its own with `sf apex run test --tests Class.method --synchronous --result-format human --target-org <org>` and follow the stack trace.",
	},
	ScopeCoverage: {
		Category:    result.CategoryCoverage,
		Explanation: fallbackMark + "Code coverage did not meet the requirement for this deployment.",
		Fix:         "Add tests for the uncovered lines listed in the coverage report, or run a wider test level.",
	},
	ScopeError: {
		Category:    result.CategoryUnknown,
		Explanation: fallbackMark + "The command failed with an error the catalog does not know.",
		Fix:         "Read the full error in the step log; if it is a recurring error, add a pattern for it to the error-catalog file.",
	},
}

// cliRefusedFallback is the fallback of an sf error envelope that no
// pattern matched and that is not a crash (see crashRE): sf refused the
// command because of the project, the flags, the inputs or the machine
// it runs on, so running it again the same way fails the same way.
var cliRefusedFallback = result.Diagnosis{
	Category:    result.CategoryConfig,
	Explanation: fallbackMark + "sf refused the command: the message is about the project, the command's flags, the org definition or the runner's environment rather than the deployed metadata.",
	Fix:         "Read the error in the step log and correct the workflow inputs, sfdx-project.json or the runner setup it names; run the same sf command locally to check.",
}

// crashRE recognises an sf error that says nothing about its cause: a
// JavaScript crash inside the CLI or a plugin (TypeError, "Cannot read
// properties of undefined", an unparsable response) or a bare "Deploy
// failed." / "Push failed.". Those stay honestly unknown instead of falling
// back to config.
var crashRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)cannot (read|set) propert(y|ies)|\bof (undefined|null)\b|undefined or null|\bis not (iterable|a function|a constructor)\b|\b(Type|Syntax|Reference|Range)Error\b|(^|:\s*)undefined\w*\s*$|Unexpected (end of JSON|token)|<unknown>|\bURI (malformed|too long)\b|\b(deploy(ment)?|push|pull|retrieve) failed\b|\bfailed to deploy\b|unable to generate complete component set|\bunexpected (error|response)\b|\bunknown error\b|something went wrong|\[object Object\]|\binternal (server )?error\b|\bfailed[.!]?\s*$|^\W*(\w+:\s*)?(Error \(\d+\):\s*)?(null|undefined|error)?\W*$`)
})

// missingFallback is the fallback of a component problem that names a
// missing thing.
var missingFallback = result.Diagnosis{
	Category:    result.CategoryDependency,
	Explanation: fallbackMark + "The component refers to something the org does not have (a class, field, object, component or value).",
	Fix:         "Deploy the missing component in the same deployment (add it to the manifest or source folder) or create it in the org first, or correct the reference.",
}

// missingThingRE recognises a problem that names a missing thing: not
// found, does not exist, no such, an invalid (cross) reference, not
// defined, and their usual variants.
var missingThingRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)not found|does not exist|doesn'?t exist|no longer exists?|\bno such\b|\bno \w+ named\b|\bno [\w .:/-]{1,60} found\b|invalid (cross[- ]?)?reference|\bnot defined\b|(cannot|can'?t|could not|couldn'?t) be found|(cannot|can'?t|could not|couldn'?t|unable to) (find|resolve|locate)\b|\bnon-?existent\b|\binvalid (type|field|sobject|object|class|variable|identifier|relationship)\b|invalid value|not an? valid value|\bunknown (user permission|permission|type|field|object|variable|method|class|component|property)\b|dependent class is invalid|needs recompilation|\b(is ?n[o']t|not) in the (target )?org\b|\bspecified (was|is) invalid\b|DML requires SObject|\bparent entity failed to deploy`)
})

// scopeCategory reports whether a built-in entry of category cat may decide
// a text of scope: a coverage warning is a coverage failure whatever its
// wording, and a failed test is a test failure (flaky when the platform
// failed under it) or a governor limit, never an auth, config or timeout
// problem of the run.
func scopeCategory(scope Scope, cat result.Category) bool {
	switch scope {
	case ScopeCoverage:
		return cat == result.CategoryCoverage
	case ScopeTest:
		return cat == result.CategoryTest || cat == result.CategoryLimits || cat == result.CategoryTransient
	}
	return true
}

// typeFallbacks are the built-in component entries that decide from the
// component's type alone ("[type: ApexClass; ..."): they are fallbacks too,
// so a problem that names a missing thing is a dependency before them.
var typeFallbacks = []string{"apex-compile-error", "flow-error"}

// fallback is the diagnosis of a text no pattern matched in scope.
func fallback(scope Scope, text string) result.Diagnosis {
	if scope == ScopeComponent && missingThingRE().MatchString(text) {
		return missingFallback
	}
	return fallbacks[scope]
}

// Text classifies one text in the given scope: the first pattern that applies
// to the scope and matches wins; otherwise the scope's fallback is returned
// (component → dependency when the text names a missing thing, metadata
// otherwise; test → test; coverage → coverage; error → unknown, which
// Error turns into config unless the text is a crash) with an
// empty PatternID and an explanation that says it is a fallback. A coverage
// warning is a coverage failure whatever its wording, and a failed test a
// test failure or a governor limit: see scopeCategory.
func (c *Classifier) Text(scope Scope, text string) result.Diagnosis {
	if c == nil {
		c = Default()
	}
	bit := scopeBit(scope)
	if bit == 0 {
		scope, bit = ScopeError, scopeBit(ScopeError)
	}
	folded := foldString(text)
	for i := range c.patterns {
		p := &c.patterns[i]
		if !p.appliesTo(bit) || (p.builtin && !scopeCategory(scope, p.Category)) ||
			!p.pre.pass(folded) || !p.matches(text) {
			continue
		}
		if scope == ScopeComponent && p.builtin && slices.Contains(typeFallbacks, p.ID) && missingThingRE().MatchString(text) {
			return missingFallback
		}
		d := result.Diagnosis{
			Category:    p.Category,
			Transient:   p.Transient,
			PatternID:   p.ID,
			Explanation: p.Explanation,
			Fix:         p.Fix,
		}
		// A platform hiccup inside a test is a flaky test: the fix is to run
		// it again, so it is reported as a (transient) test failure.
		if scope == ScopeTest && d.Category == result.CategoryTransient {
			d.Category, d.Transient = result.CategoryTest, true
		}
		if d.Explanation == "" {
			d.Explanation = strings.TrimPrefix(fallbacks[scope].Explanation, fallbackMark)
		}
		return d
	}
	return fallback(scope, text)
}

// componentText is what ScopeComponent patterns see for f.
func componentText(f *result.ComponentFailure) string {
	if f.Type == "" && f.FullName == "" {
		return f.Problem
	}
	return f.Problem + "\n[type: " + f.Type + "; name: " + f.FullName + "]"
}

// Component classifies a component failure (warnings too) and stores the
// diagnosis in f.
func (c *Classifier) Component(f *result.ComponentFailure) {
	f.Diagnosis = c.Text(ScopeComponent, componentText(f))
}

// Test classifies a failed test from its message and stack trace and stores
// the diagnosis in t.
func (c *Classifier) Test(t *result.TestFailure) {
	text := t.Message
	if t.StackTrace != "" {
		text += "\n" + t.StackTrace
	}
	t.Diagnosis = c.Text(ScopeTest, text)
}

// Coverage classifies a code coverage warning and stores the diagnosis in w.
func (c *Classifier) Coverage(w *result.CoverageWarning) {
	w.Diagnosis = c.Text(ScopeCoverage, w.Message)
}

// deployFailed reports whether d reached a final state without deploying
// everything it should have.
func deployFailed(d *result.Deploy) bool {
	switch d.Status {
	case "Failed", "Canceled":
		return true
	case "Succeeded", "SucceededPartial":
		return false
	}
	return d.Finished() && !d.Success
}

// tally accumulates the failing items of a deployment.
type tally struct {
	n, components, tests, coverage int
	allTransient                   bool
	best                           result.Diagnosis
	bestText                       string
	found                          bool
}

func (t *tally) add(d result.Diagnosis, text string) {
	t.n++
	if !d.Transient {
		t.allTransient = false
	}
	if !t.found || d.Category.Priority() < t.best.Category.Priority() {
		t.best, t.bestText, t.found = d, text, true
	}
}

// Deploy classifies every component failure, test failure and coverage
// warning of d in place and returns the overall verdict. Component warnings
// are classified but do not count as failures; coverage warnings count only
// when the deployment failed. A deployment that failed without any item is
// classified from its errorStatusCode, errorMessage and stateDetail
// (ScopeError). A deployment that succeeded, or has not finished, without
// failing items gets CategoryNone.
func (c *Classifier) Deploy(d *result.Deploy) Verdict {
	if c == nil {
		c = Default()
	}
	if d == nil {
		return Verdict{Category: result.CategoryNone, Reason: "no deployment result"}
	}
	failed := deployFailed(d)
	t := tally{allTransient: true}
	for i := range d.ComponentFailures {
		f := &d.ComponentFailures[i]
		c.Component(f)
		if f.IsWarning() {
			continue
		}
		t.components++
		t.add(f.Diagnosis, f.Problem)
	}
	for i := range d.TestFailures {
		tf := &d.TestFailures[i]
		c.Test(tf)
		t.tests++
		t.add(tf.Diagnosis, tf.FullName()+": "+tf.Message)
	}
	for i := range d.CoverageWarnings {
		w := &d.CoverageWarnings[i]
		c.Coverage(w)
		if failed {
			t.coverage++
			t.add(w.Diagnosis, w.Message)
		}
	}
	if t.n > 0 {
		var parts []string
		if t.components > 0 {
			parts = append(parts, plural(t.components, "component failure"))
		}
		if t.tests > 0 {
			parts = append(parts, plural(t.tests, "test failure"))
		}
		if t.coverage > 0 {
			parts = append(parts, plural(t.coverage, "coverage warning"))
		}
		return Verdict{
			Category:  t.best.Category,
			Transient: t.allTransient,
			Reason:    fmt.Sprintf("%s (%s: %s)", strings.Join(parts, ", "), t.best.Category, summarize(t.bestText)),
			Diagnosis: t.best,
		}
	}
	if !failed {
		reason := "deployment succeeded"
		if !d.Finished() {
			reason = "deployment not finished (status " + orUnknown(d.Status) + ")"
		} else if d.Status != "" && d.Status != "Succeeded" {
			reason = "deployment " + d.Status
		}
		return Verdict{Category: result.CategoryNone, Reason: reason}
	}
	var lines []string
	head := d.ErrorMessage
	if d.ErrorStatusCode != "" {
		head = d.ErrorStatusCode + ": " + d.ErrorMessage
	}
	if strings.TrimSpace(head) != "" {
		lines = append(lines, head)
	}
	if d.StateDetail != "" {
		lines = append(lines, d.StateDetail)
	}
	text := strings.Join(lines, "\n")
	if strings.TrimSpace(text) == "" {
		diag := fallbacks[ScopeError]
		return Verdict{
			Category:  diag.Category,
			Reason:    "deployment " + orUnknown(d.Status) + " without error details",
			Diagnosis: diag,
		}
	}
	diag := c.Text(ScopeError, text)
	return Verdict{
		Category:  diag.Category,
		Transient: diag.Transient,
		Reason:    fmt.Sprintf("deployment %s (%s: %s)", orUnknown(d.Status), diag.Category, summarize(text)),
		Diagnosis: diag,
	}
}

// Error classifies an sf error envelope from its name, message and exit
// code, the name and the exit code before the wording:
//
//  0. a user pattern that matches "name: message" wins, and a request that
//     failed at the network level (networkPatterns) is transient whatever
//     error wraps it (a login, a report, a submission);
//  1. a specific error class name (CamelCase, not Error, SfError...) that a
//     pattern recognises on its own decides (InvalidProjectWorkspaceError →
//     config, NamedOrgNotFoundError → auth), whatever the message says. A
//     platform or OAuth code as name (ERROR_HTTP_420, sf:INVALID_SESSION_ID,
//     invalid_grant) does not: the message says more;
//  2. exit code 2 (a usage error) is config;
//  3. otherwise the text "name: message" is matched.
//
// A message in sf's human form "Error (Name): ..." or "Error (2): ..." gives
// the name or the exit code when the envelope does not. Exit code 69 (the
// deploy was still in progress) and the name ClientTimeoutError always give
// timeout.
func (c *Classifier) Error(name, message string, exitCode int) Verdict {
	if c == nil {
		c = Default()
	}
	text := message
	if name != "" {
		text = name + ": " + message
	}
	name, exitCode = errorIdentity(name, message, exitCode)
	diag := c.errorDiagnosis(name, text, exitCode)
	if (exitCode == 69 || name == "ClientTimeoutError") && diag.Category != result.CategoryTimeout {
		diag = c.builtinDiagnosis("client-timeout")
	}
	return Verdict{
		Category:  diag.Category,
		Transient: diag.Transient,
		Reason:    summarize(text),
		Diagnosis: diag,
	}
}

// humanErrorRE is sf's human error line: "Error (NamedOrgNotFoundError): ..."
// or "Error (2): ...".
var humanErrorRE = regexp.MustCompile(`^\s*Error \((\w+)\):`)

// errorClassRE is the shape of an sf error class name.
var errorClassRE = regexp.MustCompile(`^[A-Z][a-z][A-Za-z0-9]*$`)

// genericErrorNames say nothing about the error.
var genericErrorNames = map[string]bool{
	"": true, "Error": true, "SfError": true, "SfdxError": true, "CLIError": true, "TypeError": true,
	"UnexpectedError": true, "UnknownError": true, "error": true,
}

// errorIdentity completes the envelope's name and exit code from a message
// in sf's human form.
func errorIdentity(name, message string, exitCode int) (string, int) {
	m := humanErrorRE.FindStringSubmatch(message)
	if m == nil {
		return name, exitCode
	}
	if n, err := strconv.Atoi(m[1]); err == nil {
		if exitCode <= 1 {
			exitCode = n
		}
	} else if genericErrorNames[name] {
		name = m[1]
	}
	return name, exitCode
}

// networkPatterns are the built-in entries for a request that failed at the
// network level (a reset, a socket timeout, a failed DNS lookup, an HTTP 5xx
// from a proxy or the instance): the cause under whatever error wraps it.
var networkPatterns = []string{
	"connection-reset", "connection-timed-out", "dns-lookup-failed", "tls-disconnected",
	"retry-limit-network", "http-5xx", "server-unavailable",
}

// beforeNetworkPatterns are the built-in entries that decide before
// networkPatterns: a proxy or certificate that is set up wrongly fails at
// the network level (ENOTFOUND through a proxy, a TLS error) but a retry
// fails the same way.
var beforeNetworkPatterns = []string{"proxy-or-certificate"}

// errorDiagnosis applies the order of Error.
func (c *Classifier) errorDiagnosis(name, text string, exitCode int) result.Diagnosis {
	d := c.Text(ScopeError, text)
	if c.isUser(d.PatternID) || slices.Contains(networkPatterns, d.PatternID) || slices.Contains(beforeNetworkPatterns, d.PatternID) {
		return d
	}
	if n, ok := c.firstOf(networkPatterns, text); ok {
		return n
	}
	if !genericErrorNames[name] && errorClassRE.MatchString(name) {
		if d := c.Text(ScopeError, name); d.PatternID != "" && d.Category != result.CategoryUnknown {
			return d
		}
	}
	if exitCode == 2 && d.Category != result.CategoryConfig {
		return c.builtinDiagnosis("cli-usage-error")
	}
	if d.Fallback() && !crashRE().MatchString(text) {
		return cliRefusedFallback
	}
	return d
}

// isUser reports whether id is one of the user's patterns.
func (c *Classifier) isUser(id string) bool {
	if id == "" {
		return false
	}
	for i := range c.patterns {
		if p := &c.patterns[i]; !p.builtin && p.ID == id {
			return true
		}
	}
	return false
}

// firstOf returns the diagnosis of the first built-in entry among ids that
// matches text in the error scope.
func (c *Classifier) firstOf(ids []string, text string) (result.Diagnosis, bool) {
	loadBuiltin()
	folded := foldString(text)
	for _, id := range ids {
		for i := range builtinCompiled {
			p := &builtinCompiled[i]
			if p.ID == id && p.pre.pass(folded) && p.matches(text) {
				return c.builtinDiagnosis(id), true
			}
		}
	}
	return result.Diagnosis{}, false
}

// builtinDiagnosis is the diagnosis of the built-in pattern id, which exists
// (a test checks every id this file names).
func (c *Classifier) builtinDiagnosis(id string) result.Diagnosis {
	loadBuiltin()
	for i := range builtinCompiled {
		if p := &builtinCompiled[i]; p.ID == id {
			return result.Diagnosis{
				Category: p.Category, Transient: p.Transient, PatternID: p.ID,
				Explanation: p.Explanation, Fix: p.Fix,
			}
		}
	}
	panic("classify: no built-in pattern " + id)
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	return fmt.Sprintf("%d %ss", n, s)
}

func orUnknown(s string) string {
	if s == "" {
		return "status unknown"
	}
	return s
}

// maxSummary is the longest item text quoted in a Reason, in runes;
// maxLeadIn is the longest when the first line only leads in to the reason.
const (
	maxSummary = 120
	maxLeadIn  = 400
)

// summarize returns the first non-empty line of s, shortened. A first line
// that only leads in to the reason on the next lines ("Failed to validate
// the deployment (0Af...). Due To:") is joined with the lines of that
// paragraph, so the reason is never cut off.
func summarize(s string) string {
	s = strings.TrimSpace(s)
	limit := maxSummary
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		first, rest := strings.TrimSpace(s[:i]), s[i:]
		if strings.HasSuffix(first, ":") {
			var para []string
			for _, l := range strings.Split(strings.ReplaceAll(rest, "\r\n", "\n"), "\n") {
				l = strings.TrimSpace(l)
				if l == "" && len(para) > 0 {
					break
				}
				if l != "" {
					para = append(para, l)
				}
			}
			if len(para) > 0 {
				first += " " + strings.Join(para, " ")
				limit = maxLeadIn
			}
		}
		s = first
	}
	if utf8.RuneCountInString(s) > limit {
		r := []rune(s)
		s = string(r[:limit-1]) + "…"
	}
	return s
}
