package app

import (
	"fmt"
	"strings"

	"github.com/org/deploy-guard/pkg/classify"
	"github.com/org/deploy-guard/pkg/config"
	"github.com/org/deploy-guard/pkg/deploy"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// loadCatalog builds the classifier: the user's `error-catalog` patterns
// first, then the built-in catalog. A broken user catalog is a config error
// (it names the file, the entry and the field). Without one, the built-in
// catalog is compiled when a failure first needs it (see cat): a clean
// deployment never pays for it.
func (a *action) loadCatalog() error {
	if a.cfg.ErrorCatalog == "" {
		return nil
	}
	user, err := classify.LoadFile(a.catalogFile)
	if err == nil {
		a.catalog, err = classify.New(user)
	}
	if err != nil {
		return &config.InputError{Input: config.InputErrorCatalog, Problem: err.Error()}
	}
	return nil
}

// cat is the classifier loadCatalog chose, or the built-in one.
func (a *action) cat() *classify.Classifier {
	if a.catalog == nil {
		return classify.Default()
	}
	return a.catalog
}

// classifier adapts the catalog to what login and the deploy loop need: one
// verdict per sf call, from the deploy result when there is one, otherwise
// from the error document, otherwise from what the process printed.
func (a *action) classifier() deploy.Classifier {
	return func(out *sfcli.Output, d *result.Deploy) deploy.Verdict {
		var fromDeploy classify.Verdict
		if d != nil && d.Succeeded() {
			return deploy.Verdict{Category: result.CategoryNone}
		}
		if d != nil {
			// Classifying fills every item's diagnosis in place: do it once.
			fromDeploy = a.cat().Deploy(d)
			if v := fromDeploy; v.Category != result.CategoryNone && v.Category != result.CategoryUnknown {
				return verdict(v)
			}
		}
		if out == nil {
			return deploy.Verdict{Category: result.CategoryUnknown, Reason: "sf did not run"}
		}
		if env := out.Envelope; env != nil && env.IsError() {
			return verdict(a.cat().Error(env.Name, env.Message, out.ExitCode))
		}
		if d != nil {
			return verdict(fromDeploy)
		}
		// No JSON document: classify what the process printed (a network
		// error from Node, a crash), keeping the description for the report.
		text := strings.TrimSpace(lastLines(string(out.Stderr), 5))
		if out.ParseErr != nil {
			text = strings.TrimSpace(text + "\n" + out.ParseErr.Error())
		}
		v := verdict(a.cat().Error("", text, out.ExitCode))
		if v.Reason == "" || v.Diagnosis.PatternID == "" {
			v.Reason = out.Describe() // says how sf ended, signal included
		} else if out.Signal != "" {
			v.Reason = fmt.Sprintf("sf was killed by %s: %s", out.Signal, v.Reason)
		}
		return v
	}
}

// verdict converts a classification. Only platform trouble is retried by
// redeploying: a test that failed on a row lock is transient too, but the
// answer to it is re-running that test alone (the recovery's flaky check),
// never resubmitting the whole deployment.
func verdict(v classify.Verdict) deploy.Verdict {
	transient := v.Transient && v.Category == result.CategoryTransient
	return deploy.Verdict{Category: v.Category, Transient: transient, Reason: v.Reason, Diagnosis: v.Diagnosis}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
