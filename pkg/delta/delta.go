// Package delta computes what changed between two git commits as a
// deployment: a package.xml of the added and changed components and a
// destructiveChanges.xml of the deleted ones. It runs sfdx-git-delta (the
// `sgd source delta` command, pinned and installed beside sf) as a process
// and reads what it wrote; it does not compute the difference itself.
package delta

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/sfcli"
	"github.com/org/deploy-guard/pkg/sfproject"
)

// Spec says which commits to compare and where.
type Spec struct {
	// From and To are git refs or SHAs; To defaults to HEAD.
	From, To string
	// RepoDir is the git repository (the checkout); OutputDir receives
	// package/package.xml and destructiveChanges/destructiveChanges.xml.
	// OutputDir must be an existing real directory, made by the caller
	// through safefs (Dir.Fresh): sgd follows links, and a pull request
	// can commit one at its place.
	RepoDir, OutputDir string
	// SourceDir limits the diff to a folder of RepoDir ("" for all).
	SourceDir string
	// APIVersion is written into the manifests ("" lets sgd choose).
	APIVersion string
}

// Result is the computed delta.
type Result struct {
	// Manifest and Destructive are the paths sgd wrote.
	Manifest, Destructive string
	// Changed are the components to deploy, Deleted those to delete.
	Changed, Deleted []sfproject.Member
}

// Empty reports whether nothing changed: nothing to deploy, nothing to
// delete.
func (r *Result) Empty() bool { return len(r.Changed) == 0 && len(r.Deleted) == 0 }

// Args is the sgd command line (without --json, which the runner adds).
func Args(s Spec) []string {
	to := s.To
	if to == "" {
		to = "HEAD"
	}
	a := []string{"sgd", "source", "delta", "--from", s.From, "--to", to, "--repo-dir", s.RepoDir, "--output-dir", s.OutputDir}
	if s.SourceDir != "" && s.SourceDir != "." {
		a = append(a, "--source-dir", s.SourceDir)
	}
	if s.APIVersion != "" {
		a = append(a, "--api-version", s.APIVersion)
	}
	return a
}

// ErrShallow says the revisions are not in the checkout, usually because
// actions/checkout fetched one commit only.
var ErrShallow = errors.New("the revision is not in the checkout: check out the full history (actions/checkout with fetch-depth: 0)")

// Compute runs sgd through r and reads its manifests. r runs the sgd
// executable (`sgd source delta` takes the same arguments as `sf sgd
// source delta`); env carries the git settings of the call.
func Compute(ctx context.Context, r sfcli.Runner, s Spec, env []string) (*Result, error) {
	if !config.GitRevision(s.From) || (s.To != "" && !config.GitRevision(s.To)) {
		return nil, fmt.Errorf("%q or %q is not a git revision", s.From, s.To)
	}
	if st, err := os.Lstat(s.OutputDir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("the delta output %s is not a directory made for it (a link or a file is never written through)", s.OutputDir)
	}
	out, err := r.Run(ctx, sfcli.Invocation{Args: Args(s), Env: env, Dir: s.RepoDir})
	if err != nil {
		return nil, fmt.Errorf("running sfdx-git-delta: %w", err)
	}
	if out.ExitCode != 0 || out.Envelope == nil || out.Envelope.IsError() || out.Envelope.Status != 0 {
		return nil, failure(out)
	}
	res := &Result{
		Manifest:    filepath.Join(s.OutputDir, "package", "package.xml"),
		Destructive: filepath.Join(s.OutputDir, "destructiveChanges", "destructiveChanges.xml"),
	}
	if res.Changed, err = sfproject.ReadManifest(res.Manifest); err != nil {
		return nil, fmt.Errorf("sfdx-git-delta's package.xml: %w", err)
	}
	if res.Deleted, err = sfproject.ReadManifest(res.Destructive); err != nil {
		return nil, fmt.Errorf("sfdx-git-delta's destructiveChanges.xml: %w", err)
	}
	return res, nil
}

// failure turns a failed sgd run into an error that names the fix.
func failure(out *sfcli.Output) error {
	msg := ""
	if e := out.Envelope; e != nil {
		// sgd reports a bad revision in a result-shaped document with
		// status 1 and result.error; other failures are error documents.
		msg = e.Message
		if v := e.ResultValue.Get("error"); msg == "" && v.Type == gjson.String {
			msg = v.Str
		}
	}
	if msg == "" {
		msg = strings.TrimSpace(string(out.Stderr))
	}
	if msg == "" && out.ParseErr != nil {
		msg = out.ParseErr.Error()
	}
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	low := strings.ToLower(msg)
	if strings.Contains(low, "not a valid sha") || strings.Contains(low, "unknown revision") || strings.Contains(low, "bad revision") ||
		strings.Contains(low, "fetch depth") {
		return fmt.Errorf("sfdx-git-delta (exit %d): %s: %w", out.ExitCode, msg, ErrShallow)
	}
	return fmt.Errorf("sfdx-git-delta (exit %d): %s", out.ExitCode, msg)
}
