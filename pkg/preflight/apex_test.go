package preflight

import (
	"fmt"
	"strings"
	"testing"
)

func TestScanLoops(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "check@line"
	}{
		{name: "soql for loop is fine", src: "for (Account a : [SELECT Id FROM Account]) { a.Name = 'x'; }"},
		{name: "soql in for body", src: "for (Id i : ids) {\n  Account a = [SELECT Id FROM Account WHERE Id = :i];\n}", want: []string{"apex-soql-loop@2"}},
		{name: "dml in while body", src: "while (more) {\n  update accs;\n}", want: []string{"apex-dml-loop@2"}},
		{name: "dml in do body", src: "do {\n  delete accs;\n} while (more);\ninsert after;", want: []string{"apex-dml-loop@2"}},
		{name: "after the loop is fine", src: "for (Integer i = 0; i < 3; i++) { x++; }\ninsert accs;\nAccount a = [SELECT Id FROM Account];"},
		{name: "single statement loop", src: "for (Account a : accs)\n  insert a;\nupdate accs;", want: []string{"apex-dml-loop@2"}},
		{name: "nested single statement loops", src: "for (A a : as) for (B b : bs)\n  upsert b;\ndelete as;", want: []string{"apex-dml-loop@2"}},
		{name: "if inside single statement loop", src: "for (A a : as) if (a.x) {\n  merge a b;\n}\nundelete as;", want: []string{"apex-dml-loop@2"}},
		{name: "database methods", src: "for (A a : as) {\n  Database.insert(a, false);\n  List<A> l = Database.query(q);\n}", want: []string{"apex-dml-loop@2", "apex-soql-loop@3"}},
		{name: "comments and strings ignored", src: "for (A a : as) {\n  // insert a;\n  /* [SELECT Id FROM A] */\n  String s = 'update a; [SELECT Id FROM A]';\n}"},
		{name: "nested loop block", src: "for (A a : as) {\n  for (B b : bs) {\n    x++;\n  }\n  insert b;\n}\ninsert z;", want: []string{"apex-dml-loop@5"}},
		{name: "one warning per line", src: "for (A a : as) { insert a; insert a; }", want: []string{"apex-dml-loop@1"}},
		{name: "dml word as identifier is fine", src: "for (A a : as) { Boolean update = true; x = update; }"},
		{name: "method named insert", src: "for (A a : as) { helper.insert(a); }"},
		{name: "trigger header", src: "trigger T on Account (before insert, after update) {\n  for (Account a : Trigger.new) {\n    a.Name = 'x';\n  }\n}"},
		{name: "sosl", src: "while (true) {\n  List<List<SObject>> r = [FIND 'x' IN ALL FIELDS RETURNING Account];\n}", want: []string{"apex-soql-loop@2"}},
		{name: "keywords are case-insensitive", src: "FOR (A a : as) {\n  INSERT a;\n  x = [select id from A];\n}", want: []string{"apex-dml-loop@2", "apex-soql-loop@3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, h := range scanApexFacts(tc.src).loopHits {
				got = append(got, fmt.Sprintf("%s@%d", h.check, h.line))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestScanApexFacts(t *testing.T) {
	tests := []struct {
		name                             string
		src                              string
		isTest, hasTestMethod, hasAssert bool
		className                        string
		classLine                        int
	}{
		{name: "plain class", src: "public class Foo {}", className: "Foo", classLine: 1},
		{name: "test with Assert", src: "@isTest\nprivate class FooTest {\n @isTest static void t() { Assert.areEqual(1, 1); }\n}", isTest: true, hasTestMethod: true, hasAssert: true, className: "FooTest", classLine: 2},
		{name: "test with System.assertEquals", src: "@IsTest(SeeAllData=false) public with sharing class T { static testMethod void t() { System.assertEquals(1, 1); } }", isTest: true, hasTestMethod: true, hasAssert: true, className: "T", classLine: 1},
		{name: "test with system.assert lower case", src: "@istest class T { @istest static void t() { system.assert(true); } }", isTest: true, hasTestMethod: true, hasAssert: true, className: "T", classLine: 1},
		{name: "assertion only in comment", src: "@isTest class T { @isTest static void t() { /* Assert.isTrue(x) */ } }", isTest: true, hasTestMethod: true, className: "T", classLine: 1},
		{name: "test data factory", src: "@isTest\npublic class TestFactory {\n public static Account make() { return new Account(); }\n}", isTest: true, className: "TestFactory", classLine: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := scanApexFacts(tc.src)
			if f.isTest != tc.isTest || f.hasTestMethod != tc.hasTestMethod || f.hasAssert != tc.hasAssert || f.className != tc.className || f.classLine != tc.classLine {
				t.Errorf("got %+v", f)
			}
		})
	}
}

func scanApexFacts(src string) apexFacts {
	f, _ := scanApex([]byte(src), nil)
	return f
}
