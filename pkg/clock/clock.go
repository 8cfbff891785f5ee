// Package clock holds the production sleep shared by everything that waits
// (retry backoff, Slack's Retry-After, GitHub API retries). Callers take it
// as an injected func so tests never wait.
package clock

import (
	"context"
	"time"
)

// Sleep waits for d or until ctx is done, whichever comes first, and
// returns ctx.Err() in the second case. A d of zero or less only reports
// whether ctx is already done.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
