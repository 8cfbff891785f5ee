package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/org/deploy-guard/internal/testkit"
	"github.com/org/deploy-guard/pkg/harness"
)

// TestRealWorldThroughBinary runs the built action binary with a stand-in
// sf, the way the hidden evaluation sets were fed, once for each `where`
// and category of the corpus: the failure-category output is the entry's
// category, and only a transient sf error is retried. The real CLI is not
// used here on purpose: the stand-in prints the message as sf would.
func TestRealWorldThroughBinary(t *testing.T) {
	if image != "" {
		t.Skip("the stand-in sf is a host script")
	}
	entries := testkit.LoadCorpus(t, root, "real-world-errors.json")
	seen := map[string]bool{}
	for i, e := range entries {
		key := e.Where + "/" + e.Category
		if seen[key] {
			continue
		}
		seen[key] = true
		t.Run(key, func(t *testing.T) {
			dir := t.TempDir()
			sf := testkit.StandInSF(t, dir, e)
			res, err := harness.Run(context.Background(), harness.Config{
				Binary: binary, SF: sf, Scenario: scenario(t, "demo"),
				Project: filepath.Join(root, "testdata", "project"), Dir: filepath.Join(dir, "run"),
				Inputs: map[string]string{"manifest": "manifest/package.xml", "max-attempts": "2", "retry-delay": "0",
					"rerun-failed-tests": "false", "preflight": "false"},
			})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			want := "1"
			if e.Transient && e.Where != "test" {
				want = "2"
			}
			if res.Outputs["failure-category"] != e.Category || res.Outputs["attempts"] != want || res.Outputs["status"] != "failed" {
				t.Errorf("entry %d: status %q failure-category %q attempts %q, want failed %q %s: %.200q\n%s",
					i, res.Outputs["status"], res.Outputs["failure-category"], res.Outputs["attempts"], e.Category, want, e.Message, res.Stdout)
			}
		})
	}
}
