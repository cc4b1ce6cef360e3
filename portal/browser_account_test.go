package portal_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
)

// TestBrowserMyAccount walks through every My Account function in
// Chromium: overview, recovery e-mail, recovery mobile, two-factor login
// (QR code, login with the code, off again), password change with its
// policy, and logout; and shows that a wrong OTP, a wrong current password,
// an expired session and a forged form each say so and change nothing.
func TestBrowserMyAccount(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	ctx := context.Background()
	type account struct{ hash, recoveryEmail, recoveryPhone string }
	now := func() account {
		rec, err := s.App.Store.Holder(ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		return account{rec.PasswordHash, rec.RecoveryEmail, rec.RecoveryPhone}
	}
	b := newTab(t, s)
	b.login(h.ID, h.Password)
	b.Open("/portal/account")
	b.ExpectText("#recovery-email", "not set")
	b.Shot("account")

	// Recovery e-mail: the code goes to the new address.
	b.Open("/portal/account/recovery-email")
	b.Shot("recovery-email")
	addr := "mario.backup@example.net"
	b.Fill("#email", addr)
	b.Submit("#send")
	b.ExpectText("#notice", addr)
	b.Fill("#otp", otherCode(s.LastCode(t, addr)))
	b.Submit("#confirm")
	b.ExpectText("#error", "The one-time code is wrong or has expired")
	b.Shot("recovery-email-wrong-otp")
	if now().recoveryEmail != "" {
		t.Fatal("a wrong code set the recovery e-mail")
	}
	b.Fill("#otp", s.LastCode(t, addr))
	b.Submit("#confirm")
	b.ExpectText("#notice", "recovery e-mail address has been saved")
	b.ExpectText("#current", addr)
	if now().recoveryEmail != addr {
		t.Fatal("the recovery e-mail was not saved")
	}

	// Recovery mobile: authorised by a code to the current recovery number
	// (the OTP number while none is set).
	b.Open("/portal/account/recovery-phone")
	b.Submit("#send")
	first := "+393401234567"
	b.Fill("#otp", s.LastCode(t, h.Phone), "#phone", first)
	b.Submit("#confirm")
	b.ExpectText("#notice", "recovery mobile number has been saved")
	if now().recoveryPhone != first {
		t.Fatal("the recovery number was not saved")
	}
	second := "+393409876543"
	s.Clock.Advance(21 * time.Second)
	b.Submit("#send")
	b.ExpectText("#notice", "567") // the code went to the recovery number
	b.Shot("recovery-phone-code")
	b.Fill("#otp", s.LastCode(t, first), "#phone", second)
	b.Submit("#confirm")
	if now().recoveryPhone != second {
		t.Fatal("changing the recovery number again failed")
	}

	// Two-factor login: QR code, confirmed by one code; the next login asks
	// for the code; a wrong one is refused.
	b.Open("/portal/account/two-factor")
	b.ExpectText("#state", "off")
	b.Submit("#start")
	b.Shot("two-factor-qr")
	key := b.Text("#totp-secret")
	if qr := b.qrText("#qr"); !strings.Contains(qr, "secret="+key) || !strings.Contains(qr, "portal") {
		t.Fatalf("QR code %q does not carry the key %s of the portal login", qr, key)
	}
	b.Fill("#code", totpCode(t, key, s.Clock.Now()))
	b.Submit("#enable")
	b.ExpectText("#notice", "Two-factor login is on")
	b.ExpectText("#state", "on")

	// Log out from My Account.
	b.Submit("#logout")
	b.ExpectText("#notice", "You have logged out")
	b.login(h.ID, h.Password)
	b.ExpectPath("/portal/login/totp")
	b.Shot("login-totp")
	s.Clock.Advance(30 * time.Second)
	b.Fill("#code", otherCode(totpCode(t, key, s.Clock.Now())))
	b.Submit("#submit")
	b.ExpectText("#error", "The authenticator code is wrong")
	b.Shot("login-totp-wrong")
	b.Open("/portal/sign")
	b.ExpectPath("/portal/login/totp") // still only half logged in
	b.Fill("#code", totpCode(t, key, s.Clock.Now()))
	b.Submit("#submit")
	b.ExpectPath("/portal/sign")
	s.Clock.Advance(30 * time.Second)
	b.Open("/portal/account/two-factor")
	b.Fill("#code", totpCode(t, key, s.Clock.Now()))
	b.Submit("#disable")
	b.ExpectText("#notice", "Two-factor login is off")

	// Change password: the policy is on the page and enforced.
	b.Open("/portal/account/password")
	b.ExpectText("#policy", "at least 8 characters")
	b.ExpectText("#policy", "no character more than twice in a row")
	b.ExpectText("#policy", "180 days")
	b.Shot("password")
	before := now().hash
	b.Fill("#current", h.Password, "#new", "weakpass", "#confirm", "weakpass", "#otp", "123456")
	b.Submit("#change-password")
	b.ExpectText("#error", "an upper-case letter")
	b.ExpectText("#error", "a digit")
	b.Shot("password-policy")

	// Wrong OTP.
	s.Clock.Advance(21 * time.Second)
	b.Submit("#send-code")
	code := s.LastCode(t, h.Phone)
	next := "Brand-New-Pass7%"
	b.Fill("#current", h.Password, "#new", next, "#confirm", next, "#otp", otherCode(code))
	b.Submit("#change-password")
	b.ExpectText("#error", "The one-time code is wrong or has expired")
	b.Shot("password-wrong-otp")
	if now().hash != before {
		t.Fatal("a wrong code changed the password")
	}

	// Wrong current password.
	b.Fill("#current", "Not-My-Pass1!", "#new", next, "#confirm", next, "#otp", code)
	b.Submit("#change-password")
	b.ExpectText("#error", "The current password is wrong")
	b.Shot("password-wrong-current")
	if now().hash != before {
		t.Fatal("a wrong current password changed the password")
	}

	// A forged form (wrong CSRF token).
	s.Clock.Advance(21 * time.Second)
	b.Submit("#send-code")
	b.Eval(`document.querySelector('form[action="/portal/account/password"] input[name=csrf]').value = "forged"`)
	b.Fill("#current", h.Password, "#new", next, "#confirm", next, "#otp", s.LastCode(t, h.Phone))
	b.Submit("#change-password")
	b.ExpectText("#error", "did not come from this site, so nothing was changed")
	b.Shot("password-csrf")
	if now().hash != before {
		t.Fatal("a forged form changed the password")
	}

	// An expired session.
	b.Open("/portal/account/password")
	b.Fill("#current", h.Password, "#new", next, "#confirm", next, "#otp", s.LastCode(t, h.Phone))
	s.Clock.Advance(s.App.Sessions.Config().IdleTimeout + time.Second)
	b.Submit("#change-password")
	b.ExpectPath("/portal/account/password") // the form's target, answered with the login page
	b.ExpectText("#error", "Your session has expired, so nothing was changed")
	b.Shot("password-session-expired")
	if now().hash != before {
		t.Fatal("a form posted after the session expired changed the password")
	}

	// The change itself: every session ends, the new password works.
	other := newTab(t, s)
	other.login(h.ID, h.Password)
	b.login(h.ID, h.Password)
	b.Open("/portal/account/password")
	s.Clock.Advance(21 * time.Second)
	b.Submit("#send-code")
	b.Fill("#current", h.Password, "#new", next, "#confirm", next, "#otp", s.LastCode(t, h.Phone))
	b.Submit("#change-password")
	b.ExpectPath("/portal/login")
	b.ExpectText("#notice", "every session has ended")
	b.Shot("password-changed")
	other.Open("/portal/sign")
	other.ExpectPath("/portal/login")
	b.login(h.ID, next)
	b.ExpectPath("/portal/sign")
	if msgs := s.Outbox(t); !strings.Contains(msgs[len(msgs)-1].Text, "password was changed") {
		t.Fatalf("no notice of the password change: %+v", msgs[len(msgs)-1])
	}
}
