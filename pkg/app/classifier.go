package app

import (
	"github.com/org/deploy-guard/pkg/deploy"
	"github.com/org/deploy-guard/pkg/result"
	"github.com/org/deploy-guard/pkg/sfcli"
)

// classifier returns the classification used by login and the deploy loop.
// TODO(lead): replace with pkg/classify once it lands.
func (a *action) classifier() deploy.Classifier {
	return func(out *sfcli.Output, d *result.Deploy) deploy.Verdict {
		if d != nil && d.Succeeded() {
			return deploy.Verdict{Category: result.CategoryNone}
		}
		return deploy.Verdict{Category: result.CategoryUnknown, Reason: out.Describe()}
	}
}
