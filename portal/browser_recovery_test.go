package portal_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// apiLogin logs in through CSC auth/login with rememberMe and returns the
// access and refresh tokens.
func apiLogin(t *testing.T, s *testutil.Server, user, password string) (string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/csc/v2/auth/login", strings.NewReader(`{"rememberMe":true}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(user, password)
	st, body := testutil.Do(t, req)
	if st != http.StatusOK {
		t.Fatalf("auth/login: %d %v", st, body)
	}
	return body["access_token"].(string), body["refresh_token"].(string)
}

// apiRefresh tries a refresh token at auth/login.
func apiRefresh(t *testing.T, s *testutil.Server, refresh string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/csc/v2/auth/login", strings.NewReader(`{"refresh_token":"`+refresh+`"}`))
	req.Header.Set("Content-Type", "application/json")
	st, _ := testutil.Do(t, req)
	return st
}

// TestBrowserAccountRecovery walks "Forgot your password?" and "Forgot
// your user ID?" in Chromium: the holder sets a recovery e-mail, is logged
// in in two browsers and holds an API token; from a third browser the
// password is reset with the code from the outbox; a weak password and a
// wrong code say so and change nothing; after the reset both sessions and
// the token (access and refresh) are dead and only the new password logs
// in; then the user ID reminder reaches the recovery address.
func TestBrowserAccountRecovery(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	ctx := context.Background()
	hash := func() string {
		rec, err := s.App.Store.Holder(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		return rec.PasswordHash
	}

	// The recovery e-mail, set and proved in My Account.
	b := newTab(t, s)
	b.login(h.ID, h.Password)
	b.open("/portal/account/recovery-email")
	addr := "mario.recovery@example.net"
	b.fill("#email", addr)
	b.submit("#send")
	b.fill("#otp", s.LastCode(t, addr))
	b.submit("#confirm")
	b.expectText("#current", addr)

	// A second browser and an API token.
	other := newTab(t, s)
	other.login(h.ID, h.Password)
	other.expectPath("/portal/sign")
	access, refresh := apiLogin(t, s, h.ID, h.Password)
	if st, _ := s.Post(t, "/csc/v2/credentials/list", access, map[string]any{}); st != http.StatusOK {
		t.Fatalf("the token before the reset: %d", st)
	}

	// "Forgot your password?" from the login page of a third browser.
	f := newTab(t, s)
	f.open("/portal/login")
	f.shot("login-links")
	f.submit("#forgot-password")
	f.expectPath("/portal/recover/password")
	f.shot("recover-start")
	f.fill("#user", h.ID)
	f.submit("#send")
	f.expectText("#notice", "If the user ID exists and has that recovery contact")
	f.expectText("#policy", "at least 8 characters")
	f.shot("recover-code")
	code := s.LastCode(t, addr)
	before := hash()

	// A weak password: refused before the code is looked at.
	f.fill("#otp", code, "#new", "weakpass", "#confirm", "weakpass")
	f.submit("#reset")
	f.expectText("#error", "an upper-case letter")
	f.shot("recover-weak-password")
	if hash() != before {
		t.Fatal("a weak password changed the password")
	}
	// A wrong code.
	next := "Recovered-Pass4$"
	f.fill("#otp", otherCode(code), "#new", next, "#confirm", next)
	f.submit("#reset")
	f.expectText("#error", "The one-time code is wrong or has expired")
	f.shot("recover-wrong-code")
	if hash() != before {
		t.Fatal("a wrong code changed the password")
	}
	if st, _ := s.Post(t, "/csc/v2/credentials/list", access, map[string]any{}); st != http.StatusOK {
		t.Fatalf("a refused reset ended the token: %d", st)
	}
	other.open("/portal/sign")
	other.expectPath("/portal/sign")

	// The reset.
	f.fill("#otp", code, "#new", next, "#confirm", next)
	f.submit("#reset")
	f.expectPath("/portal/login")
	f.expectText("#notice", "Your password has been reset and every session and access token has ended")
	f.shot("recover-done")
	if hash() == before {
		t.Fatal("the password did not change")
	}

	// Every session and token of the holder ended.
	b.open("/portal/sign")
	b.expectPath("/portal/login")
	other.open("/portal/account")
	other.expectPath("/portal/login")
	if st, _ := s.Post(t, "/csc/v2/credentials/list", access, map[string]any{}); st != http.StatusUnauthorized {
		t.Fatalf("the old access token after the reset: %d, want 401", st)
	}
	if st := apiRefresh(t, s, refresh); st != http.StatusBadRequest {
		t.Fatalf("the old refresh token after the reset: %d, want 400", st)
	}
	// Only the new password logs in.
	b.login(h.ID, h.Password)
	b.expectText("#error", "")
	b.expectPath("/portal/login")
	b.login(h.ID, next)
	b.expectPath("/portal/sign")
	if msgs := s.Outbox(t); !strings.Contains(msgs[len(msgs)-1].Text, "password was changed") || msgs[len(msgs)-1].To != h.ID+"@example.org" {
		t.Fatalf("no notice of the reset to the holder's e-mail: %+v", msgs[len(msgs)-1])
	}

	// "Forgot your user ID?"
	u := newTab(t, s)
	u.open("/portal/login")
	u.submit("#forgot-userid")
	u.expectPath("/portal/recover/userid")
	u.shot("userid-start")
	u.fill("#email", addr)
	u.submit("#send")
	u.expectText("#notice", "If any account has this recovery e-mail address, we have sent its user ID there")
	u.shot("userid-sent")
	msgs := s.Outbox(t)
	if m := msgs[len(msgs)-1]; m.To != addr || m.Channel != "email" || !strings.Contains(m.Text, h.ID) {
		t.Fatalf("the reminder: %+v", m)
	}
	// An address no account has: the same page, nothing sent.
	u.fill("#email", "nobody.here@example.net")
	u.submit("#send")
	u.expectText("#notice", "If any account has this recovery e-mail address")
	if got := len(s.Outbox(t)); got != len(msgs) {
		t.Fatal("a reminder went to an address no account has")
	}
	// A malformed address says so.
	u.fill("#email", "not an address")
	u.eval(`document.querySelector('#email').type = "text"`)
	u.submit("#send")
	u.expectText("#error", "The e-mail address is not valid")
	u.shot("userid-bad-address")
}
