package shop_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// client is a cookie-keeping HTTP client on a test server, for checks
// below the browser (headers, refusals, the callback API).
type client struct {
	t *testing.T
	s *testutil.Server
	c *http.Client
}

func newClient(t *testing.T, s *testutil.Server) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string, form url.Values) (*http.Response, string) {
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

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

func TestPagesCarryThePortalsHeaders(t *testing.T) {
	s := testutil.StartServer(t)
	c := newClient(t, s)
	for _, path := range []string{"/shop/register", "/shop/login", "/shop/forgot", "/shop/verify", "/shop/nope"} {
		resp, body := c.do(http.MethodGet, path, nil)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
		if !strings.Contains(body, "<footer>") {
			t.Errorf("%s: not a page: %s", path, body)
		}
	}
	// A form without its token changes nothing.
	resp, _ := c.do(http.MethodPost, "/shop/register", url.Values{"email": {"x@example.org"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("register without CSRF: %d", resp.StatusCode)
	}
	// Pages behind the login send there.
	resp, _ = c.do(http.MethodGet, "/shop/orders", nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/shop/login") {
		t.Fatalf("orders without a session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}
