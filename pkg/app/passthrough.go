package app

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"

	"github.com/tidwall/gjson"

	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// orgKindSOQL tells a sandbox (IsSandbox) and a scratch org (not a sandbox,
// with a trial expiration date) from a production org.
const orgKindSOQL = "SELECT IsSandbox, TrialExpirationDate FROM Organization"

// refuseIgnoreErrors ends the run with a config error when ignore-errors is
// set and the org is production, or cannot be shown not to be: sf's
// --ignore-errors leaves a partial deployment with no rollback, which sf
// itself says never to do in production. Nothing has been deployed yet.
func (a *action) refuseIgnoreErrors(ctx context.Context, runner sfcli.Runner, org string) outcome {
	if !a.cfg.IgnoreErrors {
		return outcome{}
	}
	out, err := runner.Run(ctx, sfcli.Invocation{Args: sfcli.DataQuery(orgKindSOQL, org)})
	why := ""
	switch {
	case err != nil:
		why = "deploy-guard could not ask the org whether it is a sandbox (" + err.Error() + ")"
	case out.ExitCode != 0 || out.Envelope == nil || out.Envelope.IsError():
		why = "deploy-guard could not ask the org whether it is a sandbox (sf data query: " + out.Describe() + ")"
	default:
		rec := gjson.GetBytes(out.Envelope.Result, "records.0")
		switch {
		case !rec.Exists():
			why = "the org did not say whether it is a sandbox (no Organization record)"
		case rec.Get("IsSandbox").Bool():
			return outcome{}
		case rec.Get("TrialExpirationDate").String() != "":
			return outcome{} // a scratch org
		default:
			why = "the target org is a production org (Organization.IsSandbox is false)"
		}
	}
	return configError("ignore-errors refused", &config.InputError{Input: config.InputIgnoreErrors,
		Problem: why + "; --ignore-errors keeps a partial deployment with no rollback, which must never reach production. Remove ignore-errors, or deploy to a sandbox"})
}

// coverageGate fails a check-only run that the org accepted when its
// coverage is under coverage-threshold; nil lets the run succeed.
func (a *action) coverageGate() *ending {
	cfg := a.cfg
	if !cfg.CoverageGate || !cfg.Mode.CheckOnly() || a.run.Deploy == nil {
		return nil
	}
	pct, ok := a.run.Deploy.OrgCoverage()
	if !ok {
		a.run.Notes = append(a.run.Notes, "coverage-gate: the run reported no Apex coverage, so there was nothing to measure against coverage-threshold.")
		return nil
	}
	if pct >= cfg.CoverageThreshold {
		a.run.Notes = append(a.run.Notes, fmt.Sprintf("coverage-gate: %.2f%% of the Apex lines the tests ran are covered (coverage-threshold %g%%).", pct, cfg.CoverageThreshold))
		return nil
	}
	msg := fmt.Sprintf("Coverage gate: %.2f%% of Apex lines covered, under coverage-threshold %g%%. The org accepted the validation %s, but this run fails.", pct, cfg.CoverageThreshold, a.run.DeployID)
	return &ending{code: ExitFailed, status: result.StatusFailed, category: result.CategoryCoverage, message: msg,
		diagnosis: &result.Diagnosis{Category: result.CategoryCoverage,
			Explanation: "coverage-gate is on: a check-only run must reach coverage-threshold, which is stricter than what the org requires.",
			Fix:         "Add tests for the classes in the coverage table (the test skeletons in the artifacts are a start), or lower coverage-threshold."}}
}

// Caps on the coverage reports copied from sf into the artifacts (html
// writes one file per class).
const (
	maxCoverageFiles = 2000
	maxCoverageBytes = 200 << 20
)

// coverageReports asks sf for the coverage reports of the finished job in
// the coverage-formatters formats, into a private folder, and copies them
// into the artifacts under sf-coverage/ (regular files only: sf output is
// not trusted to stay in its folder).
func (a *action) coverageReports(ctx context.Context, runner sfcli.Runner, org string) {
	cfg := a.cfg
	d := a.run.Deploy
	if len(cfg.CoverageFormatters) == 0 || d == nil || a.run.DeployID == "" || ctx.Err() != nil || a.artDir == nil {
		return
	}
	if d.TestsRun == 0 && len(d.TestSuccesses)+len(d.TestFailures) == 0 {
		a.run.Notes = append(a.run.Notes, "coverage-formatters: no tests ran, so sf wrote no coverage report.")
		return
	}
	dir, err := a.privateDir()
	if err != nil {
		a.log.Infof("coverage reports: %v", err)
		return
	}
	out, err := runner.Run(ctx, sfcli.Invocation{Args: sfcli.DeployReportCoverage(a.run.DeployID, org, cfg.CoverageFormatters, dir)})
	if err != nil || out.ExitCode != 0 {
		why := ""
		if err != nil {
			why = err.Error()
		} else {
			why = out.Describe()
		}
		a.run.Notes = append(a.run.Notes, "coverage-formatters: sf could not write the coverage reports: "+why)
		return
	}
	files, skipped, size := 0, 0, int64(0)
	root := filepath.Join(dir, "coverage")
	_ = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return nil
		}
		info, err := e.Info()
		if err != nil || files >= maxCoverageFiles || size+info.Size() > maxCoverageBytes {
			skipped++
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil
		}
		if a.copyArtifact(path.Join("sf-coverage", filepath.ToSlash(rel)), p) {
			files++
			size += info.Size()
		}
		return nil
	})
	if skipped > 0 {
		a.run.Notes = append(a.run.Notes, fmt.Sprintf("coverage-formatters: %d report files over the cap (%d files, %d MB) were not copied into the artifacts.", skipped, maxCoverageFiles, maxCoverageBytes>>20))
	}
	a.log.Infof("coverage reports (%v): %d files in %s", cfg.CoverageFormatters, files, a.rel(filepath.Join(a.artifacts, "sf-coverage")))
}

// copyArtifact copies the regular file src (not followed if a link) to name
// in the artifacts, through the redactor like every artifact.
func (a *action) copyArtifact(name, src string) bool {
	in, err := os.OpenFile(src, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer in.Close()
	if st, err := in.Stat(); err != nil || !st.Mode().IsRegular() {
		return false
	}
	f, _, err := a.artDir.Create(name)
	if err != nil {
		a.log.Infof("Could not write %s: %v", name, err)
		return false
	}
	w := a.red.NewWriter(f)
	_, err = io.Copy(w, in)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err == nil
}
