package app

import (
	"fmt"
	"strings"

	"github.com/org/deploy-guard/pkg/actions"
)

// TODO(lead): replace with pkg/report once it lands.
func (a *action) writeReports() {}

func (a *action) annotations() []actions.Annotation {
	if a.run.Status.OK() {
		return nil
	}
	return []actions.Annotation{{Level: actions.LevelError, Title: "deploy-guard: " + string(a.run.Category), Message: a.run.Message}}
}

func (a *action) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## deploy-guard: %s\n\n", headline(a.run))
	return b.String()
}
