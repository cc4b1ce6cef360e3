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
	b.Open("/portal/account/recovery-email")
	addr := "mario.recovery@example.net"
	b.Fill("#email", addr)
	b.Submit("#send")
	b.Fill("#otp", s.LastCode(t, addr))
	b.Submit("#confirm")
	b.ExpectText("#current", addr)

	// A second browser and an API token.
	other := newTab(t, s)
	other.login(h.ID, h.Password)
	other.ExpectPath("/portal/sign")
	access, refresh := apiLogin(t, s, h.ID, h.Password)
	if st, _ := s.Post(t, "/csc/v2/credentials/list", access, map[string]any{}); st != http.StatusOK {
		t.Fatalf("the token before the reset: %d", st)
	}

	// "Forgot your password?" from the login page of a third browser.
	f := newTab(t, s)
	f.Open("/portal/login")
	f.Shot("login-links")
	f.Submit("#forgot-password")
	f.ExpectPath("/portal/recover/password")
	f.Shot("recover-start")
	f.Fill("#user", h.ID)
	f.Submit("#send")
	f.ExpectText("#notice", "If the user ID exists and has that recovery contact")
	f.ExpectText("#policy", "at least 8 characters")
	f.Shot("recover-code")
	code := s.LastCode(t, addr)
	before := hash()

	// A weak password: refused before the code is looked at.
	f.Fill("#otp", code, "#new", "weakpass", "#confirm", "weakpass")
	f.Submit("#reset")
	f.ExpectText("#error", "an upper-case letter")
	f.Shot("recover-weak-password")
	if hash() != before {
		t.Fatal("a weak password changed the password")
	}
	// A wrong code.
	next := "Recovered-Pass4$"
	f.Fill("#otp", otherCode(code), "#new", next, "#confirm", next)
	f.Submit("#reset")
	f.ExpectText("#error", "The one-time code is wrong or has expired")
	f.Shot("recover-wrong-code")
	if hash() != before {
		t.Fatal("a wrong code changed the password")
	}
	if st, _ := s.Post(t, "/csc/v2/credentials/list", access, map[string]any{}); st != http.StatusOK {
		t.Fatalf("a refused reset ended the token: %d", st)
	}
	other.Open("/portal/sign")
	other.ExpectPath("/portal/sign")

	// The reset.
	f.Fill("#otp", code, "#new", next, "#confirm", next)
	f.Submit("#reset")
	f.ExpectPath("/portal/login")
	f.ExpectText("#notice", "Your password has been reset and every session and access token has ended")
	f.Shot("recover-done")
	if hash() == before {
		t.Fatal("the password did not change")
	}

	// Every session and token of the holder ended.
	b.Open("/portal/sign")
	b.ExpectPath("/portal/login")
	other.Open("/portal/account")
	other.ExpectPath("/portal/login")
	if st, _ := s.Post(t, "/csc/v2/credentials/list", access, map[string]any{}); st != http.StatusUnauthorized {
		t.Fatalf("the old access token after the reset: %d, want 401", st)
	}
	if st := apiRefresh(t, s, refresh); st != http.StatusBadRequest {
		t.Fatalf("the old refresh token after the reset: %d, want 400", st)
	}
	// Only the new password logs in.
	b.login(h.ID, h.Password)
	b.ExpectText("#error", "")
	b.ExpectPath("/portal/login")
	b.login(h.ID, next)
	b.ExpectPath("/portal/sign")
	if msgs := s.Outbox(t); !strings.Contains(msgs[len(msgs)-1].Text, "password was changed") || msgs[len(msgs)-1].To != h.ID+"@example.org" {
		t.Fatalf("no notice of the reset to the holder's e-mail: %+v", msgs[len(msgs)-1])
	}

	// "Forgot your user ID?"
	u := newTab(t, s)
	u.Open("/portal/login")
	u.Submit("#forgot-userid")
	u.ExpectPath("/portal/recover/userid")
	u.Shot("userid-start")
	u.Fill("#email", addr)
	u.Submit("#send")
	u.ExpectText("#notice", "If any account has this recovery e-mail address, we have sent its user ID there")
	u.Shot("userid-sent")
	msgs := s.Outbox(t)
	if m := msgs[len(msgs)-1]; m.To != addr || m.Channel != "email" || !strings.Contains(m.Text, h.ID) {
		t.Fatalf("the reminder: %+v", m)
	}
	// An address no account has: the same page, nothing sent.
	u.Fill("#email", "nobody.here@example.net")
	u.Submit("#send")
	u.ExpectText("#notice", "If any account has this recovery e-mail address")
	if got := len(s.Outbox(t)); got != len(msgs) {
		t.Fatal("a reminder went to an address no account has")
	}
	// A malformed address says so.
	u.Fill("#email", "not an address")
	u.Eval(`document.querySelector('#email').type = "text"`)
	u.Submit("#send")
	u.ExpectText("#error", "The e-mail address is not valid")
	u.Shot("userid-bad-address")
}
