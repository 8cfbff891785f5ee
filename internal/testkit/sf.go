package testkit

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/org/deploy-guard/pkg/sfcli"
)

// Reply is one scripted answer of sf: its stdout and exit code.
type Reply struct {
	JSON string
	Exit int
}

// SF is a scripted sf runner: each command (see Key) answers from its own
// queue, in order. A call with no reply left fails the call; a reply never
// asked for fails the test when it ends, so a script cannot silently
// describe more than the code did.
type SF struct {
	t testing.TB
	// Key names the queue a call answers from; by default the first three
	// arguments ("project deploy start").
	Key func(args []string) string
	// Block names a queue whose calls wait until their context is done,
	// then end as killed; Started is closed when the first one begins.
	Block   string
	Started chan struct{}

	mu     sync.Mutex
	queues map[string][]Reply
	calls  []string
}

// NewSF returns a runner answering from queues, checked when t ends.
func NewSF(t testing.TB, queues map[string][]Reply) *SF {
	f := &SF{t: t, queues: queues, Started: make(chan struct{})}
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		if left := f.Unused(); len(left) > 0 {
			t.Errorf("scripted sf replies never used: %s (calls: %v)", strings.Join(left, ", "), f.Calls())
		}
	})
	return f
}

func (f *SF) key(args []string) string {
	if f.Key != nil {
		return f.Key(args)
	}
	return strings.Join(args[:min(3, len(args))], " ")
}

// Run answers inv from its queue.
func (f *SF) Run(ctx context.Context, inv sfcli.Invocation) (*sfcli.Output, error) {
	name := f.key(inv.Args)
	f.mu.Lock()
	f.calls = append(f.calls, strings.Join(inv.Args, " "))
	if f.Block != "" && f.Block == name {
		f.mu.Unlock()
		close(f.Started)
		<-ctx.Done()
		return &sfcli.Output{ExitCode: 130, Signal: "terminated", ParseErr: sfcli.ErrNoJSON}, nil
	}
	q := f.queues[name]
	if len(q) == 0 {
		f.mu.Unlock()
		return nil, fmt.Errorf("unexpected call: %s", strings.Join(inv.Args, " "))
	}
	f.queues[name] = q[1:]
	f.mu.Unlock()
	out := &sfcli.Output{Args: inv.Args, Stdout: []byte(q[0].JSON), ExitCode: q[0].Exit, Duration: time.Second}
	out.Envelope, out.ParseErr = sfcli.ParseEnvelope(out.Stdout)
	return out, nil
}

// Calls returns the calls made so far, as command lines without "sf".
func (f *SF) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Count is how many calls start with prefix.
func (f *SF) Count(prefix string) int {
	n := 0
	for _, c := range f.Calls() {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// Unused lists the queues that still hold replies, with how many.
func (f *SF) Unused() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var left []string
	for k, q := range f.queues {
		if len(q) > 0 {
			left = append(left, fmt.Sprintf("%s ×%d", k, len(q)))
		}
	}
	sort.Strings(left)
	return left
}
