package classify

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// The real-world corpus is split into a development part, the only one rules
// may be written against, and a held-out part that measures them (issue 29).
// The split is stratified by `where`: in each scope the entries are ranked by
// a hash of splitSeed and the message, and the first ceil(30%) are held out.
// The ranking depends on the seed and the message only, so it is
// reproducible, and an entry added later does not move the others between
// the parts except at the cut-off. Run
//
//	go test ./pkg/classify -run TestRealWorldSplit -args -write-split
//
// to record the split (the `split` field) after adding entries.
const (
	splitSeed      = "deploy-guard issue 29 split, seed 20261207"
	splitHeldOut   = "heldout"
	splitDev       = "dev"
	heldOutPercent = 30
)

var writeSplit = flag.Bool("write-split", false, "rewrite the split field of testdata/real-world-errors.json and testdata/real-world-new.json")

// splitCorpora are the corpus files split the same way, by the same seed
// and rule: each is split on its own, so adding to one moves nothing in the
// other.
var splitCorpora = []string{"real-world-errors.json", "real-world-new.json"}

// splitRank orders the entries of one scope for the split.
func splitRank(message string) uint64 {
	h := sha256.Sum256([]byte(splitSeed + "\x00" + message))
	return binary.BigEndian.Uint64(h[:8])
}

// computeSplit returns the part of each entry, by index.
func computeSplit(entries []realWorldError) []string {
	byScope := map[Scope][]int{}
	for i, e := range entries {
		byScope[e.Where] = append(byScope[e.Where], i)
	}
	parts := make([]string, len(entries))
	for _, idx := range byScope {
		sort.Slice(idx, func(a, b int) bool {
			ra, rb := splitRank(entries[idx[a]].Message), splitRank(entries[idx[b]].Message)
			if ra != rb {
				return ra < rb
			}
			return idx[a] < idx[b]
		})
		held := (len(idx)*heldOutPercent + 99) / 100
		for k, i := range idx {
			parts[i] = splitDev
			if k < held {
				parts[i] = splitHeldOut
			}
		}
	}
	return parts
}

// TestRealWorldSplit checks, for each corpus file, that the recorded split
// is the one the seed gives, that at least 30% of each scope is held out,
// and (with -write-split) records it.
func TestRealWorldSplit(t *testing.T) {
	for _, file := range splitCorpora {
		t.Run(file, func(t *testing.T) {
			entries := loadCorpus(t, file)
			want := computeSplit(entries)
			if *writeSplit {
				for i := range entries {
					entries[i].Split = want[i]
				}
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", " ")
				if err := enc.Encode(entries); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(sharedFixtures, file), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Log("split written")
			}
			total, held := map[Scope]int{}, map[Scope]int{}
			for i, e := range entries {
				if e.Split != want[i] {
					t.Errorf("entry %d (%s): split %q, the seed gives %q; run with -args -write-split after adding entries", i, e.Where, e.Split, want[i])
				}
				total[e.Where]++
				if e.Split == splitHeldOut {
					held[e.Where]++
				}
			}
			for s, n := range total {
				if held[s]*100 < n*heldOutPercent {
					t.Errorf("scope %s: %d of %d entries held out, want at least %d%%", s, held[s], n, heldOutPercent)
				}
				t.Logf("scope %s: %d entries, %d held out", s, n, held[s])
			}
		})
	}
}
