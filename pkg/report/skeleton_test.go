package report

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

// cov is a class with n lines of which uncovered are not covered.
func cov(name string, n, uncovered int) result.ClassCoverage {
	c := result.ClassCoverage{Name: name, Type: "Class", Locations: n, NotCovered: uncovered}
	for l := range uncovered {
		c.UncoveredLines = append(c.UncoveredLines, l+1)
	}
	return c
}

func TestSkeletonClasses(t *testing.T) {
	t.Parallel()
	run := &result.Run{Deploy: &result.Deploy{
		Components: []result.Component{{Type: "ApexClass", FullName: "Deployed"}, {Type: "ApexTrigger", FullName: "deployedtrigger"}, {Type: "CustomObject", FullName: "Huge"}},
		Coverage: []result.ClassCoverage{
			cov("Huge", 1000, 900),        // most uncovered lines, not deployed
			cov("Deployed", 10, 5),        // in this deployment: first
			cov("DeployedTrigger", 10, 3), // in this deployment (any case)
			cov("Medium", 100, 60),        //
			cov("Tie_B", 100, 60),         // same count as Medium: by name
			cov("Covered", 100, 10),       // 90%: above the threshold
			cov("Empty", 0, 0),            // no lines: nothing to cover
			cov("bad name!", 100, 100),    // not an Apex identifier
		},
	}}
	for _, tc := range []struct {
		name  string
		limit int
		want  []string
		more  int
	}{
		{"cap of 25 keeps all five", 25, []string{"Deployed", "DeployedTrigger", "Huge", "Medium", "Tie_B"}, 0},
		{"cap of three", 3, []string{"Deployed", "DeployedTrigger", "Huge"}, 2},
		{"cap of one", 1, []string{"Deployed"}, 4},
		{"zero writes none", 0, nil, 5},
		{"negative writes none", -1, nil, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			picked, more := SkeletonClasses(run, 75, tc.limit)
			var got []string
			for _, c := range picked {
				got = append(got, c.Name)
			}
			if !reflect.DeepEqual(got, tc.want) || more != tc.more {
				t.Errorf("picked %v, %d more; want %v, %d more", got, more, tc.want, tc.more)
			}
		})
	}
}

// A large org's long tail of uncovered classes yields at most the default
// number of skeletons, and the summary says how many more there are.
func TestSkeletonsCappedInLargeOrg(t *testing.T) {
	t.Parallel()
	d := &result.Deploy{Status: "Failed"}
	for i := range 2100 {
		d.Coverage = append(d.Coverage, cov(fmt.Sprintf("Svc%04d", i), 100, 50+i%40))
	}
	run := &result.Run{Status: result.StatusFailed, Category: result.CategoryCoverage, Deploy: d}
	const limit = 25 // the test-skeletons default
	sk := TestSkeletons(run, Project{}, 75, limit)
	if len(sk) != 2*limit {
		t.Fatalf("%d skeleton files, want %d (a class and its meta file each)", len(sk), 2*limit)
	}
	// The most uncovered (89 lines: i%40 == 39) come first.
	if _, ok := sk["Svc0039CoverageTest.cls"]; !ok {
		t.Errorf("the class with the most uncovered lines has no skeleton")
	}
	note := skeletonNote(run, Options{CoverageThreshold: 75, MaxSkeletons: limit, ArtifactsDir: "out"})
	for _, want := range []string{"25 classes are in `out/test-skeletons/`", "2075 more classes under the threshold got no skeleton", "coverage.json lists every class"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q lacks %q", note, want)
		}
	}
	cj, err := CoverageJSON(run, 75)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(cj), `"Svc`); n < 2100 {
		t.Errorf("coverage.json names %d classes, want all 2100", n)
	}
}

func TestLineRanges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		lines []int
		max   int
		want  string
	}{
		{nil, 5, "none listed"},
		{[]int{7}, 5, "7"},
		{[]int{3, 5, 6, 7, 9}, 0, "3, 5-7, 9"},
		{[]int{3, 5, 6, 7, 9}, 5, "3, 5-7, 9"},
		{[]int{3, 5, 6, 7, 9, 11, 12}, 2, "3, 5-7 … (+2 more ranges)"},
		{[]int{1, 2, 3, 4}, 1, "1-4"},
	}
	for _, tc := range cases {
		if got := lineRanges(tc.lines, tc.max); got != tc.want {
			t.Errorf("lineRanges(%v, %d) = %q, want %q", tc.lines, tc.max, got, tc.want)
		}
	}
}
