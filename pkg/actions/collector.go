package actions

import (
	"fmt"
	"sort"
)

// MaxPerLevel is the runner's cap on annotations of one level per step:
// it silently drops the rest.
const MaxPerLevel = 10

// Ranked is an annotation with its importance: the lower Rank, the more
// important. Callers rank by failure category (result.Category.Priority).
type Ranked struct {
	Annotation
	Rank int
}

// Collector buffers the annotations of every step and emits them once, at
// the end, within the runner's cap: errors first, then warnings, then
// notices; within a level by rank, those with a file and line first, then
// in the order added. What does not fit is counted in one notice that
// points at the step summary, so nothing is dropped silently.
type Collector struct {
	items []Ranked
}

// Add buffers annotations of one rank.
func (c *Collector) Add(rank int, as ...Annotation) {
	for _, a := range as {
		c.items = append(c.items, Ranked{Annotation: a, Rank: rank})
	}
}

// AddRanked buffers annotations that carry their own rank.
func (c *Collector) AddRanked(rs ...Ranked) {
	c.items = append(c.items, rs...)
}

// Rewrite applies f to the text of every buffered annotation (file, title
// and message): the redactor masks secrets before anything escapes or cuts
// them.
func (c *Collector) Rewrite(f func(string) string) {
	for i := range c.items {
		a := &c.items[i].Annotation
		a.File, a.Title, a.Message = f(a.File), f(a.Title), f(a.Message)
	}
}

// Len is the number of annotations buffered.
func (c *Collector) Len() int { return len(c.items) }

// Annotations returns what to emit: at most MaxPerLevel of each level in
// the order described on Collector, then, when some were left out, one
// notice saying how many (it takes the last notice slot when needed).
func (c *Collector) Annotations() []Annotation {
	items := append([]Ranked(nil), c.items...)
	levelOrder := func(l Level) int {
		switch l {
		case LevelError:
			return 0
		case LevelWarning:
			return 1
		}
		return 2
	}
	located := func(a Annotation) bool { return a.File != "" && a.Line > 0 }
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if la, lb := levelOrder(a.Level), levelOrder(b.Level); la != lb {
			return la < lb
		}
		if a.Rank != b.Rank {
			return a.Rank < b.Rank
		}
		return located(a.Annotation) && !located(b.Annotation)
	})
	count := map[Level]int{}
	var out []Annotation
	dropped := 0
	for _, it := range items {
		if count[it.Level] >= MaxPerLevel {
			dropped++
			continue
		}
		count[it.Level]++
		out = append(out, it.Annotation)
	}
	if dropped == 0 {
		return out
	}
	if count[LevelNotice] >= MaxPerLevel {
		out = out[:len(out)-1] // notices come last: make room for the count
		dropped++
	}
	return append(out, Annotation{Level: LevelNotice, Title: "deploy-guard: more failures",
		Message: fmt.Sprintf("%d more failures are listed in the step summary (the runner shows only %d per type)", dropped, MaxPerLevel)})
}

// Flush writes the annotations to l and empties the buffer.
func (c *Collector) Flush(l *Log) {
	for _, a := range c.Annotations() {
		l.Annotate(a)
	}
	c.items = nil
}
