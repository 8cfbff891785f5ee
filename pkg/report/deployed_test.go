package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

// The deployed components are listed collapsed, sorted, escaped like the
// rest of the summary, capped at MaxListedComponents with the count of the
// rest, in the step summary and in report.md alike; failed components and
// package.xml are not listed.
func TestDeployedComponents(t *testing.T) {
	many := func(n int) []result.Component {
		var cs []result.Component
		for i := n; i > 0; i-- {
			cs = append(cs, result.Component{Type: "ApexClass", FullName: fmt.Sprintf("Class%03d", i), FileName: fmt.Sprintf("classes/Class%03d.cls", i)})
		}
		return cs
	}
	hostile := []result.Component{
		{Type: "ApexClass", FullName: "Invoice`Service"},
		{Type: "CustomObject", FullName: "<img src=x onerror=alert(1)>__c"},
		{Type: "Layout", FullName: "Account-Account | Layout"},
		{Type: "Flow", FullName: "Broken", Failed: true},
		{Type: "ApexPage", FileName: "pages/NoName.page"},
		{Type: "*Evil*_[x](http://e)", FullName: "Name"},
	}
	for _, tc := range []struct {
		name       string
		deploy     *result.Deploy
		wantListed int
		wantMore   string
	}{
		{"deployed-hostile", &result.Deploy{ID: "0Af000000000001AAA", Status: "Succeeded", Done: true, Success: true, Components: hostile}, 5, ""},
		{"deployed-capped", &result.Deploy{ID: "0Af000000000001AAA", Status: "Succeeded", Done: true, Success: true, CheckOnly: true, Components: many(MaxListedComponents + 37)}, MaxListedComponents, "… and 37 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &result.Run{Status: result.StatusSucceeded, Deploy: tc.deploy, DeployID: tc.deploy.ID}
			o := Options{Project: testProject(t), CoverageThreshold: 75, ArtifactsDir: ".deploy-guard"}
			sum, md := Summary(r, o), Markdown(r, o)
			for what, text := range map[string]string{"summary": sum, "report.md": md} {
				i := strings.Index(text, "<details><summary>📦 ")
				if i < 0 {
					t.Fatalf("%s has no deployed-components section:\n%s", what, text)
				}
				sec := text[i:]
				sec = sec[:strings.Index(sec, "</details>")]
				if got := strings.Count(sec, "\n- ") - strings.Count(sec, "\n- _…"); got != tc.wantListed {
					t.Errorf("%s lists %d components, want %d", what, got, tc.wantListed)
				}
				if tc.wantMore != "" && !strings.Contains(sec, tc.wantMore) {
					t.Errorf("%s does not count the rest (%q):\n%s", what, tc.wantMore, sec)
				}
				if strings.Contains(sec, "Broken") || strings.Contains(sec, "<img") {
					t.Errorf("%s lists a failed component or raw HTML:\n%s", what, sec)
				}
			}
			golden(t, tc.name+".summary.md", []byte(sum))
		})
	}
}
