package preflight

import (
	"fmt"
	"strings"
	"testing"
)

func TestScanLoops(t *testing.T) {
	t.Parallel()
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
		// Patterns a reviewer would keep as they are (issue 20).
		{name: "lazy init under a null guard", src: "for (Opportunity o : opps) {\n  if (byId == null) {\n    byId = new Map<Id, Opportunity>((List<Opportunity>) Database.query(q));\n  }\n}"},
		{name: "null guard on another variable", src: "for (A a : as) {\n  if (cache == null) {\n    other = [SELECT Id FROM A];\n  }\n}", want: []string{"apex-soql-loop@3"}},
		{name: "break after the statement", src: "for (Id i : ids) {\n  if (s.To__c == i) {\n    s.To__c = 'all';\n    Database.update(s, true);\n    break;\n  }\n}"},
		{name: "return after the statement", src: "for (A a : as) {\n  insert a;\n  return a;\n}"},
		{name: "conditional break proves nothing", src: "for (A a : as) {\n  insert a;\n  if (a.x) break;\n}", want: []string{"apex-dml-loop@2"}},
		{name: "break in a nested loop proves nothing", src: "for (A a : as) {\n  update a;\n  for (B b : bs) { break; }\n}", want: []string{"apex-dml-loop@2"}},
		{name: "custom metadata query", src: "for (Integer i = 0; i < n; i++) {\n  List<Item__mdt> items = [SELECT Id FROM Item__mdt WHERE Section__c = :s];\n}"},
		{name: "custom metadata in a subquery only", src: "for (A a : as) {\n  x = [SELECT Id, (SELECT Id FROM Items__r) FROM Thing__c];\n}", want: []string{"apex-soql-loop@2"}},
		{name: "flush every N rows", src: "for (Opportunity o : opps) {\n  toInsert.add(o);\n  if (toInsert.size() == 100) {\n    insert toInsert;\n    toInsert.clear();\n  }\n}"},
		{name: "query in a size test is still a query per row", src: "for (A a : as) {\n  if (l.size() > 10) {\n    x = [SELECT Id FROM A];\n  }\n}", want: []string{"apex-soql-loop@3"}},
		{name: "loop stepping by a chunk size", src: "for (Integer i = 0; i < all.size(); i += chunkSize) {\n  Database.delete(chunk(all, i), false);\n}"},
		{name: "loop stepping by one", src: "for (Integer i = 0; i < n; i += 1) {\n  delete l[i];\n}", want: []string{"apex-dml-loop@2"}},
		{name: "soql for loop over lists", src: "for (Account[] batch : [SELECT Id FROM Account]) {\n  update batch;\n}\nfor (List<Contact> cs : [SELECT Id FROM Contact]) {\n  delete cs;\n}"},
		{name: "soql for loop over records", src: "for (Account a : [SELECT Id FROM Account]) {\n  update a;\n}", want: []string{"apex-dml-loop@2"}},
		{name: "loop over a literal collection", src: "for (Decimal amount : new Set<Decimal>{ null, 0, -10 }) {\n  insert make(amount);\n}"},
		{name: "merge per list item is kept", src: "for (Account loser : losers) {\n  merge winner loser;\n}", want: []string{"apex-dml-loop@2"}},
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
	t.Parallel()
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
