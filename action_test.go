package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/org/deploy-guard/pkg/classify"
	"github.com/org/deploy-guard/pkg/config"
)

type actionFile struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Description string  `yaml:"description"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using      string `yaml:"using"`
		Image      string `yaml:"image"`
		Entrypoint string `yaml:"entrypoint"`
		Args       []string
	} `yaml:"runs"`
}

func readAction(t *testing.T) actionFile {
	t.Helper()
	b, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a
}

// readmeTable returns the rows of the README table under heading, keyed by
// the first column (without backticks), each the list of cells.
func readmeTable(t *testing.T, heading string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n## "+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q section", heading)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(after, "\n") {
		if strings.HasPrefix(line, "## ") {
			break
		}
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := splitRow(line)
		rows[strings.Trim(cells[0], "`")] = cells
	}
	return rows
}

// splitRow splits a Markdown table row on unescaped pipes.
func splitRow(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] == '|' && (i == 0 || line[i-1] != '\\') {
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
			continue
		}
		cur.WriteByte(line[i])
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

func TestReadmeInputsMatchActionYML(t *testing.T) {
	a := readAction(t)
	rows := readmeTable(t, "Inputs")
	for name, in := range a.Inputs {
		row, ok := rows[name]
		if !ok {
			t.Errorf("README Inputs table lacks %q", name)
			continue
		}
		def := ""
		if in.Default != nil {
			def = *in.Default
		}
		if got := strings.Trim(row[1], "`"); got != def {
			t.Errorf("README default of %q = %q, action.yml says %q", name, got, def)
		}
		if got, want := strings.ReplaceAll(row[2], `\|`, "|"), strings.TrimSpace(in.Description); got != want {
			t.Errorf("README description of %q drifted from action.yml:\n README %q\n action %q", name, got, want)
		}
	}
	for name := range rows {
		if _, ok := a.Inputs[name]; !ok {
			t.Errorf("README documents input %q that action.yml does not have", name)
		}
	}
}

func TestReadmeOutputsMatchActionYML(t *testing.T) {
	a := readAction(t)
	rows := readmeTable(t, "Outputs")
	for name, out := range a.Outputs {
		row, ok := rows[name]
		if !ok {
			t.Errorf("README Outputs table lacks %q", name)
			continue
		}
		if got, want := strings.ReplaceAll(row[1], `\|`, "|"), strings.TrimSpace(out.Description); got != want {
			t.Errorf("README description of output %q drifted:\n README %q\n action %q", name, got, want)
		}
	}
	if len(rows) != len(a.Outputs) {
		t.Errorf("README lists %d outputs, action.yml %d", len(rows), len(a.Outputs))
	}
}

func TestActionYMLMatchesConfig(t *testing.T) {
	a := readAction(t)
	if a.Runs.Using != "docker" || !strings.HasPrefix(a.Runs.Image, "docker://") || len(a.Runs.Args) != 0 {
		t.Errorf("runs = %+v: a prebuilt docker image, no args (args land on the docker command line)", a.Runs)
	}
	for name, in := range a.Inputs {
		if in.Default == nil {
			t.Errorf("input %q has no default", name)
			continue
		}
		if strings.TrimSpace(in.Description) == "" {
			t.Errorf("input %q has no description", name)
		}
		want, ok := config.Defaults[name]
		if ok && want != *in.Default {
			t.Errorf("default of %q: action.yml %q, config %q", name, *in.Default, want)
		}
		if !ok && *in.Default != "" && name != config.InputGitHubToken {
			t.Errorf("input %q has default %q in action.yml but none in config.Defaults", name, *in.Default)
		}
		// Every input must be read by the config parser.
		if !strings.Contains(readSource(t, "pkg/config/inputs.go"), `"`+name+`"`) {
			t.Errorf("input %q is not declared in pkg/config/inputs.go", name)
		}
	}
	for name := range config.Defaults {
		if _, ok := a.Inputs[name]; !ok {
			t.Errorf("config default for %q, which action.yml does not declare", name)
		}
	}
	for name, out := range a.Outputs {
		if strings.TrimSpace(out.Description) == "" {
			t.Errorf("output %q has no description", name)
		}
		if !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`).MatchString(name) {
			t.Errorf("output name %q is not a valid id", name)
		}
	}
}

func readSource(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDockerfile checks the image recipe without a Docker engine: parse the
// instructions and assert what the action depends on.
func TestDockerfile(t *testing.T) {
	type instr struct{ op, args string }
	var ins []instr
	var cont string
	for _, raw := range strings.Split(readSource(t, "Dockerfile"), "\n") {
		line := strings.TrimSpace(raw)
		if cont == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cont += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		line, cont = cont+line, ""
		op, args, _ := strings.Cut(line, " ")
		ins = append(ins, instr{strings.ToUpper(op), strings.TrimSpace(args)})
	}
	var froms, entrypoints []string
	build := ""
	for _, i := range ins {
		switch i.op {
		case "FROM":
			froms = append(froms, i.args)
		case "ENTRYPOINT":
			entrypoints = append(entrypoints, i.args)
		case "USER":
			t.Errorf("USER %s: Docker actions must run as root to use the workspace", i.args)
		case "WORKDIR":
			if len(froms) > 1 {
				t.Error("WORKDIR in the final stage: the runner sets the working directory")
			}
		case "RUN":
			if strings.Contains(i.args, "go build") {
				build = i.args
			}
		}
	}
	if len(froms) < 2 {
		t.Errorf("want a multi-stage build, got FROM %q", froms)
	}
	if last := froms[len(froms)-1]; !strings.Contains(last, "node:${NODE_VERSION}-bookworm-slim") {
		t.Errorf("final stage %q: want the slim Node.js base", last)
	}
	if !strings.Contains(build, "CGO_ENABLED=0") || !strings.Contains(build, "-trimpath") {
		t.Errorf("go build %q: want a static, trimmed binary", build)
	}
	if len(entrypoints) != 1 || entrypoints[0] != `["/usr/local/bin/deploy-guard"]` {
		t.Errorf("ENTRYPOINT %q: want exec form running the binary directly", entrypoints)
	}
	src := readSource(t, "Dockerfile")
	if !regexp.MustCompile(`ARG SF_CLI_VERSION=\d+\.\d+\.\d+\n`).MatchString(src) || !strings.Contains(src, `"@salesforce/cli@${SF_CLI_VERSION}"`) {
		t.Error("the sf CLI must be installed at an exact pinned version")
	}
	if !strings.Contains(readSource(t, "scripts/install-sf.sh"), "2.150.6") || !strings.Contains(src, "SF_CLI_VERSION=2.150.6") {
		t.Error("the image and the test suite must pin the same CLI version")
	}
	sgd := regexp.MustCompile(`SGD_VERSION="?\$\{SGD_VERSION:-(\d+\.\d+\.\d+)\}`).FindStringSubmatch(readSource(t, "scripts/install-sf.sh"))
	if sgd == nil || !strings.Contains(src, "ARG SGD_VERSION="+sgd[1]+"\n") || !strings.Contains(src, `"sfdx-git-delta@${SGD_VERSION}"`) {
		t.Error("the image and the test suite must pin the same sfdx-git-delta version")
	}
}

// The Dockerfile's -ldflags must name a variable that exists: the linker
// ignores an -X for a missing one, and every image then says "dev". Build
// with the Dockerfile's own flags and ask the binary.
func TestDockerfileStampsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	m := regexp.MustCompile(`-ldflags "([^"]*)"`).FindStringSubmatch(readSource(t, "Dockerfile"))
	if m == nil {
		t.Fatal("the Dockerfile's go build has no -ldflags")
	}
	const version = "v9.8.7-test"
	flags := strings.ReplaceAll(m[1], "${VERSION}", version)
	if flags == m[1] {
		t.Fatalf("-ldflags %q does not use ${VERSION}", m[1])
	}
	// Only the link step differs from other builds, so this reuses their cache.
	bin := goBuild(t, "-ldflags", flags)
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "deploy-guard "+version {
		t.Errorf("--version printed %q, want %q", got, "deploy-guard "+version)
	}
}

// Pinning the action by tag or commit must pin the image: action.yml names
// an exact release tag (or a digest), and the release workflow publishes
// exactly that tag, for amd64 and arm64, refusing a tag action.yml does not
// name. The README shows the same image.
func TestImageIsPinnedPerRelease(t *testing.T) {
	image := readAction(t).Runs.Image
	if !regexp.MustCompile(`^docker://ghcr\.io/org/deploy-guard(:v\d+\.\d+\.\d+|@sha256:[0-9a-f]{64})$`).MatchString(image) {
		t.Errorf("runs.image %q: want an exact release tag (:vX.Y.Z) or a digest, never a floating tag", image)
	}
	if !strings.Contains(readSource(t, "README.md"), "`"+image+"`") {
		t.Errorf("README does not show the image action.yml uses (%s)", image)
	}
	var wf struct {
		Jobs map[string]struct {
			Env   map[string]string `yaml:"env"`
			Steps []struct {
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(readSource(t, ".github/workflows/release.yml")), &wf); err != nil {
		t.Fatalf("release.yml: %v", err)
	}
	job, ok := wf.Jobs["image"]
	if !ok {
		t.Fatal("release.yml has no image job")
	}
	if job.Env["IMAGE"] != "ghcr.io/${{ github.repository }}:${{ github.ref_name }}" {
		t.Errorf("IMAGE = %q: want the exact tag being released", job.Env["IMAGE"])
	}
	var checked, built bool
	for _, s := range job.Steps {
		if strings.Contains(s.Run, "action.yml") && strings.Contains(s.Run, "exit 1") && !built {
			checked = true
		}
		if strings.HasPrefix(s.Uses, "docker/build-push-action@") {
			built = true
			if s.With["tags"] != "${{ env.IMAGE }}" {
				t.Errorf("tags %q: publish only the exact tag", s.With["tags"])
			}
			for _, p := range []string{"linux/amd64", "linux/arm64"} {
				if !strings.Contains(s.With["platforms"], p) {
					t.Errorf("platforms %q lack %s", s.With["platforms"], p)
				}
			}
			if !strings.Contains(s.With["build-args"], "VERSION=${{ github.ref_name }}") {
				t.Errorf("build-args %q: stamp the release's version", s.With["build-args"])
			}
		}
	}
	if !built || !checked {
		t.Errorf("release.yml: build step %v, action.yml check before it %v", built, checked)
	}
}

// The project carries a license, and the README names it.
func TestLicense(t *testing.T) {
	if l := readSource(t, "LICENSE"); !strings.Contains(l, "Apache License") || !strings.Contains(l, "Version 2.0, January 2004") {
		t.Error("LICENSE is not the Apache License 2.0 text")
	}
	if !strings.Contains(readSource(t, "README.md"), "[LICENSE](LICENSE)") {
		t.Error("README does not link LICENSE")
	}
}

// TestCatalogDocsMatchTheLoader keeps what README.md and action.yml tell
// users about the error catalog in line with the loader and the built-in
// catalog: the field list, the number of built-in expressions, and the
// README's example, which must load.
func TestCatalogDocsMatchTheLoader(t *testing.T) {
	fields := strings.Join(classify.Fields(), ", ")
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	listRE := regexp.MustCompile(`extra error patterns \(([a-z, ]+)\)`)
	for _, doc := range []struct{ name, text string }{
		{"action.yml", readAction(t).Inputs[config.InputErrorCatalog].Description},
		{"README.md", string(readme)},
	} {
		m := listRE.FindStringSubmatch(doc.text)
		if m == nil {
			t.Errorf("%s: the error-catalog description lists no fields", doc.name)
		} else if m[1] != fields {
			t.Errorf("%s: error-catalog fields (%s), the loader accepts (%s)", doc.name, m[1], fields)
		}
	}
	for _, f := range classify.Fields() {
		if !strings.Contains(string(readme), "`"+f+"`") {
			t.Errorf("README.md does not name the catalog field `%s`", f)
		}
	}
	m := regexp.MustCompile(`error catalog: (\d+) regular expressions`).FindSubmatch(readme)
	if n := len(classify.Builtin()); m == nil || string(m[1]) != strconv.Itoa(n) {
		t.Errorf("README.md gives the built-in catalog size as %q, it has %d entries", m, n)
	}
	_, after, _ := strings.Cut(string(readme), "Add your own patterns with `error-catalog`")
	_, example, ok := strings.Cut(after, "```yaml\n")
	example, _, _ = strings.Cut(example, "```")
	if !ok || example == "" {
		t.Fatal("README.md has no error-catalog example")
	}
	path := filepath.Join(t.TempDir(), "errors.yaml")
	if err := os.WriteFile(path, []byte(example), 0o644); err != nil {
		t.Fatal(err)
	}
	if ps, err := classify.LoadFile(path); err != nil || len(ps) == 0 {
		t.Errorf("the README's error-catalog example does not load: %v", err)
	}
}
