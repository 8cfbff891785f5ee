// Package sidechannel holds what the action's HTTP side channels (the
// GitHub API, the Slack webhook, the OTLP collector) share: reading
// Retry-After, exponential backoff with injected randomness, and naming a
// network fault without echoing the request URL. Faults are told apart with
// errors.Is and errors.As, never by matching error text.
package sidechannel

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RetryAfter reads the Retry-After header of a response: delay-seconds or
// an HTTP date, relative to now. ok is false when the header is absent or
// unreadable; a date in the past is a zero wait.
func RetryAfter(h http.Header, now time.Time) (wait time.Duration, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > int64(24*time.Hour/time.Second) {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Backoff is exponential backoff with equal jitter: retry i waits half of
// Base·2^i (capped by Max) plus a random part of the other half.
type Backoff struct {
	// Base is the first step; Max caps every step (0: no cap).
	Base, Max time.Duration
	// Rand returns a uniform duration in [0, n]; nil uses math/rand/v2.
	// Tests inject it to make the waits exact.
	Rand func(n time.Duration) time.Duration
}

// Delay is the wait before retry i (0 for the first retry).
func (b Backoff) Delay(i int) time.Duration {
	d := b.Base
	for ; i > 0 && d > 0 && (b.Max <= 0 || d < b.Max); i-- {
		d <<= 1
	}
	if b.Max > 0 && (d > b.Max || d <= 0) {
		d = b.Max
	}
	if d <= 0 {
		return 0
	}
	r := b.Rand
	if r == nil {
		r = func(n time.Duration) time.Duration { return rand.N(n + 1) }
	}
	return d/2 + min(max(r(d/2), 0), d/2)
}

// Describe names a transport fault for a person, without the request URL
// (which may hold a secret, such as a webhook path). timeout, when set, is
// the per-request limit that a deadline means.
func Describe(err error, timeout time.Duration) string {
	var (
		dns     *net.DNSError
		ne      net.Error
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		record  tls.RecordHeaderError
		alert   tls.AlertError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		if timeout > 0 {
			return fmt.Sprintf("timed out after %s", timeout)
		}
		return "timed out"
	case errors.As(err, &dns):
		return "DNS lookup failed"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid),
		errors.As(err, &record), errors.As(err, &alert):
		return "TLS error"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return "connection failed (" + op.Op + ")"
	}
	return "network error"
}
