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
