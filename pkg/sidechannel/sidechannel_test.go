package sidechannel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"-3", 0, false},
		{"99999999999", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"Mon, 30 Nov 2026 12:00:30 GMT", 30 * time.Second, true},
		{"soon", 0, false},
	}
	for _, tc := range cases {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Retry-After", tc.header)
		}
		got, ok := RetryAfter(h, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RetryAfter(%q) = %s, %v; want %s, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	low := func(time.Duration) time.Duration { return 0 }
	high := func(n time.Duration) time.Duration { return n }
	wild := func(n time.Duration) time.Duration { return 10 * n }
	cases := []struct {
		b    Backoff
		i    int
		want time.Duration
	}{
		{Backoff{Base: time.Second, Rand: low}, 0, 500 * time.Millisecond},
		{Backoff{Base: time.Second, Rand: high}, 0, time.Second},
		{Backoff{Base: time.Second, Rand: high}, 3, 8 * time.Second},
		{Backoff{Base: time.Second, Rand: low}, 3, 4 * time.Second},
		{Backoff{Base: time.Second, Max: 5 * time.Second, Rand: high}, 3, 5 * time.Second},
		{Backoff{Base: time.Second, Max: 5 * time.Second, Rand: high}, 200, 5 * time.Second},
		{Backoff{Base: time.Second, Rand: wild}, 0, time.Second},
		{Backoff{Rand: high}, 2, 0},
	}
	for _, tc := range cases {
		if got := tc.b.Delay(tc.i); got != tc.want {
			t.Errorf("%+v.Delay(%d) = %s, want %s", tc.b, tc.i, got, tc.want)
		}
	}
	for i := 0; i < 50; i++ {
		if d := (Backoff{Base: time.Second}).Delay(1); d < time.Second || d > 2*time.Second {
			t.Fatalf("default randomness out of range: %s", d)
		}
	}
}

// Real faults from the standard library, each named by its type or errno,
// never with the URL (here holding a secret path).
func TestDescribe(t *testing.T) {
	t.Parallel()
	const secret = "/services/T0/B0/hooksecret"
	get := func(c *http.Client, url string) error {
		resp, err := c.Get(url + secret)
		if err == nil {
			resp.Body.Close()
			return errors.New("no error")
		}
		return err
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	refusedURL := closed.URL
	closed.Close()

	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	hangup := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer hangup.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer slow.Close()

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(canceled, http.MethodGet, slow.URL+secret, nil)
	_, canceledErr := http.DefaultClient.Do(req)
	// A deadline already past: the client's timeout without real waiting.
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel2()
	req, _ = http.NewRequestWithContext(expired, http.MethodGet, slow.URL+secret, nil)
	_, timeoutErr := http.DefaultClient.Do(req)

	cases := []struct {
		name, want string
		err        error
	}{
		{"refused", "connection refused", get(&http.Client{}, refusedURL)},
		{"tls", "TLS error", get(&http.Client{}, tlsSrv.URL)},
		{"closed", "connection closed", get(&http.Client{}, hangup.URL)},
		{"timeout", "timed out after 50ms", timeoutErr},
		{"canceled", "canceled", canceledErr},
		{"dns", "DNS lookup failed", fmt.Errorf("dial: %w", &net.DNSError{Err: "no such host", Name: "hooks.invalid", IsNotFound: true})},
		{"other", "network error", errors.New("something else")},
	}
	for _, tc := range cases {
		timeout := time.Duration(0)
		if tc.name == "timeout" {
			timeout = 50 * time.Millisecond
		}
		got := Describe(tc.err, timeout)
		if got != tc.want {
			t.Errorf("%s: Describe(%v) = %q, want %q", tc.name, tc.err, got, tc.want)
		}
		if strings.Contains(got, "hooksecret") {
			t.Errorf("%s: %q echoes the URL", tc.name, got)
		}
	}
}
