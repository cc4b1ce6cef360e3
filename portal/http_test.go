package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
)

// noRedirect is a client that shows the answer itself, Set-Cookie included.
func noRedirect(w *web) *http.Client {
	return &http.Client{Jar: w.c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func setCookie(t *testing.T, resp *http.Response, name string) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no Set-Cookie %s in %v", name, resp.Header.Values("Set-Cookie"))
	return nil
}

// postRaw posts a form without following the redirect.
func postRaw(t *testing.T, w *web, path string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, w.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirect(w).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		opts       []testutil.ServerOption
		cookie     string
		path       string
		wantSecure bool
	}{
		{"plain HTTP on loopback", nil, "qes_portal", "/portal/", false},
		{"behind a TLS proxy (https public URL)", []testutil.ServerOption{func(s *testutil.Setup) { s.Config.PublicURL = "https://sign.example.org" }}, "__Host-qes_portal", "/", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := testutil.StartServer(t, c.opts...)
			h := s.NewHolder(t, "ec-p256")
			w := newWeb(t, s)
			w.get("/portal/login")
			resp := postRaw(t, w, "/portal/login", url.Values{"user": {h.ID}, "password": {h.Password}, "csrf": {csrfOf(w.last)}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal/sign" {
				t.Fatalf("login answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			ck := setCookie(t, resp, c.cookie)
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure != c.wantSecure || ck.Path != c.path || ck.MaxAge != 0 || ck.Domain != "" {
				t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Strict, Secure=%v, Path=%s, no Max-Age or Domain", ck, c.wantSecure, c.path)
			}
			if len(ck.Value) != 43 {
				t.Fatalf("session token %q: want 32 random bytes, base64url", ck.Value)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	w := newWeb(t, s)
	resp, _ := w.get("/portal/login")
	for header, want := range map[string]string{
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"Content-Type":            "text/html; charset=utf-8",
	} {
		if got := resp.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
}

func TestCSRFRefusedAndNothingChanges(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	w := newWeb(t, s)
	w.login(h.ID, h.Password)
	ctx := context.Background()
	good := csrfOf(w.last)
	for _, c := range []struct {
		name, csrf string
	}{{"missing", ""}, {"wrong", strings.Repeat("A", len(good))}, {"truncated", good[:10]}} {
		form := url.Values{"on": {"1"}, "csrf": {c.csrf}}
		resp, body := w.post("/portal/sign/report/daily", form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "nothing was changed") {
			t.Fatalf("%s CSRF token: %d, want 403 saying nothing was changed", c.name, resp.StatusCode)
		}
		acct, err := s.App.Accounts.Account(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if acct.DailyReport {
			t.Fatalf("%s CSRF token: the daily report was switched on", c.name)
		}
	}
	w.get("/portal/sign/report")
	w.post("/portal/sign/report/daily", url.Values{"on": {"1"}})
	if acct, _ := s.App.Accounts.Account(ctx, h.ID); !acct.DailyReport {
		t.Fatal("with the right CSRF token the change must happen")
	}

	// The login form has its own (double-submit) token.
	w2 := newWeb(t, s)
	w2.get("/portal/login")
	resp := postRaw(t, w2, "/portal/login", url.Values{"user": {h.ID}, "password": {h.Password}, "csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 && resp.Cookies()[0].Name == "qes_portal" {
		t.Fatalf("forged login form: %d %v", resp.StatusCode, resp.Cookies())
	}
}

func TestSessionRotatesOnLoginAndPrivilegeChange(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	w := newWeb(t, s)
	u, _ := url.Parse(s.URL + "/portal/")

	// A token planted before login (session fixation) is never adopted.
	planted := strings.Repeat("F", 43)
	w.c.Jar.SetCookies(u, []*http.Cookie{{Name: "qes_portal", Value: planted, Path: "/portal/"}})
	w.login(h.ID, h.Password)
	first := w.cookie("qes_portal").Value
	if first == planted {
		t.Fatal("login adopted the planted session token")
	}

	// Logging in over a live session replaces it: new token, old one ended.
	w.c.Jar.SetCookies(u, []*http.Cookie{{Name: "qes_portal", Value: "", Path: "/portal/", MaxAge: -1}})
	w.get("/portal/login")
	w.c.Jar.SetCookies(u, []*http.Cookie{{Name: "qes_portal", Value: first, Path: "/portal/"}})
	w.post("/portal/login", url.Values{"user": {h.ID}, "password": {h.Password}})
	second := w.cookie("qes_portal").Value
	if first == second {
		t.Fatal("a second login kept the session token")
	}
	if _, err := s.App.Sessions.Session(context.Background(), first); err == nil {
		t.Fatal("the session replaced by a new login still works")
	}

	// Turning two-factor login on rotates the token.
	w.get("/portal/account/two-factor")
	_, body := w.post("/portal/account/two-factor/start", nil)
	secret := between(body, `id="totp-secret">`, "<")
	w.post("/portal/account/two-factor/confirm", url.Values{"code": {totpCode(t, secret, s.Clock.Now())}})
	third := w.cookie("qes_portal").Value
	if third == second {
		t.Fatal("turning two-factor login on kept the session token")
	}
	if _, err := s.App.Sessions.Session(context.Background(), second); err == nil {
		t.Fatal("the token from before two-factor login was turned on still works")
	}
	if !strings.Contains(w.last, "Two-factor login is on") {
		t.Fatalf("after confirming: %s", w.last)
	}

	// A password-only login now waits for the code; completing it rotates.
	s.Clock.Advance(31 * time.Second)
	w3 := newWeb(t, s)
	resp, _ := w3.login(h.ID, h.Password)
	if resp.Request.URL.Path != "/portal/login/totp" {
		t.Fatalf("two-factor login landed on %s", resp.Request.URL.Path)
	}
	half := w3.cookie("qes_portal").Value
	if resp, _ := w3.get("/portal/sign"); resp.Request.URL.Path != "/portal/login/totp" {
		t.Fatalf("before the code, /portal/sign led to %s", resp.Request.URL.Path)
	}
	w3.post("/portal/login/totp", url.Values{"code": {totpCode(t, secret, s.Clock.Now())}})
	if got := w3.cookie("qes_portal").Value; got == half {
		t.Fatal("completing the second factor kept the password-only token")
	}
	if resp, _ := w3.get("/portal/sign"); resp.Request.URL.Path != "/portal/sign" {
		t.Fatalf("after the code, /portal/sign led to %s", resp.Request.URL.Path)
	}
}

func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	w := newWeb(t, s)
	w.login(h.ID, h.Password)
	tok := w.cookie("qes_portal").Value
	resp, body := w.post("/portal/logout", nil)
	if resp.Request.URL.Path != "/portal/login" || !strings.Contains(body, "You have logged out") {
		t.Fatalf("logout led to %s", resp.Request.URL)
	}
	// Replaying the old cookie (as a thief would) finds no session.
	replay := newWeb(t, s)
	u, _ := url.Parse(s.URL + "/portal/")
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "qes_portal", Value: tok, Path: "/portal/"}})
	if resp, _ := replay.get("/portal/sign"); resp.Request.URL.Path != "/portal/login" {
		t.Fatalf("the logged-out token still opens %s", resp.Request.URL.Path)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	cfg := s.App.Sessions.Config()
	ctx := context.Background()

	t.Run("idle", func(t *testing.T) {
		w := newWeb(t, s)
		w.login(h.ID, h.Password)
		s.Clock.Advance(cfg.IdleTimeout + time.Second)
		if resp, body := w.get("/portal/sign"); resp.Request.URL.Path != "/portal/login" || !strings.Contains(body, "Your session has expired") {
			t.Fatalf("page after idle timeout: %s", resp.Request.URL)
		}
		// A form left open past the timeout changes nothing and says so.
		w.login(h.ID, h.Password)
		w.get("/portal/sign/report")
		s.Clock.Advance(cfg.IdleTimeout + time.Second)
		resp, body := w.post("/portal/sign/report/daily", url.Values{"on": {"1"}})
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Your session has expired, so nothing was changed") {
			t.Fatalf("form after idle timeout: %d", resp.StatusCode)
		}
		if acct, _ := s.App.Accounts.Account(ctx, h.ID); acct.DailyReport {
			t.Fatal("a form posted after the session expired changed the account")
		}
	})
	t.Run("activity keeps it alive until the absolute limit", func(t *testing.T) {
		w := newWeb(t, s)
		w.login(h.ID, h.Password)
		step := cfg.IdleTimeout - time.Minute
		for elapsed := time.Duration(0); elapsed+step < cfg.MaxSessionAge; elapsed += step {
			s.Clock.Advance(step)
			if resp, _ := w.get("/portal/sign"); resp.Request.URL.Path != "/portal/sign" {
				t.Fatalf("an active session ended after %v", elapsed+step)
			}
		}
		s.Clock.Advance(step)
		if resp, _ := w.get("/portal/sign"); resp.Request.URL.Path != "/portal/login" {
			t.Fatalf("a session older than %v still works", cfg.MaxSessionAge)
		}
	})
	t.Run("ended sessions are swept", func(t *testing.T) {
		w := newWeb(t, s)
		w.login(h.ID, h.Password)
		s.Clock.Advance(cfg.MaxSessionAge)
		n, err := s.App.Sessions.DeleteEndedSessions(ctx)
		if err != nil || n == 0 {
			t.Fatalf("DeleteEndedSessions = %d, %v", n, err)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	w := newWeb(t, s)
	// Issue 17: no account lockout any more. 5 wrong passwords for one
	// user ID from one address delay that (user ID, address) pair - even
	// the right password - for the throttle's first delay, then it works.
	for i := 0; i < 5; i++ {
		resp, body := w.login(h.ID, "Wrong-Pass1!")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "The user ID or password is wrong") {
			t.Fatalf("wrong password %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := w.login(h.ID, h.Password)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed logins for this user ID") {
		t.Fatalf("right password on a delayed (user ID, address): %d", resp.StatusCode)
	}
	s.Clock.Advance(s.App.Accounts.Config().Throttle.PairDelay)
	if resp, _ := w.login(h.ID, h.Password); resp.Request.URL.Path != "/portal/sign" {
		t.Fatalf("after the delay: %s", resp.Request.URL.Path)
	}
	w.post("/portal/logout", nil)

	// The address throttle: failures spread over many accounts (no
	// account lockout) still stop the address.
	cfg := s.App.Sessions.Config()
	for i := 0; i < cfg.IPFailures; i++ {
		w.login("nobody"+string(rune('a'+i%26))+"x", "Wrong-Pass1!")
	}
	resp, body = w.login(h.ID, h.Password)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed logins from your network") {
		t.Fatalf("after %d failures from one address: %d", cfg.IPFailures, resp.StatusCode)
	}
	s.Clock.Advance(cfg.IPWindow)
	if resp, _ := w.login(h.ID, h.Password); resp.Request.URL.Path != "/portal/sign" {
		t.Fatalf("after the address window: %s", resp.Request.URL.Path)
	}
}

func TestPasswordChangeEndsEverySession(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	laptop, phone := newWeb(t, s), newWeb(t, s)
	laptop.login(h.ID, h.Password)
	phone.login(h.ID, h.Password)
	apiToken := s.Login(t, "v2", h.ID, h.Password)

	laptop.get("/portal/account/password")
	laptop.post("/portal/account/password/send", nil)
	next := "Another-Pass2?"
	resp, body := laptop.post("/portal/account/password", url.Values{"current": {h.Password}, "new": {next}, "confirm": {next}, "otp": {s.LastCode(t, h.Phone)}})
	if resp.Request.URL.Path != "/portal/login" || !strings.Contains(body, "every session has ended") {
		t.Fatalf("after the change: %s", resp.Request.URL)
	}
	if resp, _ := phone.get("/portal/sign"); resp.Request.URL.Path != "/portal/login" {
		t.Fatal("the other device's session survived the password change")
	}
	if status, _ := s.Post(t, "/csc/v2/credentials/list", apiToken, map[string]any{}); status != http.StatusUnauthorized {
		t.Fatalf("an API token from before the password change: %d, want 401", status)
	}
	if resp, _ := laptop.login(h.ID, next); resp.Request.URL.Path != "/portal/sign" {
		t.Fatalf("login with the new password: %s", resp.Request.URL.Path)
	}
}

func TestExpiredPasswordForcesAChange(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	s.Clock.Advance(181 * 24 * time.Hour)
	w := newWeb(t, s)
	resp, body := w.login(h.ID, h.Password)
	if resp.Request.URL.Path != "/portal/account/password" || !strings.Contains(body, "Your password has expired") {
		t.Fatalf("login with an expired password landed on %s", resp.Request.URL.Path)
	}
	for _, p := range []string{"/portal/sign", "/portal/sign/otp", "/portal/account"} {
		if resp, _ := w.get(p); resp.Request.URL.Path != "/portal/account/password" {
			t.Fatalf("%s with an expired password led to %s", p, resp.Request.URL.Path)
		}
	}
	w.post("/portal/account/password/send", nil)
	next := "Renewed-Pass3#"
	w.post("/portal/account/password", url.Values{"current": {h.Password}, "new": {next}, "confirm": {next}, "otp": {s.LastCode(t, h.Phone)}})
	if resp, _ := w.login(h.ID, next); resp.Request.URL.Path != "/portal/sign" {
		t.Fatalf("after the change, login landed on %s", resp.Request.URL.Path)
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
