package classify

import (
	"strings"
	"testing"
)

// testdata/real-world-new.json holds messages gathered from public
// trackers, forums and blogs after the catalog and the other corpora were
// written, each labelled before any classifier ran over it. Its entries
// have the shape of real-world-errors.json (name and exit code only where
// the source showed them) and are split the same way (split_test.go).
func loadNewRealWorld(t *testing.T) []realWorldError {
	t.Helper()
	return loadCorpus(t, "real-world-new.json")
}

// Floors of real-world-new.json, at the figures reached in round two of
// issue 29 (rounded down; the ceiling rounded up), so that a drop fails.
// Raise them when the figures rise; never lower them to make a change pass.
//
// Earlier figures (category / retry / unknown) over the whole set of 171,
// unseen by the rules: main's rules 38.6% / 90.1% / 60.2%; round one
// 56.1% / 90.6% / 38.0%. After the split, round one: held-out (53)
// 52.8% / 83.0% / 35.8% (18 wrong unknown), dev (118) 57.6% / 94.1% /
// 39.0%. Round two, rules written against the dev parts only: held-out
// 71.7% / 86.8% / 5.7% (2 wrong unknown), dev 98.3% / 100% / 5.9% (none
// wrong).
const (
	newHeldOutCategoryFloor       = 0.71
	newHeldOutRetryFloor          = 0.86
	newHeldOutWrongUnknownCeiling = 0.04
	newDevCategoryFloor           = 0.98
	newDevRetryFloor              = 1.0
)

// normalizeMessage is the comparison key for disjointness: surrounding
// space trimmed and case folded.
func normalizeMessage(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// TestNewRealWorldSet checks the new set is well formed and disjoint from
// the catalog's examples, deploy-errors.json and real-world-errors.json,
// then reports the built-in catalog's accuracy over its development and
// held-out parts, scored as the action classifies (realWorldScore), and
// fails when a figure drops under its floor. Only development misses are
// listed (-show-heldout-misses lists the others, for reports).
func TestNewRealWorldSet(t *testing.T) {
	entries := loadNewRealWorld(t)

	known := knownMessages(t)
	for _, e := range loadRealWorld(t) {
		known[normalizeMessage(e.Message)] = "real-world-errors.json"
	}
	checkCorpusWellFormed(t, entries, known)
	if t.Failed() {
		return
	}

	checkCorpusFloors(t, "new set, ", entries, corpusFloors{
		heldOutCategory: newHeldOutCategoryFloor, heldOutRetry: newHeldOutRetryFloor, heldOutWrongUnknown: newHeldOutWrongUnknownCeiling,
		devCategory: newDevCategoryFloor, devRetry: newDevRetryFloor})
}
