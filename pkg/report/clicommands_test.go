package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/org/deploy-guard/internal/testkit"
	"github.com/org/deploy-guard/pkg/classify"
)

// The pinned CLI and the snapshot of its command metadata that every
// suggested command is checked against.
const pinnedCLI = "2.150.6"

var (
	repoRoot    = filepath.Join("..", "..")
	cliSnapshot = filepath.Join(repoRoot, "testdata", "sf-commands-"+pinnedCLI+".json")
	cliBinary   = filepath.Join(repoRoot, ".cache", "sf", "node_modules", ".bin", "sf")
)

// snapshotTopics are the command topics deploy-guard suggests commands from;
// a suggestion outside them fails the check until its topic is added here
// (and the snapshot regenerated with -update).
var snapshotTopics = []string{"apex:", "org:", "project:deploy:", "project:retrieve:", "limits:"}

type cliFlag struct {
	Char      string   `json:"char,omitempty"`
	Type      string   `json:"type"`
	Options   []string `json:"options,omitempty"`
	Multiple  bool     `json:"multiple,omitempty"`
	Exclusive []string `json:"exclusive,omitempty"`
	DependsOn []string `json:"dependsOn,omitempty"`
}

type cliCommand struct {
	ID      string             `json:"id"`
	Aliases []string           `json:"aliases,omitempty"`
	Flags   map[string]cliFlag `json:"flags"`
}

type cliMeta struct {
	CLI      string       `json:"cli"`
	Commands []cliCommand `json:"commands"`
}

// reduceCommands keeps what the checks need from `sf commands --json`: the
// ids, aliases and flags of the commands in snapshotTopics.
func reduceCommands(raw []byte) (*cliMeta, error) {
	var all []struct {
		ID      string   `json:"id"`
		Aliases []string `json:"aliases"`
		Flags   map[string]struct {
			Char      string   `json:"char"`
			Type      string   `json:"type"`
			Options   []string `json:"options"`
			Multiple  bool     `json:"multiple"`
			Exclusive []string `json:"exclusive"`
			DependsOn []string `json:"dependsOn"`
		} `json:"flags"`
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, err
	}
	m := &cliMeta{CLI: "@salesforce/cli/" + pinnedCLI}
	for _, c := range all {
		keep := false
		for _, t := range snapshotTopics {
			names := append([]string{c.ID}, c.Aliases...)
			for _, n := range names {
				keep = keep || strings.HasPrefix(n, t)
			}
		}
		if !keep {
			continue
		}
		cmd := cliCommand{ID: c.ID, Aliases: append([]string(nil), c.Aliases...), Flags: map[string]cliFlag{}}
		sort.Strings(cmd.Aliases)
		for name, f := range c.Flags {
			cf := cliFlag{Char: f.Char, Type: f.Type, Options: f.Options, Multiple: f.Multiple, Exclusive: f.Exclusive, DependsOn: f.DependsOn}
			sort.Strings(cf.Exclusive)
			sort.Strings(cf.DependsOn)
			cmd.Flags[name] = cf
		}
		m.Commands = append(m.Commands, cmd)
	}
	sort.Slice(m.Commands, func(i, j int) bool { return m.Commands[i].ID < m.Commands[j].ID })
	return m, nil
}

func marshalMeta(m *cliMeta) []byte {
	b, _ := json.MarshalIndent(m, "", " ")
	return append(b, '\n')
}

func loadCLIMeta(t *testing.T) map[string]*cliCommand {
	t.Helper()
	b, err := os.ReadFile(cliSnapshot)
	if err != nil {
		t.Fatalf("%v (generate it with: go test ./pkg/report -run TestCLISnapshotMatchesPinnedCLI -update)", err)
	}
	var m cliMeta
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	byName := map[string]*cliCommand{}
	for i := range m.Commands {
		c := &m.Commands[i]
		byName[c.ID] = c
		for _, a := range c.Aliases {
			byName[a] = c
		}
	}
	return byName
}

// TestCLISnapshotMatchesPinnedCLI regenerates the snapshot from the pinned
// CLI when it is installed (scripts/install-sf.sh) and compares: a CLI
// upgrade that changes a flag the suggestions use shows up here. With
// -update it rewrites the snapshot.
func TestCLISnapshotMatchesPinnedCLI(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the CLI (about a minute)")
	}
	pkg, err := os.ReadFile(filepath.Join(repoRoot, ".cache", "sf", "node_modules", "@salesforce", "cli", "package.json"))
	if err != nil {
		t.Skip("the pinned CLI is not installed (scripts/install-sf.sh)")
	}
	var v struct{ Version string }
	if json.Unmarshal(pkg, &v); v.Version != pinnedCLI {
		t.Skipf("the installed CLI is %s, not the pinned %s", v.Version, pinnedCLI)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cliBinary, "commands", "--json")
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "SF_AUTOUPDATE_DISABLE=true", "SF_DISABLE_TELEMETRY=true", "SF_HIDE_RELEASE_NOTES=true")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("sf commands --json: %v", err)
	}
	m, err := reduceCommands(stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got := marshalMeta(m)
	if testkit.Update() {
		if err := os.WriteFile(cliSnapshot, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(cliSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s no longer matches `sf commands --json` of the pinned CLI; run go test ./pkg/report -run TestCLISnapshotMatchesPinnedCLI -update and review the diff", cliSnapshot)
	}
}

// checkCommand checks one suggested command line against the CLI metadata:
// the command exists, every flag exists for it, option flags have a value
// (one of the allowed ones when the CLI lists them), single-value flags
// appear once, exclusive flags are not combined and dependencies are met.
// --synchronous runs the tests of one class only.
func checkCommand(meta map[string]*cliCommand, line string) error {
	w := shellWords(line)
	if len(w) < 2 || w[0] != "sf" {
		return fmt.Errorf("not an sf command")
	}
	var cmd *cliCommand
	n := 0
	for i := len(w); i > 1; i-- {
		if c, ok := meta[strings.Join(w[1:i], ":")]; ok {
			cmd, n = c, i
			break
		}
	}
	if cmd == nil {
		return fmt.Errorf("no such command in the pinned CLI")
	}
	byChar := map[string]string{}
	for name, f := range cmd.Flags {
		if f.Char != "" {
			byChar[f.Char] = name
		}
	}
	seen := map[string][]string{}
	for i := n; i < len(w); i++ {
		a := w[i]
		var name string
		switch {
		case strings.HasPrefix(a, "--"):
			name = strings.TrimPrefix(a, "--")
		case strings.HasPrefix(a, "-") && len(a) == 2:
			name = byChar[a[1:]]
		}
		if a == "--help" || a == "-h" {
			continue
		}
		f, ok := cmd.Flags[name]
		if name == "" || !ok {
			return fmt.Errorf("%s has no flag %s", cmd.ID, a)
		}
		val := ""
		if f.Type == "option" {
			if i+1 >= len(w) || strings.HasPrefix(w[i+1], "-") {
				return fmt.Errorf("%s %s needs a value", cmd.ID, a)
			}
			i++
			val = w[i]
			if len(f.Options) > 0 && !contains(f.Options, val) {
				return fmt.Errorf("%s --%s %s: the CLI accepts only %v", cmd.ID, name, val, f.Options)
			}
		}
		if len(seen[name]) > 0 && !f.Multiple {
			return fmt.Errorf("%s --%s given twice", cmd.ID, name)
		}
		seen[name] = append(seen[name], val)
	}
	for name := range seen {
		for _, x := range cmd.Flags[name].Exclusive {
			if _, ok := seen[x]; ok {
				return fmt.Errorf("%s: --%s cannot be used with --%s", cmd.ID, name, x)
			}
		}
		for _, d := range cmd.Flags[name].DependsOn {
			if _, ok := seen[d]; !ok {
				return fmt.Errorf("%s: --%s needs --%s", cmd.ID, name, d)
			}
		}
	}
	if _, sync := seen["synchronous"]; sync && cmd.ID == "apex:run:test" {
		classes := map[string]bool{}
		for _, t := range append(seen["tests"], seen["class-names"]...) {
			for _, one := range strings.Split(t, ",") {
				if i := strings.LastIndexByte(one, '.'); i > 0 && seen["tests"] != nil {
					one = one[:i]
				}
				classes[one] = true
			}
		}
		if len(classes) != 1 {
			return fmt.Errorf("apex:run:test --synchronous runs the tests of one class, not %d", len(classes))
		}
	}
	if cmd.ID == "project:deploy:resume" {
		return fmt.Errorf("project deploy resume only knows jobs in the local cache; suggest project deploy report --job-id")
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

var (
	mdEscaped = regexp.MustCompile("\\\\([!-/:-@\\[-`{-~])")
	inlineSF  = regexp.MustCompile("`(sf [^`\n]+)`")
	lineSF    = regexp.MustCompile(`(?m)^(?:\d+\. )?(sf [^\n` + "`" + `]+)$`)
)

// suggestedCommands returns every sf command line a rendered report
// suggests: in code spans and blocks, outside the tables of commands the
// action ran.
func suggestedCommands(md string) []string {
	var kept []string
	for _, l := range strings.Split(md, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "|") {
			kept = append(kept, l)
		}
	}
	// Guidance text is escaped Markdown: read it as the reader does.
	md = mdEscaped.ReplaceAllString(strings.Join(kept, "\n"), "$1")
	var out []string
	for _, m := range inlineSF.FindAllStringSubmatch(md, -1) {
		out = append(out, m[1])
	}
	for _, m := range lineSF.FindAllStringSubmatch(md, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestSuggestedCommandsRunOnPinnedCLI renders every hand-made run, each with
// the real inputs of a source-directory, manifest, metadata and
// project-default deployment, and checks every sf command the summary and
// the report suggest against the pinned CLI; the reproduce commands deploy
// what the run deployed.
func TestSuggestedCommandsRunOnPinnedCLI(t *testing.T) {
	t.Parallel()
	meta := loadCLIMeta(t)
	p := testProject(t)
	targets := []struct{ name, flags string }{
		{"source-dir", "--source-dir force-app"},
		{"two source dirs", "--source-dir force-app --source-dir 'unpackaged/main default'"},
		{"manifest", "--manifest manifest/package.xml"},
		{"metadata", "--metadata ApexClass:InvoiceService --metadata 'Layout:Account-Account Layout'"},
		{"metadata dir", "--metadata-dir mdapi --single-package"},
		{"manifest with deletions", "--manifest manifest/package.xml --post-destructive-changes manifest/destructiveChanges.xml --purge-on-delete"},
		{"project default", ""},
	}
	names := make([]string, 0)
	for n := range scenarios() {
		names = append(names, n)
	}
	sort.Strings(names)
	checked := 0
	for _, name := range names {
		for _, tg := range targets {
			r := scenarios()[name]
			// The run deployed tg: its commands say so.
			for i := range r.Attempts {
				a := &r.Attempts[i]
				w := shellWords(a.Command)
				if len(w) >= 4 && w[1] == "project" && w[2] == "deploy" && (w[3] == "start" || w[3] == "validate") {
					a.Command = strings.Join(append(w[:4:4], "--async"), " ") + " " + tg.flags + " --target-org " + r.TargetOrg
				}
			}
			deployed := len(r.Attempts) > 0
			o := Options{Project: p, CoverageThreshold: 75, MaxSkeletons: 25}
			for _, md := range []string{Summary(r, o), Markdown(r, o)} {
				for _, line := range suggestedCommands(md) {
					checked++
					if err := checkCommand(meta, line); err != nil {
						t.Errorf("%s / %s: %q: %v", name, tg.name, line, err)
					}
					w := shellWords(line)
					if strings.Contains(line, "<manifest") {
						t.Errorf("%s / %s: %q has a manifest placeholder", name, tg.name, line)
					}
					if deployed && len(w) >= 4 && w[1] == "project" && w[2] == "deploy" && (w[3] == "start" || w[3] == "validate") &&
						!strings.Contains(line, strings.TrimSpace(tg.flags)) {
						t.Errorf("%s / %s: %q does not deploy what the run deployed (%s)", name, tg.name, line, tg.flags)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no suggested command found")
	}
}

// TestCatalogCommandsRunOnPinnedCLI checks the commands the built-in
// catalog's explanations and fixes suggest (placeholders such as <id>
// stand for values).
func TestCatalogCommandsRunOnPinnedCLI(t *testing.T) {
	t.Parallel()
	meta := loadCLIMeta(t)
	for _, p := range classify.Builtin() {
		for _, line := range suggestedCommands(p.Explanation + "\n" + p.Fix) {
			if err := checkCommand(meta, line); err != nil {
				t.Errorf("pattern %s: %q: %v", p.ID, line, err)
			}
		}
	}
}

func TestCheckCommandRejects(t *testing.T) {
	t.Parallel()
	meta := loadCLIMeta(t)
	for _, bad := range []string{
		"sf project deploy validate --source-dir force-app --target-org ci --dry-run",
		"sf project deploy validate --manifest manifest/package.xml --target-org ci --test-level NoTestRun",
		"sf project deploy resume --job-id 0Af000000000001AAA",
		"sf apex run test --tests A.m --tests B.n --target-org ci --synchronous",
		"sf project deploy start --source-dir force-app --manifest manifest/package.xml --target-org ci",
		"sf project deploy start --target-org",
		"sf project deploy frobnicate --target-org ci",
	} {
		if err := checkCommand(meta, bad); err == nil {
			t.Errorf("%q passed the check", bad)
		}
	}
	for _, good := range []string{
		"sf project deploy validate --source-dir force-app --target-org ci --test-level RunLocalTests",
		"sf project deploy report --job-id 0Af000000000001AAA --target-org ci --wait 30",
		"sf apex run test --tests A.m --tests A.n --target-org ci --synchronous --result-format human",
		"sf limits api display --target-org ci",
	} {
		if err := checkCommand(meta, good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}

// --synchronous runs the tests of one class; several classes wait instead.
func TestTestArgs(t *testing.T) {
	t.Parallel()
	meta := loadCLIMeta(t)
	for _, tc := range []struct {
		tests        []string
		sel, waitArg string
	}{
		{nil, "--test-level RunLocalTests", "--wait 30"},
		{[]string{"A.m", "A.n"}, "--tests A.m --tests A.n", "--synchronous"},
		{[]string{"A.m", "B.n"}, "--tests A.m --tests B.n", "--wait 30"},
		{[]string{"ns.A.m", "ns.A.n"}, "--tests ns.A.m --tests ns.A.n", "--synchronous"},
	} {
		sel, wait := testArgs(tc.tests)
		if sel != tc.sel || wait != tc.waitArg {
			t.Errorf("testArgs(%v) = %q, %q; want %q, %q", tc.tests, sel, wait, tc.sel, tc.waitArg)
		}
		if err := checkCommand(meta, "sf apex run test "+sel+" --target-org ci "+wait); err != nil {
			t.Errorf("%v: %v", tc.tests, err)
		}
	}
}
