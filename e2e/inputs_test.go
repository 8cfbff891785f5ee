package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/harness"
)

// Numeric inputs at their edges, through the real CLI: every report reads
// the value config resolved, so 0 means 0 (no class is under a threshold of
// 0 %, no skeleton is written for test-skeletons: 0), never a default
// written again somewhere else. The coverage scenario covers InvoiceService
// at 25 % (2 of 8 lines) and TaxCalculator at 28.57 % (2 of 7), with
// RunLocalTests.
func TestNumericInputEdges(t *testing.T) {
	cases := []struct {
		inputs map[string]string
		// threshold is what the summary and coverage.json must say.
		threshold string
		// below lists the classes under the threshold: warned about,
		// belowThreshold in coverage.json, and (up to test-skeletons) given
		// a skeleton.
		below     []string
		skeletons []string
		orgBelow  bool
		summary   []string
	}{
		// orgWide.belowThreshold stays true: the org itself warned that the
		// org-wide average is under its own 75 % (RunLocalTests).
		{inputs: map[string]string{"coverage-threshold": "0"}, threshold: "0.0%", orgBelow: true},
		// No skeleton at all, though a class is under the threshold.
		{inputs: map[string]string{"coverage-threshold": "26", "test-skeletons": "0"}, threshold: "26.0%", below: []string{"InvoiceService"},
			orgBelow: true},
		// One skeleton: InvoiceService has the more uncovered lines (6 to 5).
		{inputs: map[string]string{"coverage-threshold": "100", "test-skeletons": "1"}, threshold: "100.0%", below: []string{"InvoiceService", "TaxCalculator"},
			skeletons: []string{"InvoiceService"}, orgBelow: true, summary: []string{"1 more class under the threshold got no skeleton"}},
		// The defaults, as action.yml states them.
		{inputs: map[string]string{}, threshold: "75.0%", below: []string{"InvoiceService", "TaxCalculator"},
			skeletons: []string{"InvoiceService", "TaxCalculator"}, orgBelow: true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.inputs), func(t *testing.T) {
			t.Parallel()
			res := run(t, harness.Config{Scenario: scenario(t, "coverage"), Inputs: tc.inputs})
			check(t, res, want{exit: 1, status: "failed", category: "coverage", attempts: "1", deploys: 1,
				summary: append([]string{"(threshold " + tc.threshold + ")"}, tc.summary...)})

			var warned []string
			for _, a := range res.Annotations {
				if a.Level == "warning" && strings.Contains(a.Title, "is below") {
					if !strings.HasSuffix(a.Title, "is below "+tc.threshold) {
						t.Errorf("annotation %q does not name the threshold %s", a.Title, tc.threshold)
					}
					warned = append(warned, strings.SplitN(a.Title, ":", 2)[0])
				}
			}
			sameSet(t, "classes annotated as under the threshold", warned, tc.below)

			path := res.Outputs["coverage-path"]
			if path == "" {
				t.Fatal("no coverage-path output")
			}
			b, err := os.ReadFile(filepath.Join(res.Workspace, path))
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Threshold float64 `json:"threshold"`
				OrgWide   struct {
					BelowThreshold bool `json:"belowThreshold"`
				} `json:"orgWide"`
				Classes []struct {
					Name           string `json:"name"`
					BelowThreshold bool   `json:"belowThreshold"`
				} `json:"classes"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("coverage.json: %v\n%s", err, b)
			}
			if got := strconv.FormatFloat(doc.Threshold, 'f', 1, 64) + "%"; got != tc.threshold {
				t.Errorf("coverage.json threshold %s, want %s", got, tc.threshold)
			}
			if doc.OrgWide.BelowThreshold != tc.orgBelow {
				t.Errorf("coverage.json orgWide.belowThreshold %v, want %v", doc.OrgWide.BelowThreshold, tc.orgBelow)
			}
			var below []string
			for _, c := range doc.Classes {
				if c.BelowThreshold {
					below = append(below, c.Name)
				}
			}
			sameSet(t, "classes below the threshold in coverage.json", below, tc.below)

			files, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Join(res.Workspace, path)), "test-skeletons", "*CoverageTest.cls"))
			var skeletons []string
			for _, f := range files {
				skeletons = append(skeletons, strings.TrimSuffix(filepath.Base(f), "CoverageTest.cls"))
			}
			sameSet(t, "test skeletons", skeletons, tc.skeletons)
		})
	}
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = append([]string(nil), got...), append([]string(nil), want...)
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}
