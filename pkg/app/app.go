// Package app is deploy-guard's orchestration: inputs → preflight → breaker
// → login → deploy (with retries and recovery) → outputs, annotations,
// summary, artifacts and notifications. It owns no behaviour of its own
// beyond the order of the steps and writing the outcome on every exit path.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/org/deploy-guard/pkg/actions"
	"github.com/org/deploy-guard/pkg/classify"
	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/events"
	"github.com/org/deploy-guard/pkg/ghapi"
	"github.com/org/deploy-guard/pkg/ghenv"
	"github.com/org/deploy-guard/pkg/redact"
	"github.com/org/deploy-guard/pkg/report"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/safefs"
	"github.com/org/deploy-guard/pkg/sfcli"
	"github.com/org/deploy-guard/pkg/sfproject"
)

// Exit codes of the action.
const (
	// ExitOK: deployed, recovered or validated.
	ExitOK = 0
	// ExitFailed: the deployment failed, was blocked or was cancelled.
	ExitFailed = 1
	// ExitConfig: the inputs or the environment are invalid; nothing was sent to the org.
	ExitConfig = 2
	// ExitInternal: deploy-guard itself failed (a bug); the report says what is known.
	ExitInternal = 3
)

// Deps are the action's connections to the world, injected so every path
// can be tested without a network, a real CLI or waiting.
type Deps struct {
	Getenv  func(string) string
	Environ func() []string
	Stdout  io.Writer
	Now     func() time.Time
	Sleep   func(ctx context.Context, d time.Duration) error
	HTTP    *http.Client
	// NewRunner builds the sf runner for a child environment; nil means the
	// real CLI (sfcli.ExecRunner).
	NewRunner func(env []string, dir string) sfcli.Runner
	// TempDir is where private directories (sf HOME, key files) are made;
	// empty means os.TempDir.
	TempDir string
}

// Run executes the action and returns the process exit code.
func Run(ctx context.Context, deps Deps) (code int) {
	a := newAction(deps)
	defer func() {
		if p := recover(); p != nil {
			a.log.EndGroup()
			a.log.Debugf("panic: %v\n%s", p, debug.Stack())
			a.exit = a.stop(outcome{end: &ending{code: ExitInternal, status: result.StatusFailed, category: result.CategoryUnknown,
				message: fmt.Sprintf("deploy-guard failed unexpectedly: %v", p)}})
		}
		code = a.finish(ctx)
	}()
	a.exit = a.execute(ctx)
	return a.exit
}

// action is the state of one run.
type action struct {
	deps Deps
	red  *redact.Redactor
	log  *actions.Log
	outs *actions.Outputs
	run  *result.Run
	cfg  *config.Config
	exit int

	workspace  string
	projectDir string
	artifacts  string
	// artDir writes the artifacts; catalogFile and rollbackDir are the
	// error-catalog and rollback-source-dir inputs, resolved.
	artDir      *safefs.Dir
	catalogFile string
	rollbackDir string
	// cleanups run at the end, last first (private HOME, key files).
	cleanups []func()
	// paths of artifacts written, for the *-path outputs.
	paths map[string]string
	// seq numbers the raw sf outputs saved as artifacts; rawPaths says where
	// each output went, so result-path can name the one that decided.
	seq      int
	rawPaths map[*sfcli.Output]string
	// steps are the non-sf steps of the run, for the event log.
	steps []events.Step
	// catalog classifies failures (built-in patterns plus error-catalog).
	catalog *classify.Classifier
	// sfproject is the parsed sfdx-project.json (nil in quick mode without one).
	sfproject *sfproject.Project
	// source is the walk of the package directories preflight made; the
	// reports find files in it (nil: they walk the project themselves).
	source *sfproject.Index

	// sections are report sections from steps other than the deployment
	// (preflight, circuit breaker, metrics). notes buffers every annotation
	// until the end, when it caps and writes them. explained is set when a
	// step ended the run with annotations that say why: the run-level one
	// would repeat them. apply (outcome.go) is the one writer of all three.
	sections  []report.Section
	notes     actions.Collector
	explained bool

	// gh talks to the GitHub API (nil without github-token); ghEnv holds the
	// run's identifiers; metrics the workflow's history, when read.
	gh      *ghapi.Client
	ghEnv   ghenv.Env
	metrics *ghapi.Metrics

	// username is the Salesforce user sf deploys as, when known.
	username string
}

func newAction(deps Deps) *action {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	red := redact.New()
	debugOn := deps.Getenv("ACTIONS_STEP_DEBUG") == "true" || deps.Getenv("RUNNER_DEBUG") == "1"
	a := &action{
		deps:     deps,
		red:      red,
		log:      newLog(deps.Stdout, red, debugOn),
		outs:     actions.NewOutputs(red),
		run:      &result.Run{Started: deps.Now(), Status: result.StatusFailed, Category: result.CategoryUnknown},
		paths:    map[string]string{},
		rawPaths: map[*sfcli.Output]string{},
		ghEnv:    ghenv.From(deps.Getenv),
	}
	// Mask every secret input before anything else is printed, from the raw
	// environment, so even a config error cannot print one.
	for _, name := range config.SecretInputs {
		v := strings.TrimSpace(deps.Getenv(config.EnvName(name)))
		a.log.Mask(v)
		for _, part := range config.AuthURLParts(v) {
			a.log.Mask(part)
		}
		if name == config.InputGitHubToken {
			for _, form := range config.TokenForms(v) {
				a.log.Mask(form)
			}
		}
	}
	for _, v := range config.RunnerSecrets(deps.Getenv) {
		a.log.Mask(v)
	}
	if deps.Environ != nil {
		for _, kv := range deps.Environ() {
			if name, v, _ := strings.Cut(kv, "="); sfcli.CredentialVar(name) && !sfcli.SwitchValue(v) {
				a.log.Mask(v)
			}
		}
	}
	return a
}

func (a *action) execute(ctx context.Context) int {
	cfg, err := config.Parse(a.deps.Getenv)
	a.cfg = cfg
	if cfg != nil {
		for _, s := range cfg.Secrets() {
			a.log.Mask(s)
		}
		a.run.Mode = string(cfg.Mode)
	}
	if err != nil {
		return a.stop(configError("invalid inputs", err))
	}
	a.log.Debugf("inputs: mode=%s auth=%s test-level=%q wait=%s max-attempts=%d retry=%s..%s retry-on=%s budget=%s fallback=%s",
		cfg.Mode, cfg.Auth.Method, cfg.TestLevel, cfg.Wait, cfg.MaxAttempts, cfg.RetryDelay, cfg.MaxRetryDelay, cfg.RetryOn, cfg.TimeBudget, cfg.Fallback)
	if err := a.resolvePaths(); err != nil {
		return a.stop(configError("invalid paths", err))
	}
	a.watchLeftovers()
	if err := a.loadCatalog(); err != nil {
		return a.stop(configError("invalid error catalog", err))
	}
	if err := a.loadProject(); err != nil {
		return a.stop(configError("invalid project", err))
	}
	if code, ended := a.apply(a.delta(ctx)); ended {
		return code
	}
	if code, ended := a.apply(a.preflight(ctx)); ended {
		return code
	}
	// The history shares the breaker's read of recent runs; the metrics are
	// reported whether or not the breaker stops the run.
	breaker := a.checkBreaker(ctx)
	metrics := a.history(ctx)
	if code, ended := a.apply(breaker, metrics); ended {
		return code
	}
	env, err := a.childEnv()
	if err != nil {
		return a.stop(configError("preparing the sf environment", err))
	}
	runner := a.newRunner(env)
	if ctx.Err() != nil {
		return a.stop(canceled("before logging in; nothing was sent to the org"))
	}
	org, login := a.login(ctx, runner)
	if code, ended := a.apply(login); ended {
		return code
	}
	a.run.TargetOrg = org
	if ctx.Err() != nil {
		return a.stop(canceled("after logging in; nothing was deployed"))
	}
	if code, ended := a.apply(a.refuseIgnoreErrors(ctx, runner, org)); ended {
		return code
	}
	deployed := a.deploy(ctx, runner, org)
	a.coverageReports(ctx, runner, org)
	return a.stop(deployed)
}

// canceled ends the run as cancelled (the workflow was cancelled): status
// canceled, no failure category, whatever step was running.
func canceled(when string) outcome {
	return outcome{end: &ending{code: ExitFailed, status: result.StatusCanceled, category: result.CategoryNone,
		message: "The workflow was cancelled " + when + "."}}
}

// configError ends the run before anything was sent to the org.
func configError(what string, err error) outcome {
	msgs := splitJoined(err)
	return outcome{end: &ending{code: ExitConfig, status: result.StatusFailed, category: result.CategoryConfig,
		message:   fmt.Sprintf("%s: %s", what, strings.Join(msgs, "; ")),
		errorText: strings.Join(msgs, "\n"),
		diagnosis: &result.Diagnosis{Category: result.CategoryConfig, Explanation: "The action's inputs or environment are invalid, so nothing was sent to the org.", Fix: "Correct the inputs named above in the workflow file."}}}
}

func splitJoined(err error) []string {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

// resolvePaths finds the workspace, the project and the artifacts
// directory. Every path input names files a pull request controls, so each
// must resolve, after symbolic links, inside the workspace.
func (a *action) resolvePaths() error {
	ws := a.deps.Getenv("GITHUB_WORKSPACE")
	if ws == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		ws = wd
	}
	ws, err := filepath.Abs(ws)
	if err != nil {
		return err
	}
	if real, err := filepath.EvalSymlinks(ws); err == nil {
		ws = real
	}
	a.workspace = ws
	var errs []error
	within := func(input, base, p string) string {
		got, err := safefs.Within(ws, base, p)
		if err != nil {
			errs = append(errs, &config.InputError{Input: input, Problem: err.Error() + "; use a path inside the repository"})
		}
		return got
	}
	a.projectDir = within(config.InputWorkingDirectory, ws, a.cfg.WorkingDirectory)
	if a.projectDir != "" {
		if st, err := os.Stat(a.projectDir); err != nil || !st.IsDir() {
			errs = append(errs, &config.InputError{Input: config.InputWorkingDirectory, Problem: fmt.Sprintf("%q is not a directory in the workspace; set it to the folder that holds sfdx-project.json", a.cfg.WorkingDirectory)})
		}
		if a.cfg.Manifest != "" {
			// sf would block on a FIFO or read a device forever.
			if m := within(config.InputManifest, a.projectDir, a.cfg.Manifest); m != "" {
				if st, err := os.Stat(m); err == nil && !st.Mode().IsRegular() {
					errs = append(errs, &config.InputError{Input: config.InputManifest, Problem: fmt.Sprintf("%s is not a regular file", a.cfg.Manifest)})
				}
			}
		}
	}
	a.artifacts = within(config.InputArtifactsDir, ws, a.cfg.ArtifactsDir)
	if a.artifacts != "" {
		a.artDir = safefs.NewDir(a.artifacts, safefs.OwnerOf(ws))
		a.cleanups = append(a.cleanups, func() { a.artDir.Close() })
	}
	if a.cfg.ErrorCatalog != "" {
		a.catalogFile = within(config.InputErrorCatalog, ws, a.cfg.ErrorCatalog)
	}
	if a.cfg.RollbackSourceDir != "" {
		a.rollbackDir = within(config.InputRollbackSourceDir, ws, a.cfg.RollbackSourceDir)
	}
	if a.projectDir != "" {
		// Destructive changes and metadata-dir are read by sf relative to
		// the project, like the manifest.
		for _, in := range []struct{ name, value string }{
			{config.InputPreDestructive, a.cfg.PreDestructive}, {config.InputPostDestructive, a.cfg.PostDestructive}, {config.InputMetadataDir, a.cfg.MetadataDir},
		} {
			if in.value == "" {
				continue
			}
			p := within(in.name, a.projectDir, in.value)
			if st, err := os.Stat(p); p != "" && err == nil && in.name != config.InputMetadataDir && !st.Mode().IsRegular() {
				errs = append(errs, &config.InputError{Input: in.name, Problem: fmt.Sprintf("%s is not a regular file", in.value)})
			}
		}
	}
	return errors.Join(errs...)
}

// watchLeftovers makes the run leave the workspace as it found it: sf
// writes its project state (.sf/, .sfdx/: source tracking, a git repository
// root owns in the image) into the project it runs in, where a later step
// of the job, or the next checkout on a self-hosted runner, could not
// remove it. What the run added there is removed at the end, on every exit
// path (cleanups run in finish); what was there before stays.
func (a *action) watchLeftovers() {
	seen := map[string]bool{}
	for _, dir := range []string{a.workspace, a.projectDir, a.rollbackDir} {
		if dir == "" || seen[dir] {
			continue
		}
		seen[dir] = true
		l, err := safefs.WatchLeftovers(dir, safefs.SFStateDirs...)
		if err != nil {
			a.log.Debugf("watching %s for sf's leftovers: %v", dir, err)
			continue
		}
		a.cleanups = append(a.cleanups, func() {
			removed, err := l.Remove()
			if len(removed) > 0 {
				a.log.Debugf("removed what sf left in %s: %s", a.rel(dir), strings.Join(removed, ", "))
			}
			if err != nil {
				a.log.Infof("Could not remove what sf left in %s: %v", a.rel(dir), err)
			}
		})
	}
}

// loadProject reads sfdx-project.json. Every mode but quick deploys local
// source, so a missing or broken project file is a config error naming it;
// a Metadata-API-format deployment (metadata-dir) needs no project.
func (a *action) loadProject() error {
	p, err := sfproject.Load(a.projectDir)
	if err != nil {
		if a.cfg.Mode == config.ModeQuick && a.cfg.QuickFallback && a.namedTarget().Empty() {
			// The fallback deploys the package directories in full.
			return &config.InputError{Input: config.InputWorkingDirectory, Problem: err.Error() + " (quick-fallback deploys the project's package directories when the validation cannot be used; set source-dir or manifest, or turn quick-fallback off)"}
		}
		if a.cfg.Mode == config.ModeQuick || a.cfg.MetadataDir != "" {
			return nil
		}
		return &config.InputError{Input: config.InputWorkingDirectory, Problem: err.Error()}
	}
	a.sfproject = p
	if a.cfg.APIVersion == "" {
		return config.CheckRelevantTests(a.cfg.TestLevel, p.APIVersion, "sfdx-project.json sourceApiVersion")
	}
	return nil
}

// newRunner runs sf with env; its outputs are redacted before the action
// reads them, so no message, excerpt or report built from them can carry a
// secret that sf or the org echoed.
func (a *action) newRunner(env []string) sfcli.Runner {
	var r sfcli.Runner
	if a.deps.NewRunner != nil {
		r = a.deps.NewRunner(env, a.projectDir)
	} else {
		r = &sfcli.ExecRunner{Bin: a.deps.Getenv("DEPLOY_GUARD_SF_BIN"), Env: env, Dir: a.projectDir, Now: a.deps.Now}
	}
	return sfcli.Redacting(r, a.red.Bytes)
}

// sfHomeDirs are where sf writes in HOME: its state, caches and config.
var sfHomeDirs = []string{".sf", ".sfdx", ".cache/sf", ".config/sf", ".local/share/sf", ".local/state/sf"}

// privateDir makes a fresh 0700 directory for sf's HOME or a key file,
// removed at the end. Its name is 128 random bits with no fixed prefix, so
// no link a pull request commits can name it in advance (os.MkdirTemp's
// "deploy-guard-home-*" in /tmp was one ls away from a link to /tmp). Its
// parent, TempDir, is a common one a link could still name: preflight's
// link check, which no input turns off, refuses every link that leaves the
// package directories, before any sf call.
func (a *action) privateDir() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	base := a.deps.TempDir
	if base == "" {
		base = os.TempDir()
	}
	dir := filepath.Join(base, hex.EncodeToString(b[:]))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", err
	}
	a.cleanups = append(a.cleanups, func() { os.RemoveAll(dir) })
	// Mkdir applies the umask; the mode must be exactly 0700.
	return dir, os.Chmod(dir, 0o700)
}

// childEnv builds the sf environment. When the action logs in itself, sf
// gets a private HOME (0700, removed at the end), so credentials never land
// in the runner's shared home or the workspace.
func (a *action) childEnv() ([]string, error) {
	home := a.deps.Getenv("HOME")
	if a.cfg.Auth.Method != config.AuthTargetOrg {
		dir, err := a.privateDir()
		if err != nil {
			return nil, err
		}
		home = dir
	} else if owner := safefs.OwnerOf(home); owner != nil {
		// sf writes its caches into the runner's shared HOME, which the
		// container's root does not own: give them to HOME's owner at the
		// end, or later steps of the job cannot update or remove them.
		h := safefs.NewDir(home, owner)
		a.cleanups = append(a.cleanups, func() {
			for _, d := range sfHomeDirs {
				if err := h.GiveAway(d); err != nil {
					a.log.Debugf("giving %s in HOME to its owner: %v", d, err)
				}
			}
			h.Close()
		})
	}
	environ := os.Environ
	if a.deps.Environ != nil {
		environ = a.deps.Environ
	}
	return sfcli.ChildEnv(environ(), home), nil
}

// newLog is the action's log, with the outcome line's marker reserved: no
// text the action relays or embeds (an org message holding a line break)
// can start a line that the breaker of a later run would read.
func newLog(w io.Writer, red *redact.Redactor, debug bool) *actions.Log {
	l := actions.NewLog(w, red, debug)
	l.Reserve(ghapi.OutcomeMarker)
	return l
}
