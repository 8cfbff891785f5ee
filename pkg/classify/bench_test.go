package classify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/result"
)

// benchText is a ~500-character test failure that matches late in the
// catalog (a test-scope pattern).
var benchText = func() string {
	s := "System.DmlException: Insert failed. First exception on row 0; first error: FIELD_CUSTOM_VALIDATION_EXCEPTION, Discount cannot exceed 20% for partner accounts in region EMEA: []\n" +
		"Class.QuoteService.applyDiscount: line 120, column 1\nClass.QuoteService.price: line 80, column 1\nClass.QuoteServiceTest.testDiscount: line 31, column 1\n"
	for len(s) < 500 {
		s += "Class.QuoteServiceTest.helper: line 12, column 1\n"
	}
	return s[:500]
}()

func BenchmarkText(b *testing.B) {
	c := Default()
	unmatched := strings.Repeat("nothing in the catalog matches these words ", 12)[:500]
	for _, bc := range []struct {
		name  string
		scope Scope
		text  string
	}{
		{"test-500B", ScopeTest, benchText},
		{"component-500B", ScopeComponent, benchText},
		{"nomatch-500B", ScopeError, unmatched},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				_ = c.Text(bc.scope, bc.text)
			}
		})
	}
}

func syntheticDeploy() *result.Deploy {
	problems := []string{
		"Variable does not exist: total%d",
		"In field: field - no CustomField named Account.Field%d__c found",
		"Unexpected token '}'. at %d",
		"Something the catalog has never seen %d",
		"duplicate value found: Name%d duplicates value on record with id: <unknown>",
	}
	messages := []string{
		"System.AssertException: Assertion Failed: Expected: %d, Actual: 3",
		"System.NullPointerException: Attempt to de-reference a null object %d",
		"System.LimitException: Too many SOQL queries: %d",
		"System.DmlException: Insert failed. First exception on row %d; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []",
	}
	d := &result.Deploy{Status: "Failed", Done: true}
	for i := range 500 {
		d.ComponentFailures = append(d.ComponentFailures, result.ComponentFailure{
			Type: "ApexClass", FullName: fmt.Sprintf("Class%d", i), ProblemType: "Error",
			Problem: fmt.Sprintf(problems[i%len(problems)], i),
		})
	}
	for i := range 1000 {
		d.TestFailures = append(d.TestFailures, result.TestFailure{
			Class: fmt.Sprintf("Test%d", i/10), Method: fmt.Sprintf("m%d", i),
			Message:    fmt.Sprintf(messages[i%len(messages)], i),
			StackTrace: fmt.Sprintf("Class.Service.run: line %d, column 1\nClass.Test%d.m%d: line 5, column 1", i, i/10, i),
		})
	}
	return d
}

func BenchmarkDeploy(b *testing.B) {
	c := Default()
	d := syntheticDeploy()
	for b.Loop() {
		v := c.Deploy(d)
		if v.Category != result.CategoryDependency {
			b.Fatal(v)
		}
	}
}

// BenchmarkTextNoPrefilter measures the same text with the prefilter turned
// off, to show what it buys.
func BenchmarkTextNoPrefilter(b *testing.B) {
	base := Default()
	c := &Classifier{patterns: make([]compiled, len(base.patterns))}
	copy(c.patterns, base.patterns)
	for i := range c.patterns {
		c.patterns[i].pre = prefilter{}
	}
	b.SetBytes(int64(len(benchText)))
	for b.Loop() {
		_ = c.Text(ScopeTest, benchText)
	}
}

// BenchmarkCompileBuiltin is what the first failure of a run pays to
// compile the embedded catalog.
func BenchmarkCompileBuiltin(b *testing.B) {
	ps, err := parseCatalog(builtinCatalog, "catalog.yaml", false)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := compileAll(ps, builtinSource, false); err != nil {
			b.Fatal(err)
		}
	}
}
