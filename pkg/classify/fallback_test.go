package classify

import (
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

// noPatterns classifies with no catalog at all: every text reaches its
// scope's fallback, as a message no pattern knows would.
var noPatterns = &Classifier{}

// TestComponentFallback: a component failure no pattern matches is never
// unknown. Real messages of the development part, classified with no
// catalog: dependency when they name a missing thing, metadata otherwise,
// with an explanation that says it is a fallback.
func TestComponentFallback(t *testing.T) {
	cases := []struct {
		msg  string
		want result.Category
	}{
		{"In field: apexClass - no ApexClass named LogHandler found", result.CategoryDependency},
		{"No MODULE named markup://c:ldsUtils found : [markup://c:showPdfRelatedToRecordId, markup://c:errorPanel]", result.CategoryDependency},
		{"Apex class 'DatatableCon' does not exist", result.CategoryDependency},
		{"Variable does not exist: PricebookEntryId", result.CategoryDependency},
		{"Invalid type: Allocation__c", result.CategoryDependency},
		{"Invalid field 'Contact.Image_URL__c' specified. Ensure that you use the full API name for any custom fields.", result.CategoryDependency},
		{"Unknown user permission: AllowUniversalSearch", result.CategoryDependency},
		{"In Lightning component ARH:anyRecordHierarchyBase, property configId has an invalid value xxxxxxxxxxxxxxxxxx.", result.CategoryDependency},
		{"Dependent class is invalid and needs recompilation:\n Class AddChildObjectToConfigController : Invalid", result.CategoryDependency},
		{"Could not resolve standard field's name.", result.CategoryDependency},
		{"Error parsing file: The content of elements must consist of well-formed character data or markup.", result.CategoryMetadata},
		{"Missing ';' at 'responseBody'", result.CategoryMetadata},
		{"Illegal assignment from Map to Map", result.CategoryMetadata},
		{"Error occurred processing component test. insufficient access rights on cross-reference id (INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY).", result.CategoryMetadata},
		{"field integrity exception: unknown (The flow can't run because nothing is connected to the Start element.)", result.CategoryMetadata},
		{"Failed to save undefined: Cannot mix expression and literal string in attribute value, try rewriting like {!'foo' + v.bar}: Source", result.CategoryMetadata},
		{"Permission set must be associated to a user license", result.CategoryMetadata},
	}
	for _, tc := range cases {
		f := result.ComponentFailure{Type: "ApexClass", FullName: "Foo", Problem: tc.msg, ProblemType: "Error"}
		noPatterns.Component(&f)
		if f.Category != tc.want || f.PatternID != "" || f.Transient || !strings.HasPrefix(f.Explanation, fallbackMark) || f.Fix == "" {
			t.Errorf("%.80q: got %s %q transient=%v %q, want a %s fallback", tc.msg, f.Category, f.PatternID, f.Transient, f.Explanation, tc.want)
		}
	}
}

// TestMissingThingBeforeTypeFallback: a component of a type the catalog
// only knows by its type (Apex, Flow) is a dependency when the problem names
// a missing thing, whatever the type says. The Apex problems are real
// development-part messages; the Flow one is written for this test (no
// specific entry matches it, so only the type entry competes).
func TestMissingThingBeforeTypeFallback(t *testing.T) {
	cases := []struct {
		typ, problem string
		want         result.Category
	}{
		{"ApexClass", "Could not resolve standard field's name.", result.CategoryDependency},
		{"ApexClass", "In field: apexClass - no ApexClass named LogHandler found", result.CategoryDependency},
		{"Flow", "We couldn't find the referenced element Get_Account; it is not defined in this flow.", result.CategoryDependency},
		{"ApexClass", "Expression cannot be a statement.", result.CategoryMetadata},
		{"ApexTrigger", "Illegal assignment from Map to Map", result.CategoryMetadata},
	}
	for _, tc := range cases {
		f := result.ComponentFailure{Type: tc.typ, FullName: "Foo", Problem: tc.problem, ProblemType: "Error"}
		Default().Component(&f)
		if f.Category != tc.want {
			t.Errorf("%s %.70q: got %s (%q), want %s", tc.typ, tc.problem, f.Category, f.PatternID, tc.want)
		}
	}
}

// TestComponentFallbackOnDevelopmentPart measures the fallback alone over
// the development part's component failures labelled dependency or
// metadata: how well the wording tells a missing thing from the rest.
func TestComponentFallbackOnDevelopmentPart(t *testing.T) {
	var n, ok int
	for i, e := range loadRealWorld(t) {
		if e.Split != splitDev || e.Where != ScopeComponent || (e.Category != result.CategoryDependency && e.Category != result.CategoryMetadata) {
			continue
		}
		n++
		if got := noPatterns.Text(ScopeComponent, e.Message).Category; got == e.Category {
			ok++
		} else {
			t.Logf("entry %d: fallback says %s, label %s: %.100q", i, got, e.Category, e.Message)
		}
	}
	t.Logf("component fallback alone on the development part: %d of %d", ok, n)
	if ok*100 < n*95 {
		t.Errorf("the component fallback alone gets %d of %d development messages right, want at least 95%%", ok, n)
	}
}

// TestErrorFallback: an sf error no pattern matches is config (sf refused
// the command because of the project, the flags, the org definition or the
// machine), marked as a fallback, unless it is a crash or a bare failure
// that says nothing, which stays unknown. Real messages of the development
// parts (real-world-errors.json and real-world-new.json), classified with
// no catalog so only the fallback decides.
func TestErrorFallback(t *testing.T) {
	cases := []struct {
		msg  string
		want result.Category
	}{
		{"EPERM: operation not permitted, open 'C:\\Users\\ryyan\\.sf\\sf.json'", result.CategoryConfig},
		{"RequiresProjectError: This command is required to run from within a Salesforce project directory.", result.CategoryConfig},
		{"Error: listen EACCES: permission denied 127.0.0.1:1717", result.CategoryConfig},
		{"FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory", result.CategoryConfig},
		{"ERROR running force:org:create:  The requested resource does not exist", result.CategoryConfig},
		{"Metadata API request failed: Could not find HEAD.", result.CategoryConfig},
		{"ERROR running force:package:version:create:  Can’t create package version. The ancestor version [undefined] you specified is invalid.", result.CategoryConfig},
		{"SfError: undefinedComponentSet", result.CategoryUnknown},
		{"Error: Cannot read properties of undefined (reading 'Status')", result.CategoryUnknown},
		{"Unhandled rejection TypeError: packageDirs is not iterable", result.CategoryUnknown},
		{"SyntaxError: Unexpected end of JSON input", result.CategoryUnknown},
		{"ERROR running force:source:deploy: Deploy failed.", result.CategoryUnknown},
		{"DeployFailed: Push Failed.", result.CategoryUnknown},
		{"Deployment Failed ERROR deploying ApexComponent components/FileList.component: <unknown>", result.CategoryUnknown},
		{"ERROR running force:source:retrieve:  Cannot convert undefined or null to object", result.CategoryUnknown},
	}
	for _, tc := range cases {
		v := noPatterns.Error("", tc.msg, 1)
		if v.Category != tc.want || v.Diagnosis.PatternID != "" || v.Transient || !strings.HasPrefix(v.Diagnosis.Explanation, fallbackMark) || v.Diagnosis.Fix == "" {
			t.Errorf("%.80q: got %s %q transient=%v %q, want a %s fallback", tc.msg, v.Category, v.Diagnosis.PatternID, v.Transient, v.Diagnosis.Explanation, tc.want)
		}
	}
}
