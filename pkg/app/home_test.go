package app

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// runCapturing runs the action with its sf calls answered by answer, and
// returns the environment sf was given.
func runCapturing(t *testing.T, e *env, tmp string, answer func(env []string, inv sfcli.Invocation) (*sfcli.Output, error)) []string {
	var childEnv []string
	Run(context.Background(), Deps{
		Getenv:  func(k string) string { return e.vars[k] },
		Environ: func() []string { return []string{"PATH=/usr/bin"} },
		Stdout:  &e.stdout,
		Sleep:   func(context.Context, time.Duration) error { return nil },
		TempDir: tmp,
		NewRunner: func(env []string, dir string) sfcli.Runner {
			childEnv = env
			return sfcli.RunnerFunc(func(ctx context.Context, inv sfcli.Invocation) (*sfcli.Output, error) { return answer(env, inv) })
		},
	})
	return childEnv
}

func envValue(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// sf's private HOME used to be TMPDIR/deploy-guard-home-<digits>: a name a
// pull request could aim a link at. It is now a 128-bit random name with no
// prefix, 0700, and gone after the run (issue 28).
func TestPrivateHomeHasNoGuessableName(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml"})
	tmp := t.TempDir()
	var mode os.FileMode
	var keyDir string
	env := runCapturing(t, e, tmp, func(env []string, inv sfcli.Invocation) (*sfcli.Output, error) {
		if st, err := os.Stat(envValue(env, "HOME")); err == nil && mode == 0 {
			mode = st.Mode().Perm()
		}
		if inv.Args[0] == "org" {
			for i, a := range inv.Args {
				if a == "--sfdx-url-file" {
					keyDir = filepath.Dir(inv.Args[i+1])
				}
			}
		}
		return happySF(inv)
	})
	home := envValue(env, "HOME")
	for what, dir := range map[string]string{"HOME": home, "the auth URL's folder": keyDir} {
		name := filepath.Base(dir)
		if b, err := hex.DecodeString(name); err != nil || len(b) != 16 || filepath.Dir(dir) != tmp {
			t.Errorf("%s is %s: want 32 random hex digits, directly in the temp dir", what, dir)
		}
	}
	if mode != 0o700 {
		t.Errorf("HOME had mode %v while sf ran, want 0700", mode)
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Errorf("HOME %s is still there after the run: %v", home, err)
	}
}

// In target-org mode sf writes its caches into the runner's shared HOME;
// run as root (the image) on a HOME the runner's user owns, they stayed
// root's and later steps could not remove them (issue 28).
func TestTargetOrgCachesAreGivenToHomesOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("giving files to another user needs root (as in the action's container)")
	}
	e := newEnv(t, map[string]string{config.InputTargetOrg: "ci", config.InputManifest: "manifest/package.xml"})
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".sfdx"), 0o755)
	os.WriteFile(filepath.Join(home, ".sfdx", "ci@example.com.json"), []byte("{}"), 0o600)
	for _, p := range []string{home, filepath.Join(home, ".sfdx"), filepath.Join(home, ".sfdx", "ci@example.com.json")} {
		os.Chown(p, 4242, 4343)
	}
	outside := filepath.Join(t.TempDir(), "outside")
	os.WriteFile(outside, nil, 0o644)
	e.vars["HOME"] = home
	runCapturing(t, e, t.TempDir(), func(env []string, inv sfcli.Invocation) (*sfcli.Output, error) {
		// What sf writes as root: caches, and a link of its own.
		h := envValue(env, "HOME")
		os.MkdirAll(filepath.Join(h, ".sf", "cache"), 0o755)
		os.WriteFile(filepath.Join(h, ".sf", "cache", "org-shapes.json"), []byte("{}"), 0o644)
		os.WriteFile(filepath.Join(h, ".sfdx", "stash.json"), []byte("{}"), 0o644)
		os.Symlink(outside, filepath.Join(h, ".sf", "link"))
		return happySF(inv)
	})
	uid := func(p string) uint32 {
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Sys().(*syscall.Stat_t).Uid
	}
	for _, p := range []string{".sf", ".sf/cache", ".sf/cache/org-shapes.json", ".sfdx/stash.json", ".sf/link"} {
		if got := uid(filepath.Join(home, p)); got != 4242 {
			t.Errorf("HOME/%s is owned by %d, want HOME's owner 4242", p, got)
		}
	}
	if uid(outside) == 4242 {
		t.Error("a link in HOME was followed and its target given away")
	}
}

// The link check is never skipped: with preflight: false, a committed link
// out of the package directories still ends the run before any sf call.
func TestLinkCheckRunsWithoutPreflight(t *testing.T) {
	e := newEnv(t, map[string]string{config.InputAuthURL: testAuthURL, config.InputManifest: "manifest/package.xml", config.InputPreflight: "false"})
	if err := os.Symlink(t.TempDir(), filepath.Join(e.workspace, "force-app", "main", "default", "staticresources")); err != nil {
		t.Fatal(err)
	}
	e.answer = happySF
	if code := e.run(); code != ExitConfig {
		t.Errorf("exit %d, want %d (config)", code, ExitConfig)
	}
	if len(e.calls) != 0 {
		t.Errorf("sf was called %d times, want none", len(e.calls))
	}
	if !strings.Contains(e.stdout.String(), "force-app/main/default/staticresources is a symbolic link") {
		t.Errorf("the error does not name the link:\n%s", e.stdout.String())
	}
}
