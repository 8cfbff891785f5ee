package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/delta"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/safetext"
	"github.com/org/deploy-guard/pkg/sfcli"
	"github.com/org/deploy-guard/pkg/sfproject"
)

// deltaListed caps the components the Delta section names.
const deltaListed = 30

// delta narrows the deployment to what changed between delta-from and
// delta-to: sfdx-git-delta writes a package.xml of the changed components
// and a destructiveChanges.xml of the deleted ones (into the artifacts), and
// those become the manifest and the post-destructive changes. The run ends
// here when nothing changed (status skipped) or sgd failed.
func (a *action) delta(ctx context.Context) (o outcome) {
	cfg := a.cfg
	if cfg.DeltaFrom == "" {
		return o
	}
	start := a.deps.Now()
	src, err := filepath.Rel(a.workspace, a.projectDir)
	if err != nil || strings.HasPrefix(src, "..") {
		src = ""
	}
	if a.artDir == nil {
		return configError("computing the delta", &config.InputError{Input: config.InputArtifactsDir, Problem: "delta deployments write their manifests into the artifacts: set artifacts-dir"})
	}
	// A fresh real directory, never through a committed link at its place;
	// what sgd writes in it is given to the workspace's owner (issue 28).
	out, err := a.artDir.Fresh("delta")
	if err != nil {
		return configError("computing the delta", &config.InputError{Input: config.InputArtifactsDir, Problem: err.Error()})
	}
	defer func() {
		if err := a.artDir.GiveAway("delta"); err != nil {
			a.log.Debugf("giving the delta folder to the workspace's owner: %v", err)
		}
	}()
	spec := delta.Spec{From: cfg.DeltaFrom, To: cfg.DeltaTo, RepoDir: a.workspace, OutputDir: out,
		SourceDir: filepath.ToSlash(src), APIVersion: cfg.APIVersion}
	// The checkout belongs to the runner's user, not the container's root:
	// without safe.directory git refuses to read it ("dubious ownership").
	gitEnv := []string{"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=safe.directory", "GIT_CONFIG_VALUE_0=" + a.workspace}
	a.log.Group(fmt.Sprintf("Delta %s..%s (sfdx-git-delta)", cfg.DeltaFrom, cfg.DeltaTo))
	res, err := delta.Compute(ctx, a.toolRunner("DEPLOY_GUARD_SGD_BIN", "sgd"), spec, gitEnv)
	a.log.EndGroup()
	if err != nil {
		a.step("delta", "failed", err.Error(), start)
		problem := err.Error()
		if errors.Is(err, delta.ErrShallow) {
			problem += "; see the README's delta deployments section"
		}
		return configError("computing the delta", &config.InputError{Input: config.InputDeltaFrom, Problem: problem})
	}
	o.section("Delta", deltaMarkdown(cfg.DeltaFrom, cfg.DeltaTo, res))
	a.step("delta", map[bool]string{true: "empty", false: "computed"}[res.Empty()],
		fmt.Sprintf("%d changed, %d deleted", len(res.Changed), len(res.Deleted)), start)
	if res.Empty() {
		o.end = &ending{code: ExitOK, status: result.StatusSkipped, category: result.CategoryNone,
			message: fmt.Sprintf("Nothing changed between %s and %s: no metadata to deploy or delete, so nothing was sent to the org.", cfg.DeltaFrom, cfg.DeltaTo)}
		return o
	}
	a.log.Infof("Delta %s..%s: %d component(s) to deploy, %d to delete.", cfg.DeltaFrom, cfg.DeltaTo, len(res.Changed), len(res.Deleted))
	cfg.Manifest = res.Manifest
	if len(res.Deleted) > 0 {
		cfg.PostDestructive = res.Destructive
	}
	return o
}

// toolRunner runs a CLI that speaks sf's --json envelope (sgd), named by
// the environment variable envBin or found on PATH as bin.
func (a *action) toolRunner(envBin, bin string) sfcli.Runner {
	environ := os.Environ
	if a.deps.Environ != nil {
		environ = a.deps.Environ
	}
	env := sfcli.ChildEnv(environ(), a.deps.Getenv("HOME"))
	if a.deps.NewRunner != nil {
		return a.deps.NewRunner(env, a.workspace)
	}
	if b := a.deps.Getenv(envBin); b != "" {
		bin = b
	}
	return &sfcli.ExecRunner{Bin: bin, Env: env, Dir: a.workspace, Now: a.deps.Now}
}

// deltaMarkdown is the summary section of a computed delta.
func deltaMarkdown(from, to string, r *delta.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s..%s (sfdx-git-delta): %d component(s) to deploy, %d to delete.\n",
		safetext.Code(from), safetext.Code(to), len(r.Changed), len(r.Deleted))
	list := func(title string, ms []sfproject.Member) {
		if len(ms) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s:\n\n", title)
		for i, m := range ms {
			if i == deltaListed {
				fmt.Fprintf(&b, "- … and %d more (see delta/ in the artifacts)\n", len(ms)-deltaListed)
				break
			}
			fmt.Fprintf(&b, "- %s\n", safetext.Code(m.Type+":"+m.Name))
		}
	}
	list("Deployed", r.Changed)
	list("Deleted after the deployment (post-destructive changes)", r.Deleted)
	return b.String()
}
