// Package pipeline measures deploy-guard's whole failure analysis on a very
// large deployment result. BigResult builds that result; the benchmarks in
// this package and the whole-process benchmark at the module root use it.
package pipeline

import (
	"bytes"
	"fmt"
)

// BigResult writes an sf --json envelope of a failed deployment in the shape
// the CLI prints (each class's coverage with its empty dmlInfo, methodInfo,
// soqlInfo and soslInfo lists). At scale 1 it holds 20,000 components (500 failed), 10,000
// tests (1,000 failed) and coverage for 3,000 classes: about 50 MB. Every
// count scales with scale, so the document's size does too.
func BigResult(scale float64) []byte {
	n := func(k int) int { return max(1, int(float64(k)*scale)) }
	nFail, nOK, nTestFail, nPass, nCov := n(500), n(19500), n(1000), n(9000), n(3000)
	var b bytes.Buffer
	b.Grow(int(56 * float64(1<<20) * scale))
	fmt.Fprintf(&b, `{"status":1,"result":{"id":"0Af000000000001AAA","status":"Failed","done":true,"success":false,"checkOnly":false,`+
		`"numberComponentsTotal":%d,"numberComponentsDeployed":%d,"numberComponentErrors":%d,"numberTestsTotal":%d,"numberTestsCompleted":%d,"numberTestErrors":%d,"details":{"componentFailures":[`, nFail+nOK, nOK, nFail, nTestFail+nPass, nPass, nTestFail)
	problems := []string{"Variable does not exist: amount", "Invalid type: RegionRates", "In field: Status__c - no CustomField named Invoice__c.Status__c found", "Duplicate value found: duplicates value on record with id: 0010000000abcde"}
	for i := range nFail {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"changed":false,"columnNumber":%d,"componentType":"ApexClass","created":false,"createdDate":"2026-11-20T10:00:00.000Z","deleted":false,"fileName":"classes/Svc%05d.cls","fullName":"Svc%05d","lineNumber":%d,"problem":%q,"problemType":"Error","success":false}`,
			5+i%30, i*40, i*40, 10+i%200, problems[i%len(problems)])
	}
	b.WriteString(`],"componentSuccesses":[`)
	for i := range nOK {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"changed":true,"componentType":"ApexClass","created":false,"createdDate":"2026-11-20T10:00:00.000Z","deleted":false,"fileName":"classes/Ok%05d.cls","fullName":"Ok%05d","id":"01p00000000%05dAAA","success":true}`, i, i, i)
	}
	fmt.Fprintf(&b, `],"runTestResult":{"numFailures":%d,"numTestsRun":%d,"totalTime":812345.0,"failures":[`, nTestFail, nTestFail+nPass)
	msgs := []string{"System.AssertException: Assertion Failed: Expected: 7, Actual: 7.25", "System.LimitException: Too many SOQL queries: 101",
		"System.DmlException: Insert failed. First exception on row 0; first error: UNABLE_TO_LOCK_ROW, unable to obtain exclusive access to this record: []",
		"System.NullPointerException: Attempt to de-reference a null object"}
	for i := range nTestFail {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"01p00000000%05dAAA","message":%q,"methodName":"m%d","name":"Test%04d","namespace":null,"packageName":"Test%04d","stackTrace":"Class.Svc%05d.run: line 33, column 1\nClass.Test%04d.m%d: line %d, column 1","time":%d,"type":"Class"}`,
			i, msgs[i%len(msgs)], i%10, i, i, i, i, i%10, 10+i%90, 100+i)
	}
	b.WriteString(`],"successes":[`)
	for i := range nPass {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"01p00000001%05dAAA","methodName":"ok%d","name":"Pass%04d","namespace":null,"time":%d}`, i, i%9, i/9, 50+i%400)
	}
	b.WriteString(`],"codeCoverage":[`)
	for i := range nCov {
		if i > 0 {
			b.WriteByte(',')
		}
		lines := 400 + i%800
		notCovered := (i * 37) % (lines * 3 / 4)
		fmt.Fprintf(&b, `{"dmlInfo":[],"id":"01p00000002%05dAAA","locationsNotCovered":[`, i)
		for l := range notCovered {
			if l > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"column":0,"line":%d,"numExecutions":0,"time":-1}`, 2+l*2)
		}
		fmt.Fprintf(&b, `],"methodInfo":[],"name":"Svc%05d","namespace":null,"numLocations":%d,"numLocationsNotCovered":%d,"soqlInfo":[],"soslInfo":[],"type":"Class"}`, i, lines, notCovered)
	}
	b.WriteString(`],"codeCoverageWarnings":[{"id":"01p000000000001AAA","message":"Average test coverage across all Apex Classes and Triggers is 61%, at least 75% test coverage is required.","name":null,"namespace":null}]}}},"warnings":[]}`)
	return b.Bytes()
}
