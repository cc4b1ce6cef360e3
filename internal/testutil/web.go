package testutil

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	xocsp "golang.org/x/crypto/ocsp"
)

// WebClient is a cookie-keeping HTTP client on a test server that does
// not follow redirects: a person's browser below the browser (forms,
// headers, refusals), for the shop and portal pages.
type WebClient struct {
	t testing.TB
	s *Server
	c *http.Client
}

// NewWebClient is a client with an empty cookie jar.
func NewWebClient(t testing.TB, s *Server) *WebClient {
	jar, _ := cookiejar.New(nil)
	return &WebClient{t: t, s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Do sends a request (a form when form is not nil) and returns the answer
// with its body; a 500 fails the test.
func (c *WebClient) Do(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.s.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 && resp.StatusCode != 503 {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return resp, string(raw)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// CSRF is the page's form token.
func CSRF(t testing.TB, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

// OCSPStatus asks the server's OCSP responder about leaf (issued by the
// issuing CA) and returns the status and revocation reason
// (golang.org/x/crypto/ocsp constants).
func (s *Server) OCSPStatus(t testing.TB, leaf *x509.Certificate) (status, reason int) {
	t.Helper()
	issuer := s.App.Authorities.IssuingChain[0]
	req, err := xocsp.CreateRequest(leaf, issuer, &xocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(s.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r, err := xocsp.ParseResponse(body, issuer)
	if err != nil {
		t.Fatalf("OCSP response: %v", err)
	}
	return r.Status, r.RevocationReason
}
