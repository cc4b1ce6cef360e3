package portal_test

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

// web is a browser without a browser: a cookie jar that follows redirects,
// for the HTTP-level rules (cookies, CSRF, rotation) that need no page
// rendering.
type web struct {
	t    *testing.T
	s    *testutil.Server
	c    *http.Client
	last string // body of the last page
}

func newWeb(t *testing.T, s *testutil.Server) *web {
	jar, _ := cookiejar.New(nil)
	return &web{t: t, s: s, c: &http.Client{Jar: jar}}
}

func (w *web) do(req *http.Request) (*http.Response, string) {
	w.t.Helper()
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	if resp.StatusCode >= 500 {
		w.t.Fatalf("%s %s: %d\n%s", req.Method, req.URL, resp.StatusCode, raw)
	}
	w.last = string(raw)
	return resp, w.last
}

func (w *web) get(path string) (*http.Response, string) {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, w.s.URL+path, nil)
	return w.do(req)
}

// post sends a form; the CSRF token of the last page is added unless the
// form has one.
func (w *web) post(path string, form url.Values) (*http.Response, string) {
	w.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", csrfOf(w.last))
	}
	req, _ := http.NewRequest(http.MethodPost, w.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return w.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(body string) string {
	if m := csrfRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

func (w *web) login(user, password string) (*http.Response, string) {
	w.t.Helper()
	w.get("/portal/login")
	return w.post("/portal/login", url.Values{"user": {user}, "password": {password}})
}

func (w *web) cookie(name string) *http.Cookie {
	u, _ := url.Parse(w.s.URL + "/portal/")
	for _, c := range w.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}
