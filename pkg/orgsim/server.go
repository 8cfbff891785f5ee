// Package orgsim emulates the parts of a Salesforce org that the Salesforce
// CLI (`sf` v2) talks to when it logs in, deploys metadata and runs Apex
// tests: OAuth, a few REST and Tooling API resources, and the SOAP Metadata
// API. It lets deploy-guard's end-to-end tests and demo run the real, pinned
// CLI against a believable org on loopback.
//
// Behaviour is scripted by a Scenario; every request is recorded so tests
// can assert what the org was asked (for example that a wait timeout never
// caused a second deploy call).
package orgsim

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Identity of the emulated org and its user.
const (
	OrgID    = "00D000000000001EAA"
	UserID   = "005000000000001AAA"
	Username = "ci@deploy-guard.example"
	// APIVersion is the newest API version the org reports.
	APIVersion = "62.0"
)

// Request is one recorded call to the org.
type Request struct {
	Time   time.Time
	Method string
	Path   string
	// Op names the operation: "soap:deploy", "soap:checkDeployStatus",
	// "oauth:token", "rest:query:Organization", "tooling:runTestsAsynchronous"...
	Op string
	// Status is the HTTP status answered (0 for a dropped connection).
	Status int
	// DeployID is the job the call was about, when there is one.
	DeployID string
}

// Options configure a Server.
type Options struct {
	// TLS serves HTTPS with a generated certificate (needed by
	// `sf org login sfdx-url`, which forces https).
	TLS bool
	// Addr to listen on; default 127.0.0.1:0.
	Addr string
	// Logf, when set, receives one line per request.
	Logf func(format string, args ...any)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Server is a running emulated org.
type Server struct {
	scenario *Scenario
	opts     Options
	srv      *http.Server
	ln       net.Listener
	url      string
	certPEM  []byte

	mu       sync.Mutex
	requests []Request
	uploads  [][]byte
	org      *org
}

// Start listens on loopback and serves the scenario until Close.
func Start(sc *Scenario, opts Options) (*Server, error) {
	if sc == nil {
		sc = &Scenario{Name: "success"}
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{scenario: sc, opts: opts}
	s.org = newOrg(sc, opts.Now)
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	s.ln = ln
	scheme := "http"
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	host := ln.Addr().String()
	if opts.TLS {
		cert, pemBytes, err := selfSigned(ln.Addr().(*net.TCPAddr).IP)
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.certPEM = pemBytes
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
		s.ln = tls.NewListener(ln, s.srv.TLSConfig)
	}
	s.url = scheme + "://" + host
	go s.srv.Serve(s.ln) //nolint:errcheck // ErrServerClosed on Close
	return s, nil
}

// URL is the instance URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.url }

// CertPEM is the server certificate (TLS only), for NODE_EXTRA_CA_CERTS.
func (s *Server) CertPEM() []byte { return s.certPEM }

// WriteCert writes the certificate to dir/orgsim-ca.pem and returns the path.
func (s *Server) WriteCert(dir string) (string, error) {
	if s.certPEM == nil {
		return "", fmt.Errorf("orgsim: not serving TLS")
	}
	p := filepath.Join(dir, "orgsim-ca.pem")
	return p, os.WriteFile(p, s.certPEM, 0o644)
}

// AuthURL is an SFDX auth URL for this org (TLS servers only).
func (s *Server) AuthURL() string {
	return "force://PlatformCLI::" + RefreshToken + "@" + strings.TrimPrefix(s.url, "https://")
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// Scenario returns the scenario being served.
func (s *Server) Scenario() *Scenario { return s.scenario }

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many recorded requests have the operation op.
func (s *Server) Count(op string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Op == op {
			n++
		}
	}
	return n
}

// Ops returns the operations in the log, in order.
func (s *Server) Ops() []string {
	var ops []string
	for _, r := range s.Requests() {
		ops = append(ops, r.Op)
	}
	return ops
}

// Uploads returns every deployment zip the org received, as sent (base64
// decoded), so tests can look at exactly what left the runner.
func (s *Server) Uploads() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.uploads...)
}

// keepUpload records a deploy call's ZipFile, even one that is not valid
// base64 (kept as received then).
func (s *Server) keepUpload(b64 string) {
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	if err != nil {
		raw = []byte(b64)
	}
	s.mu.Lock()
	s.uploads = append(s.uploads, raw)
	s.mu.Unlock()
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	s.mu.Unlock()
	if s.opts.Logf != nil {
		id := ""
		if r.DeployID != "" {
			id = " " + r.DeployID
		}
		s.opts.Logf("orgsim: %d %s %s %s%s", r.Status, r.Method, r.Path, r.Op, id)
	}
}

// call carries what a handler learned about one request, for the log.
type call struct {
	op, deployID string
	status       int
	// flush records the request now (before a connection reset, so the log
	// holds it by the time the client sees the error); later calls are no-ops.
	flush func()
}

var apiPathRE = regexp.MustCompile(`^/services/data/v[0-9.]+/(tooling/)?(.*)$`)

// ServeHTTP routes a request to the OAuth, REST, Tooling or SOAP handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{status: http.StatusOK}
	rec := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	recorded := false
	c.flush = func() {
		if recorded {
			return
		}
		recorded = true
		if c.status == 0 {
			rec.code = 0
		}
		s.record(Request{Time: s.opts.Now(), Method: r.Method, Path: r.URL.Path, Op: c.op, Status: rec.code, DeployID: c.deployID})
	}
	defer c.flush()
	p := "/" + strings.TrimLeft(r.URL.Path, "/") // the CLI sometimes sends //services/...
	switch {
	case p == "/services/oauth2/token":
		c.op = "oauth:token"
		s.token(rec, r)
	case p == "/services/oauth2/userinfo":
		c.op = "oauth:userinfo"
		if s.authorized(rec, r) {
			s.userinfo(rec)
		}
	case strings.HasPrefix(p, "/id/"):
		c.op = "oauth:identity"
		if s.authorized(rec, r) {
			s.userinfo(rec)
		}
	case p == "/services/oauth2/revoke":
		c.op = "oauth:revoke"
		rec.WriteHeader(http.StatusOK)
	case p == "/services/data" || p == "/services/data/":
		c.op = "rest:versions"
		if s.authorized(rec, r) {
			writeJSON(rec, http.StatusOK, versions())
		}
	case strings.HasPrefix(p, "/services/Soap/m/"):
		s.soap(rec, r, c)
	case apiPathRE.MatchString(p):
		m := apiPathRE.FindStringSubmatch(p)
		if !s.authorized(rec, r) {
			c.op = "rest:unauthorized"
			return
		}
		s.rest(rec, r, c, m[1] != "", m[2])
	default:
		c.op = "unknown"
		writeJSON(rec, http.StatusNotFound, []map[string]string{{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}})
	}
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// Hijack lets the reset fault drop the connection.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("orgsim: connection cannot be hijacked")
	}
	return h.Hijack()
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// AccessToken is the token the org issues; any bearer token is accepted
// unless the scenario's session has expired.
const (
	AccessToken  = "00D000000000001!AQEAQorgsimAccessTokenForTests0000000000000000000000000000000000000000000"
	RefreshToken = "5Aep861orgsimRefreshTokenForTests000000000000000000000000000000000000000000"
)

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "Bearer ") && !strings.HasPrefix(auth, "OAuth ") {
		writeJSON(w, http.StatusUnauthorized, []map[string]string{{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}})
		return false
	}
	if s.scenario.ExpiredSession && s.org.loggedIn() {
		writeJSON(w, http.StatusUnauthorized, []map[string]string{{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}})
		return false
	}
	return true
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	grant := r.PostForm.Get("grant_type")
	switch {
	case grant == "refresh_token" && s.scenario.ExpiredSession && s.org.loggedIn():
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "expired access/refresh token"})
		return
	case grant == "refresh_token" && r.PostForm.Get("refresh_token") != RefreshToken:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "authentication failure"})
		return
	case grant == "refresh_token", grant == "urn:ietf:params:oauth:grant-type:jwt-bearer", grant == "authorization_code":
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "grant type not supported"})
		return
	}
	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": AccessToken,
		"instance_url": base,
		"id":           base + "/id/" + OrgID + "/" + UserID,
		"token_type":   "Bearer",
		"issued_at":    fmt.Sprint(time.Now().UnixMilli()),
		"signature":    "c2lnbmF0dXJl",
		"scope":        "refresh_token api web",
	})
}

func (s *Server) userinfo(w http.ResponseWriter) {
	s.org.markLoggedIn()
	writeJSON(w, http.StatusOK, map[string]any{
		"sub": "https://login.salesforce.com/id/" + OrgID + "/" + UserID, "user_id": UserID,
		"organization_id": OrgID, "preferred_username": Username, "email": Username,
		"name": "CI User", "nickname": "ci", "zoneinfo": "Europe/Berlin", "locale": "en_US",
		"user_type": "STANDARD", "active": true, "email_verified": true,
		"urls": map[string]string{
			"enterprise": "/services/Soap/c/{version}/" + OrgID,
			"metadata":   "/services/Soap/m/{version}/" + OrgID,
			"rest":       "/services/data/v{version}/",
		},
	})
}

func versions() []map[string]string {
	var out []map[string]string
	for v := 58; v <= 62; v++ {
		out = append(out, map[string]string{"label": "Release", "url": fmt.Sprintf("/services/data/v%d.0", v), "version": fmt.Sprintf("%d.0", v)})
	}
	return out
}

func drain(r *http.Request) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 512<<20))
	return b
}
