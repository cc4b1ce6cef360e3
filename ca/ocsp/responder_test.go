package ocsp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/fakeclock"
)

func mustRequest(t testing.TB, leaf, iss *x509.Certificate, h crypto.Hash) []byte {
	t.Helper()
	der, err := xocsp.CreateRequest(leaf, iss, &xocsp.RequestOptions{Hash: h})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func do(t testing.TB, srv string, method, path string, body []byte, header map[string]string) reply {
	t.Helper()
	req, err := http.NewRequest(method, srv+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, data}
}

func post(t testing.TB, srv string, der []byte) reply {
	return do(t, srv, http.MethodPost, "/", der, map[string]string{"Content-Type": contentTypeRequest})
}

// parseFor verifies a response's signature and delegation with x/crypto/ocsp.
func parseFor(t testing.TB, der []byte, leaf, iss *x509.Certificate) *xocsp.Response {
	t.Helper()
	resp, err := xocsp.ParseResponseForCert(der, leaf, iss)
	if err != nil {
		t.Fatalf("response does not verify: %v", err)
	}
	return resp
}

func TestGETPathVariants(t *testing.T) {
	p := newTestPKI(t)
	srv := newLoopbackServer(t, newTestResponder(t, p, standardSource(p)))
	leaf := p.leaves["good"]
	// Find a request whose base64 has '+' or '/' so the variants differ.
	var der []byte
	for range 200 {
		der = mustRequest(t, leaf, p.ca.cert, crypto.SHA1)
		if strings.ContainsAny(base64.StdEncoding.EncodeToString(der), "+/") {
			break
		}
	}
	std := base64.StdEncoding.EncodeToString(der)
	cases := []struct{ name, path string }{
		{"standard", "/" + std},
		{"percent-encoded", "/" + url.PathEscape(std)},
		{"all escaped", "/" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(std)},
		{"plus as space", "/" + strings.ReplaceAll(std, "+", "%20")},
		{"no padding", "/" + strings.TrimRight(std, "=")},
		{"base64url", "/" + base64.RawURLEncoding.EncodeToString(der)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv.URL, http.MethodGet, tc.path, nil, nil)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != contentTypeResponse {
				t.Fatalf("HTTP %d %q", r.status, r.header.Get("Content-Type"))
			}
			if resp := parseFor(t, r.body, leaf, p.ca.cert); resp.Status != xocsp.Good {
				t.Fatalf("status %d, want good", resp.Status)
			}
			for _, h := range []string{"ETag", "Last-Modified", "Expires", "Cache-Control"} {
				if r.header.Get(h) == "" {
					t.Errorf("GET answer lacks %s", h)
				}
			}
		})
	}
}

func TestStatusesAndCertIDHashes(t *testing.T) {
	p := newTestPKI(t)
	srv := newLoopbackServer(t, newTestResponder(t, p, standardSource(p)))
	cases := []struct {
		leaf   string
		hash   crypto.Hash
		status int
		reason int
	}{
		{"good", crypto.SHA1, xocsp.Good, 0},
		{"good", crypto.SHA256, xocsp.Good, 0},
		{"good", crypto.SHA512, xocsp.Good, 0},
		{"revoked", crypto.SHA256, xocsp.Revoked, ReasonKeyCompromise},
		{"held", crypto.SHA1, xocsp.Revoked, ReasonCertificateHold},
		{"unknown", crypto.SHA256, xocsp.Unknown, 0},
	}
	for _, tc := range cases {
		t.Run(tc.leaf+"/"+tc.hash.String(), func(t *testing.T) {
			leaf := p.leaves[tc.leaf]
			r := post(t, srv.URL, mustRequest(t, leaf, p.ca.cert, tc.hash))
			resp := parseFor(t, r.body, leaf, p.ca.cert)
			if resp.Status != tc.status || resp.RevocationReason != tc.reason {
				t.Fatalf("status %d reason %d, want %d %d", resp.Status, resp.RevocationReason, tc.status, tc.reason)
			}
			if resp.IssuerHash != tc.hash {
				t.Errorf("response CertID hash %v, want the request's %v", resp.IssuerHash, tc.hash)
			}
			if tc.status == xocsp.Revoked && !resp.RevokedAt.Equal(revokedAt) {
				t.Errorf("revoked at %v, want %v", resp.RevokedAt, revokedAt)
			}
			if got := resp.NextUpdate.Sub(resp.ThisUpdate); got != DefaultValidity {
				t.Errorf("nextUpdate - thisUpdate = %v, want %v", got, DefaultValidity)
			}
		})
	}
}

// TestProtocolErrors covers answers that are OCSP error statuses, which
// must come back as HTTP 200 with the status, never as a 500.
func TestProtocolErrors(t *testing.T) {
	p := newTestPKI(t)
	srv := newLoopbackServer(t, newTestResponder(t, p, standardSource(p)))
	foreign := mustRequest(t, p.ca.cert, p.root.cert, crypto.SHA1) // the CA's own certificate, issued by root
	good := mustRequest(t, p.leaves["good"], p.ca.cert, crypto.SHA1)
	md5 := bytes.Replace(good, []byte{0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a}, // SHA-1 OID
		[]byte{0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1b}, 1) // -> an unknown OID of the same length
	cases := []struct {
		name   string
		method string
		path   string
		body   []byte
		want   []byte
	}{
		{"garbage POST", http.MethodPost, "/", []byte("not DER"), errorResponses[statusMalformedRequest]},
		{"empty POST", http.MethodPost, "/", nil, errorResponses[statusMalformedRequest]},
		{"truncated POST", http.MethodPost, "/", good[:len(good)-3], errorResponses[statusMalformedRequest]},
		{"GET truncated base64", http.MethodGet, "/MEIwQDA+MDwwOjAJBgUrDgMCGgUABBQ", nil, errorResponses[statusMalformedRequest]},
		{"GET bad base64", http.MethodGet, "/!!!!", nil, errorResponses[statusMalformedRequest]},
		{"GET empty", http.MethodGet, "/", nil, errorResponses[statusMalformedRequest]},
		{"foreign issuer", http.MethodPost, "/", foreign, errorResponses[statusUnauthorized]},
		{"unknown CertID hash", http.MethodPost, "/", md5, errorResponses[statusUnauthorized]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv.URL, tc.method, tc.path, tc.body, map[string]string{"Content-Type": contentTypeRequest})
			if r.status != http.StatusOK || !bytes.Equal(r.body, tc.want) {
				t.Fatalf("HTTP %d body %x, want 200 %x", r.status, r.body, tc.want)
			}
			if _, err := xocsp.ParseResponse(r.body, nil); err == nil {
				t.Fatal("x/crypto/ocsp parsed an error status as success")
			}
		})
	}
}

func TestTransportErrors(t *testing.T) {
	p := newTestPKI(t)
	srv := newLoopbackServer(t, newTestResponder(t, p, standardSource(p)))
	good := mustRequest(t, p.leaves["good"], p.ca.cert, crypto.SHA1)
	cases := []struct {
		name        string
		method      string
		contentType string
		body        []byte
		status      int
		text        string
	}{
		{"PUT", http.MethodPut, contentTypeRequest, good, http.StatusMethodNotAllowed, "GET or POST"},
		{"JSON", http.MethodPost, "application/json", good, http.StatusUnsupportedMediaType, contentTypeRequest},
		{"oversized", http.MethodPost, contentTypeRequest, make([]byte, MaxRequestBytes+1), http.StatusRequestEntityTooLarge, "exceeds"},
		{"no content type is tolerated", http.MethodPost, "", good, http.StatusOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.contentType != "" {
				hdr["Content-Type"] = tc.contentType
			}
			r := do(t, srv.URL, tc.method, "/", tc.body, hdr)
			if r.status != tc.status || !strings.Contains(string(r.body), tc.text) {
				t.Fatalf("HTTP %d %q, want %d containing %q", r.status, r.body, tc.status, tc.text)
			}
		})
	}
}

func TestSourceFailures(t *testing.T) {
	p := newTestPKI(t)
	cases := []struct {
		name   string
		err    error
		status Status
		http   int
		want   []byte
	}{
		{"storage down", errs.E(errs.Unavailable, "bolt closed"), Status{}, http.StatusServiceUnavailable, errorResponses[statusTryLater]},
		{"unexpected error", errors.New("boom"), Status{}, http.StatusInternalServerError, errorResponses[statusInternalError]},
		{"revoked without time", nil, Status{State: Revoked}, http.StatusInternalServerError, errorResponses[statusInternalError]},
		{"bad reason", nil, Status{State: Revoked, RevokedAt: revokedAt, Reason: 7}, http.StatusInternalServerError, errorResponses[statusInternalError]},
		{"bad state", nil, Status{State: State(9)}, http.StatusInternalServerError, errorResponses[statusInternalError]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := SourceFunc(func(context.Context, *big.Int) (Status, error) { return tc.status, tc.err })
			srv := newLoopbackServer(t, newTestResponder(t, p, src))
			r := post(t, srv.URL, mustRequest(t, p.leaves["good"], p.ca.cert, crypto.SHA1))
			if r.status != tc.http || !bytes.Equal(r.body, tc.want) {
				t.Fatalf("HTTP %d body %x, want %d %x", r.status, r.body, tc.http, tc.want)
			}
		})
	}
}

// TestInvalidateShowsStatusChange is the CA's suspend/revoke flow: the
// cached good answer must give way to the new status at once.
func TestInvalidateShowsStatusChange(t *testing.T) {
	p := newTestPKI(t)
	src := standardSource(p)
	r := newTestResponder(t, p, src)
	srv := newLoopbackServer(t, r)
	leaf := p.leaves["changing"]
	src.set(leaf.SerialNumber, Status{State: Good})
	get := "/" + base64.StdEncoding.EncodeToString(mustRequest(t, leaf, p.ca.cert, crypto.SHA256))
	postDER := mustRequest(t, leaf, p.ca.cert, crypto.SHA1)

	first := do(t, srv.URL, http.MethodGet, get, nil, nil)
	if parseFor(t, first.body, leaf, p.ca.cert).Status != xocsp.Good {
		t.Fatal("want good before the change")
	}
	post(t, srv.URL, postDER)
	calls := src.calls.Load()
	again := do(t, srv.URL, http.MethodGet, get, nil, nil)
	if !bytes.Equal(again.body, first.body) || src.calls.Load() != calls {
		t.Fatal("the second GET was not served from the cache")
	}

	steps := []struct {
		status Status
		want   int
		reason int
	}{
		{Status{State: Revoked, RevokedAt: revokedAt, Reason: ReasonCertificateHold}, xocsp.Revoked, ReasonCertificateHold},
		{Status{State: Good}, xocsp.Good, 0}, // reactivated
		{Status{State: Revoked, RevokedAt: revokedAt, Reason: ReasonKeyCompromise}, xocsp.Revoked, ReasonKeyCompromise},
	}
	for _, step := range steps {
		src.set(leaf.SerialNumber, step.status)
		if stale := parseFor(t, do(t, srv.URL, http.MethodGet, get, nil, nil).body, leaf, p.ca.cert); stale.Status == step.want && stale.RevocationReason == step.reason {
			t.Fatalf("status %d visible before Invalidate: the cache is not being used", step.want)
		}
		r.Invalidate(leaf.SerialNumber)
		for name, body := range map[string][]byte{
			"GET":  do(t, srv.URL, http.MethodGet, get, nil, nil).body,
			"POST": post(t, srv.URL, postDER).body,
		} {
			resp := parseFor(t, body, leaf, p.ca.cert)
			if resp.Status != step.want || resp.RevocationReason != step.reason {
				t.Fatalf("%s after Invalidate: status %d reason %d, want %d %d", name, resp.Status, resp.RevocationReason, step.want, step.reason)
			}
		}
	}
	src.set(leaf.SerialNumber, Status{State: Good})
	r.InvalidateAll()
	if parseFor(t, post(t, srv.URL, postDER).body, leaf, p.ca.cert).Status != xocsp.Good {
		t.Fatal("InvalidateAll did not drop the cached response")
	}
}

func TestRefreshAndHTTPCaching(t *testing.T) {
	p := newTestPKI(t)
	src := standardSource(p)
	fc := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	clock, advance := fc.Now, fc.Advance
	r := newTestResponder(t, p, src, func(c *Config) { c.Now, c.Refresh, c.Validity = clock, time.Hour, 4*time.Hour })
	srv := newLoopbackServer(t, r)
	leaf := p.leaves["good"]
	get := "/" + base64.StdEncoding.EncodeToString(mustRequest(t, leaf, p.ca.cert, crypto.SHA1))

	first := do(t, srv.URL, http.MethodGet, get, nil, nil)
	if cc := first.header.Get("Cache-Control"); cc != "max-age=14400, public, no-transform, must-revalidate" {
		t.Errorf("Cache-Control %q", cc)
	}
	if lm := first.header.Get("Last-Modified"); lm != clock().Format(http.TimeFormat) {
		t.Errorf("Last-Modified %q, want %q", lm, clock().Format(http.TimeFormat))
	}
	etag := first.header.Get("ETag")
	if r := do(t, srv.URL, http.MethodGet, get, nil, map[string]string{"If-None-Match": etag}); r.status != http.StatusNotModified || len(r.body) != 0 {
		t.Errorf("If-None-Match with the current ETag: HTTP %d, want 304", r.status)
	}
	if r := do(t, srv.URL, http.MethodGet, get, nil, map[string]string{"If-Modified-Since": clock().Format(http.TimeFormat)}); r.status != http.StatusNotModified {
		t.Errorf("If-Modified-Since thisUpdate: HTTP %d, want 304", r.status)
	}
	if r := do(t, srv.URL, http.MethodGet, get, nil, map[string]string{"If-None-Match": `"stale"`}); r.status != http.StatusOK {
		t.Errorf("If-None-Match with another ETag: HTTP %d, want 200", r.status)
	}

	advance(30 * time.Minute)
	cached := do(t, srv.URL, http.MethodGet, get, nil, nil)
	if !bytes.Equal(cached.body, first.body) {
		t.Fatal("a response younger than Refresh was re-signed")
	}
	if cc := cached.header.Get("Cache-Control"); !strings.HasPrefix(cc, "max-age=12600,") {
		t.Errorf("max-age does not count down with the clock: %q", cc)
	}

	advance(31 * time.Minute)
	refreshed := do(t, srv.URL, http.MethodGet, get, nil, nil)
	if bytes.Equal(refreshed.body, first.body) || refreshed.header.Get("ETag") == etag {
		t.Fatal("a response older than Refresh was served again")
	}
	resp := parseFor(t, refreshed.body, leaf, p.ca.cert)
	if !resp.ThisUpdate.Equal(clock()) {
		t.Errorf("refreshed thisUpdate %v, want %v", resp.ThisUpdate, clock())
	}
}

func TestNonceIsEchoedAndNotCached(t *testing.T) {
	p := newTestPKI(t)
	src := standardSource(p)
	srv := newLoopbackServer(t, newTestResponder(t, p, src))
	leaf := p.leaves["good"]
	cases := []struct {
		name  string
		nonce []byte // extnValue
		ok    bool
	}{
		{"RFC 6960 form", append([]byte{0x04, 0x10}, bytes.Repeat([]byte{7}, 16)...), true},
		{"raw legacy form", bytes.Repeat([]byte{9}, 8), true},
		{"128 bytes", append([]byte{0x04, 0x81, 0x80}, bytes.Repeat([]byte{1}, 128)...), true},
		{"129 bytes", append([]byte{0x04, 0x81, 0x81}, bytes.Repeat([]byte{1}, 129)...), false},
		{"empty", []byte{0x04, 0x00}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			der := requestWithNonce(t, mustRequest(t, leaf, p.ca.cert, crypto.SHA1), tc.nonce)
			before := src.calls.Load()
			r1, r2 := post(t, srv.URL, der), post(t, srv.URL, der)
			if !tc.ok {
				if !bytes.Equal(r1.body, errorResponses[statusMalformedRequest]) {
					t.Fatalf("want malformedRequest, got %x", r1.body)
				}
				return
			}
			parseFor(t, r1.body, leaf, p.ca.cert)
			echoed := responseNonce(t, r1.body)
			if !bytes.Equal(echoed, tc.nonce) {
				t.Fatalf("nonce echoed as %x, want %x", echoed, tc.nonce)
			}
			if src.calls.Load()-before != 2 || r1.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("nonce requests must be answered fresh and uncacheable (source calls %d, Cache-Control %q)",
					src.calls.Load()-before, r1.header.Get("Cache-Control"))
			}
			if bytes.Equal(r1.body, r2.body) {
				t.Fatal("two nonce requests got the same bytes; they must be signed separately")
			}
		})
	}
}
