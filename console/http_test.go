package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/officer"
)

func TestPagesAndMediaNeedAnOfficer(t *testing.T) {
	e := newEnv(t)
	number := e.identified(t, "anna@example.org", true, e.clock.Now().Add(-time.Hour))
	c := e.client(t)
	for _, path := range []string{"/operator/queue", "/operator/enrolments/" + number} {
		resp, _ := c.do(http.MethodGet, path, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/operator/login?next="+url.QueryEscape(path) {
			t.Errorf("GET %s logged out: %d to %q, want the login page", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for _, media := range []string{"face.png", "photo/front", "photo/back", "video"} {
		resp, body := c.do(http.MethodGet, "/operator/enrolments/"+number+"/"+media, nil)
		if resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "\x89PNG") {
			t.Errorf("%s logged out: %d, want 401 and no content", media, resp.StatusCode)
		}
	}
	resp, _ := c.do(http.MethodPost, "/operator/enrolments/"+number+"/decision", url.Values{"action": {"approve"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a decision logged out: %d, want 401", resp.StatusCode)
	}
	if resp, _ := c.do(http.MethodGet, "/operator/", nil); resp.Header.Get("Location") != "/operator/login" {
		t.Errorf("/operator/ logged out leads to %q", resp.Header.Get("Location"))
	}
}

func TestLoginSessionAndCSRF(t *testing.T) {
	e := newEnv(t)
	number := e.identified(t, "anna@example.org", true, e.clock.Now().Add(-time.Hour))
	c := e.client(t)

	// The login form's own token: missing or wrong is refused.
	tok := c.csrf("/operator/login")
	resp, body := c.do(http.MethodPost, "/operator/login", url.Values{"csrf": {"forged"}, "user": {"rossi"}, "password": {password},
		"code": {e.code(t, e.seed)}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `id="error"`) {
		t.Fatalf("forged login form: %d", resp.StatusCode)
	}
	for _, f := range []url.Values{
		{"user": {"rossi"}, "password": {"Wrong-Pass1!"}, "code": {e.code(t, e.seed)}},
		{"user": {"rossi"}, "password": {password}, "code": {"000000"}},
		{"user": {"nobody"}, "password": {password}, "code": {"123456"}},
	} {
		f.Set("csrf", tok)
		resp, body := c.do(http.MethodPost, "/operator/login", f)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong user name, password or authenticator code") {
			t.Fatalf("failed login %v: %d %s", f, resp.StatusCode, body)
		}
	}
	resp = c.login("rossi", e.seed)
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "qes_operator" {
			session = ck
		}
	}
	if session == nil || session.Path != "/operator" || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie = %+v: want HttpOnly, SameSite=Strict, Path=/operator", session)
	}
	if resp.Header.Get("Location") != "/operator/queue" {
		t.Fatalf("login leads to %q", resp.Header.Get("Location"))
	}
	resp, body = c.do(http.MethodGet, "/operator/queue", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, number) {
		t.Fatalf("queue: %d %s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self'") || strings.Contains(csp, "script-src") ||
		strings.Contains(csp, "unsafe-inline") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers: CSP %q, Cache-Control %q", csp, resp.Header.Get("Cache-Control"))
	}

	// A decision needs the session's CSRF token.
	page := "/operator/enrolments/" + number
	_, body = c.do(http.MethodGet, page, nil)
	review := regexpValue(t, body, "review")
	resp, _ = c.do(http.MethodPost, page+"/decision", url.Values{"csrf": {"forged"}, "review": {review}, "action": {"reject"}, "reason": {"x"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged decision: %d, want 403", resp.StatusCode)
	}
	if o, _ := e.db.Order(context.Background(), number); o.State != "requested" {
		t.Fatalf("a forged decision moved the order to %s", o.State)
	}
	resp, _ = c.do(http.MethodPost, "/operator/logout", url.Values{"csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged logout: %d", resp.StatusCode)
	}
	resp, _ = c.do(http.MethodPost, "/operator/logout", url.Values{"csrf": {c.csrf("/operator/queue")}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/operator/login?m=out" {
		t.Fatalf("logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The old cookie, replayed, is no session.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/operator/queue", nil)
	req.AddCookie(&http.Cookie{Name: "qes_operator", Value: session.Value})
	r2, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusSeeOther {
		t.Fatalf("a logged-out cookie still opens the queue: %d", r2.StatusCode)
	}
}

func regexpValue(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		t.Fatalf("no %s field in %s", name, body)
	}
	rest := body[i+len(`name="`+name+`" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestMediaServedToOfficersOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	number := e.identified(t, "anna@example.org", true, e.clock.Now().Add(-time.Hour))
	noFace := e.identified(t, "bea@example.org", false, e.clock.Now().Add(-time.Hour))
	c := e.client(t)
	c.login("rossi", e.seed)
	ident, err := e.db.IdentificationsOf(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, ctype string
		size        int64
	}{
		{"face.png", "image/png", ident[0].Chip.FacePNG.Size},
		{"photo/front", "image/jpeg", ident[0].Photos["front"].Size},
		{"photo/back", "image/jpeg", ident[0].Photos["back"].Size},
		{"video", "video/mp4", ident[0].Video.Size},
	}
	for _, m := range cases {
		resp, body := c.do(http.MethodGet, "/operator/enrolments/"+number+"/"+m.path, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != m.ctype || int64(len(body)) != m.size ||
			resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d %q %d bytes, Cache-Control %q", m.path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), resp.Header.Get("Cache-Control"))
		}
	}
	// The video element asks for ranges.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/operator/enrolments/"+number+"/video", nil)
	req.Header.Set("Range", "bytes=0-3")
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		t.Errorf("range request: %d, want 206", resp.StatusCode)
	}
	// No portrait: 404, and the page says so.
	if resp, _ := c.do(http.MethodGet, "/operator/enrolments/"+noFace+"/face.png", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing portrait: %d, want 404", resp.StatusCode)
	}
	if _, body := c.do(http.MethodGet, "/operator/enrolments/"+noFace, nil); !strings.Contains(body, "The portrait is not available.") {
		t.Errorf("the page of an enrolment without a portrait does not say so")
	}

	// Decided, the order leaves the review, but its media still need an
	// officer: served to one, refused to everyone else.
	_, body := c.do(http.MethodGet, "/operator/enrolments/"+number, nil)
	form := url.Values{"csrf": {c.csrf("/operator/queue")}, "review": {regexpValue(t, body, "review")}, "action": {"approve"}}
	for _, f := range officer.Features {
		form.Set("f_"+f, "match")
	}
	if resp, body := c.do(http.MethodPost, "/operator/enrolments/"+number+"/decision", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", resp.StatusCode, body)
	}
	if resp, _ := c.do(http.MethodGet, "/operator/enrolments/"+number+"/photo/front", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("an officer's media of a decided order: %d", resp.StatusCode)
	}
	if resp, _ := e.client(t).do(http.MethodGet, "/operator/enrolments/"+number+"/photo/front", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("media of a decided order logged out: %d, want 401", resp.StatusCode)
	}
	// The officer's own enrolment: no media either.
	own := e.identified(t, "mario@example.org", true, e.clock.Now())
	if resp, _ := c.do(http.MethodGet, "/operator/enrolments/"+own+"/face.png", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("media of the officer's own enrolment: %d, want 403", resp.StatusCode)
	}
}

func TestBadInputIsNeverA500(t *testing.T) {
	e := newEnv(t)
	number := e.identified(t, "anna@example.org", true, e.clock.Now().Add(-time.Hour))
	c := e.client(t)
	c.login("rossi", e.seed)
	tok := c.csrf("/operator/queue")
	long := strings.Repeat("9", 5000)
	cases := []struct {
		method, path string
		form         url.Values
		want         int
	}{
		{http.MethodGet, "/operator/enrolments/nope", nil, 404},
		{http.MethodGet, "/operator/enrolments/" + long, nil, 404},
		{http.MethodGet, "/operator/enrolments/%00%ff", nil, 404},
		{http.MethodGet, "/operator/enrolments/" + number + "/photo/side", nil, 404},
		{http.MethodGet, "/operator/enrolments/nope/video", nil, 404},
		{http.MethodGet, "/operator/nothing", nil, 404},
		{http.MethodGet, "/operator/queue?decided=<b>&order=<i>", nil, 200},
		{http.MethodPost, "/operator/enrolments/" + number + "/decision", url.Values{"csrf": {tok}, "action": {"maybe"}}, 400},
		{http.MethodPost, "/operator/enrolments/" + number + "/decision", url.Values{"csrf": {tok}, "action": {"reject"}, "review": {long}, "reason": {"x"}}, 409},
		{http.MethodPost, "/operator/enrolments/" + number + "/decision", url.Values{"csrf": {tok}, "action": {"reject"}, "reason": {strings.Repeat("x", 600)}}, 400},
		{http.MethodPost, "/operator/enrolments/" + number + "/decision", url.Values{"csrf": {tok}, "action": {"approve"}, "f_eyes": {"maybe"}}, 400},
		{http.MethodPost, "/operator/enrolments/nope/decision", url.Values{"csrf": {tok}, "action": {"reject"}, "reason": {"x"}}, 404},
		{http.MethodPost, "/operator/enrolments/" + number + "/decision", url.Values{"csrf": {tok}, "pad": {strings.Repeat("x", 70<<10)}}, 403},
		{http.MethodPost, "/operator/login", url.Values{"user": {long}, "code": {long}}, 403},
		{http.MethodPut, "/operator/queue", nil, 405},
	}
	for _, tc := range cases {
		resp, body := c.do(tc.method, tc.path, tc.form)
		if resp.StatusCode != tc.want || resp.StatusCode >= 500 {
			t.Errorf("%s %.80s: %d, want %d (%.200s)", tc.method, tc.path, resp.StatusCode, tc.want, body)
		}
		if strings.Contains(body, "<b>") || strings.Contains(body, "<i>") {
			t.Errorf("%s %.80s echoes markup", tc.method, tc.path)
		}
	}
}
