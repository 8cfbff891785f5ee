package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/org/deploy-guard/pkg/config"
)

// Every path input names files a pull request controls: each must resolve,
// after symbolic links, inside the workspace; otherwise the run stops with a
// config error naming the input, before sf runs, with outputs written.
func TestRunPathsMustStayInTheWorkspace(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "catalog.yaml"), []byte("patterns: []\n"), 0o644)
	for _, tc := range []struct {
		input, value string
		link         bool // value is a link in the workspace to outside
	}{
		{config.InputWorkingDirectory, "/", false},
		{config.InputWorkingDirectory, "..", false},
		{config.InputArtifactsDir, "../artifacts", false},
		{config.InputArtifactsDir, outside, false},
		{config.InputArtifactsDir, "linked-artifacts", true},
		{config.InputManifest, "../../../etc/passwd", false},
		{config.InputErrorCatalog, filepath.Join(outside, "catalog.yaml"), false},
		{config.InputErrorCatalog, "linked-catalog", true},
		{config.InputRollbackSourceDir, "linked-rollback", true},
		{config.InputPostDestructive, "../../../etc/passwd", false},
		{config.InputPreDestructive, "linked-pre", true},
		{config.InputMetadataDir, outside, false},
		{config.InputMetadataDir, "linked-mdapi", true},
	} {
		t.Run(tc.input+"="+tc.value, func(t *testing.T) {
			e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, tc.input: tc.value})
			if tc.input != config.InputManifest && tc.input != config.InputMetadataDir {
				e.vars[config.EnvName(config.InputManifest)] = "manifest/package.xml"
			}
			if tc.link {
				target := outside
				if tc.input == config.InputErrorCatalog {
					target = filepath.Join(outside, "catalog.yaml")
				}
				os.Symlink(target, filepath.Join(e.workspace, tc.value))
			}
			e.answer = happySF
			if code := e.run(); code != ExitConfig || len(e.calls) != 0 {
				t.Fatalf("exit %d after %d sf calls, want %d before any\n%s", code, len(e.calls), ExitConfig, e.stdout.String())
			}
			if !strings.Contains(e.stdout.String(), `input "`+tc.input+`"`) || !strings.Contains(e.stdout.String(), "outside the workspace") {
				t.Errorf("the error does not name %s and say why:\n%s", tc.input, e.stdout.String())
			}
			if out := e.outputs(); out["failure-category"] != "config" {
				t.Errorf("outputs = %v", out)
			}
			if ents, _ := os.ReadDir(outside); len(ents) != 1 {
				t.Errorf("the action wrote outside the workspace: %v", ents)
			}
		})
	}
}

// A link planted at an artifact's name must not lead the write outside: the
// file outside keeps its content, the artifact is a new regular file.
func TestRunPlantedArtifactLinks(t *testing.T) {
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("precious"), 0o600)
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml"})
	arts := filepath.Join(e.workspace, "deploy-guard-artifacts")
	os.MkdirAll(arts, 0o755)
	for _, name := range []string{"report.md", "deploy-guard.sarif", "events.jsonl", "sf-01-attempt1-deploy.json"} {
		os.Symlink(victim, filepath.Join(arts, name))
	}
	e.answer = happySF
	if code := e.run(); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, e.stdout.String())
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious" {
		t.Errorf("a planted link made the action overwrite a file outside the workspace: %.80q", b)
	}
	for _, name := range []string{"report.md", "deploy-guard.sarif", "events.jsonl"} {
		if st, err := os.Lstat(filepath.Join(arts, name)); err != nil || !st.Mode().IsRegular() {
			t.Errorf("%s is not a fresh regular file: %v %v", name, st, err)
		}
	}
}

// sfdx-project.json, package.xml and the error catalog are read as regular
// files of bounded size: a link to /dev/zero, a FIFO or a huge file is a
// clear config error naming the input, with outputs written, never a hang
// or a crash.
func TestRunProjectFilesAreBounded(t *testing.T) {
	huge := append([]byte(`{"packageDirectories":[{"path":"force-app","default":true}]}`), bytes.Repeat([]byte(" "), 5<<20)...)
	for _, tc := range []struct {
		name, input string
		plant       func(t *testing.T, ws string)
		want        string
	}{
		{"project links to /dev/zero", config.InputWorkingDirectory, func(t *testing.T, ws string) {
			os.Remove(filepath.Join(ws, "sfdx-project.json"))
			os.Symlink("/dev/zero", filepath.Join(ws, "sfdx-project.json"))
		}, "symbolic link"},
		{"project is a FIFO", config.InputWorkingDirectory, func(t *testing.T, ws string) {
			os.Remove(filepath.Join(ws, "sfdx-project.json"))
			syscall.Mkfifo(filepath.Join(ws, "sfdx-project.json"), 0o644)
		}, "not a regular file"},
		{"project is huge", config.InputWorkingDirectory, func(t *testing.T, ws string) {
			os.WriteFile(filepath.Join(ws, "sfdx-project.json"), huge, 0o644)
		}, "too large"},
		{"manifest links to /dev/zero", "manifest", func(t *testing.T, ws string) {
			os.Remove(filepath.Join(ws, "manifest", "package.xml"))
			os.Symlink("/dev/zero", filepath.Join(ws, "manifest", "package.xml"))
		}, "resolves to /dev/zero, outside the workspace"},
		{"manifest is a FIFO", "manifest", func(t *testing.T, ws string) {
			os.Remove(filepath.Join(ws, "manifest", "package.xml"))
			syscall.Mkfifo(filepath.Join(ws, "manifest", "package.xml"), 0o644)
		}, "not a regular file"},
		{"catalog is a FIFO", config.InputErrorCatalog, func(t *testing.T, ws string) {
			syscall.Mkfifo(filepath.Join(ws, "catalog.yaml"), 0o644)
		}, "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml"})
			if tc.input == config.InputErrorCatalog {
				e.vars[config.EnvName(config.InputErrorCatalog)] = "catalog.yaml"
			}
			tc.plant(t, e.workspace)
			e.answer = happySF
			if code := e.run(); code != ExitConfig || len(e.calls) != 0 {
				t.Fatalf("exit %d after %d sf calls, want %d before any\n%s", code, len(e.calls), ExitConfig, e.stdout.String())
			}
			log := e.stdout.String()
			if !strings.Contains(log, tc.want) || !strings.Contains(log, tc.input) {
				t.Errorf("the error does not say %q about %s:\n%s", tc.want, tc.input, log)
			}
			if out := e.outputs(); out["status"] != "failed" || out["failure-category"] != "config" {
				t.Errorf("outputs = %v", out)
			}
		})
	}
}
