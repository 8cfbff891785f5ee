package actions

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/org/deploy-guard/pkg/redact"
)

func TestCollector(t *testing.T) {
	t.Parallel()
	many := func(level Level, rank, n int, prefix string) []Ranked {
		var out []Ranked
		for i := 0; i < n; i++ {
			out = append(out, Ranked{Annotation: Annotation{Level: level, Title: fmt.Sprintf("%s%d", prefix, i)}, Rank: rank})
		}
		return out
	}
	titles := func(as []Annotation) string {
		var s []string
		for _, a := range as {
			s = append(s, a.Title)
		}
		return strings.Join(s, " ")
	}
	tests := []struct {
		name string
		add  [][]Ranked
		want string
	}{
		{name: "empty", want: ""},
		{name: "errors first, then warnings, then notices, whatever the order added",
			add:  [][]Ranked{many(LevelNotice, 0, 1, "n"), many(LevelWarning, 0, 1, "w"), many(LevelError, 5, 1, "e")},
			want: "e0 w0 n0"},
		{name: "within a level by rank, then located, then in the order added",
			add: [][]Ranked{many(LevelError, 3, 2, "late"), many(LevelError, 1, 1, "early"),
				{{Annotation: Annotation{Level: LevelError, Title: "located", File: "a.cls", Line: 2}, Rank: 3}}},
			want: "early0 located late0 late1"},
		{name: "ten of each level fit without a notice",
			add:  [][]Ranked{many(LevelError, 0, 10, "e"), many(LevelWarning, 0, 10, "w"), many(LevelNotice, 0, 10, "n")},
			want: "e0 e1 e2 e3 e4 e5 e6 e7 e8 e9 w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 n0 n1 n2 n3 n4 n5 n6 n7 n8 n9"},
		{name: "the least important are counted, across sources",
			add:  [][]Ranked{many(LevelError, 2, 7, "report"), many(LevelError, 0, 6, "preflight"), many(LevelWarning, 0, 1, "w")},
			want: "preflight0 preflight1 preflight2 preflight3 preflight4 preflight5 report0 report1 report2 report3 w0 deploy-guard: more failures"},
		{name: "a full notice level gives its last slot to the count",
			add:  [][]Ranked{many(LevelError, 0, 11, "e"), many(LevelNotice, 0, 10, "n")},
			want: "e0 e1 e2 e3 e4 e5 e6 e7 e8 e9 n0 n1 n2 n3 n4 n5 n6 n7 n8 deploy-guard: more failures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Collector
			for _, rs := range tt.add {
				c.AddRanked(rs...)
			}
			got := c.Annotations()
			if titles(got) != tt.want {
				t.Errorf("got  %s\nwant %s", titles(got), tt.want)
			}
			per := map[Level]int{}
			for _, a := range got {
				per[a.Level]++
			}
			for l, n := range per {
				if n > MaxPerLevel {
					t.Errorf("%d annotations of level %s: the runner drops the rest silently", n, l)
				}
			}
			total := 0
			for _, rs := range tt.add {
				total += len(rs)
			}
			if last := len(got) - 1; last >= 0 && got[last].Title == "deploy-guard: more failures" {
				want := fmt.Sprintf("%d more failures", total-(len(got)-1))
				if !strings.HasPrefix(got[last].Message, want) {
					t.Errorf("notice %q: want it to count %q", got[last].Message, want)
				}
			}
		})
	}
}

func TestCollectorFlushWritesOnceAndEmpties(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	l := NewLog(&out, redact.New(), false)
	var c Collector
	c.Add(0, Annotation{Level: LevelWarning, Title: "slack failed", Message: "timeout"})
	c.Flush(l)
	c.Flush(l)
	if got := strings.Count(out.String(), "::warning"); got != 1 || !strings.Contains(out.String(), "title=slack failed::timeout") {
		t.Errorf("log:\n%s", out.String())
	}
	if c.Len() != 0 {
		t.Errorf("Len after Flush = %d", c.Len())
	}
}

func TestCollectorRewriteReachesEveryText(t *testing.T) {
	t.Parallel()
	var c Collector
	c.Add(0, Annotation{Level: LevelError, File: "a/s3cr3t.cls", Title: "s3cr3t in title", Message: "and s3cr3t in message"})
	c.Rewrite(func(s string) string { return strings.ReplaceAll(s, "s3cr3t", "***") })
	a := c.Annotations()[0]
	if strings.Contains(a.File+a.Title+a.Message, "s3cr3t") {
		t.Errorf("not rewritten: %+v", a)
	}
}
