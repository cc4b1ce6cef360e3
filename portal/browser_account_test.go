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
	b.open("/portal/account")
	b.expectText("#recovery-email", "not set")
	b.shot("account")

	// Recovery e-mail: the code goes to the new address.
	b.open("/portal/account/recovery-email")
	b.shot("recovery-email")
	addr := "mario.backup@example.net"
	b.fill("#email", addr)
	b.submit("#send")
	b.expectText("#notice", addr)
	b.fill("#otp", otherCode(s.LastCode(t, addr)))
	b.submit("#confirm")
	b.expectText("#error", "The one-time code is wrong or has expired")
	b.shot("recovery-email-wrong-otp")
	if now().recoveryEmail != "" {
		t.Fatal("a wrong code set the recovery e-mail")
	}
	b.fill("#otp", s.LastCode(t, addr))
	b.submit("#confirm")
	b.expectText("#notice", "recovery e-mail address has been saved")
	b.expectText("#current", addr)
	if now().recoveryEmail != addr {
		t.Fatal("the recovery e-mail was not saved")
	}

	// Recovery mobile: authorised by a code to the current recovery number
	// (the OTP number while none is set).
	b.open("/portal/account/recovery-phone")
	b.submit("#send")
	first := "+393401234567"
	b.fill("#otp", s.LastCode(t, h.Phone), "#phone", first)
	b.submit("#confirm")
	b.expectText("#notice", "recovery mobile number has been saved")
	if now().recoveryPhone != first {
		t.Fatal("the recovery number was not saved")
	}
	second := "+393409876543"
	s.Clock.Advance(21 * time.Second)
	b.submit("#send")
	b.expectText("#notice", "567") // the code went to the recovery number
	b.shot("recovery-phone-code")
	b.fill("#otp", s.LastCode(t, first), "#phone", second)
	b.submit("#confirm")
	if now().recoveryPhone != second {
		t.Fatal("changing the recovery number again failed")
	}

	// Two-factor login: QR code, confirmed by one code; the next login asks
	// for the code; a wrong one is refused.
	b.open("/portal/account/two-factor")
	b.expectText("#state", "off")
	b.submit("#start")
	b.shot("two-factor-qr")
	key := b.text("#totp-secret")
	if qr := b.qrText("#qr"); !strings.Contains(qr, "secret="+key) || !strings.Contains(qr, "portal") {
		t.Fatalf("QR code %q does not carry the key %s of the portal login", qr, key)
	}
	b.fill("#code", totpCode(t, key, s.Clock.Now()))
	b.submit("#enable")
	b.expectText("#notice", "Two-factor login is on")
	b.expectText("#state", "on")

	// Log out from My Account.
	b.submit("#logout")
	b.expectText("#notice", "You have logged out")
	b.login(h.ID, h.Password)
	b.expectPath("/portal/login/totp")
	b.shot("login-totp")
	s.Clock.Advance(30 * time.Second)
	b.fill("#code", otherCode(totpCode(t, key, s.Clock.Now())))
	b.submit("#submit")
	b.expectText("#error", "The authenticator code is wrong")
	b.shot("login-totp-wrong")
	b.open("/portal/sign")
	b.expectPath("/portal/login/totp") // still only half logged in
	b.fill("#code", totpCode(t, key, s.Clock.Now()))
	b.submit("#submit")
	b.expectPath("/portal/sign")
	s.Clock.Advance(30 * time.Second)
	b.open("/portal/account/two-factor")
	b.fill("#code", totpCode(t, key, s.Clock.Now()))
	b.submit("#disable")
	b.expectText("#notice", "Two-factor login is off")

	// Change password: the policy is on the page and enforced.
	b.open("/portal/account/password")
	b.expectText("#policy", "at least 8 characters")
	b.expectText("#policy", "no character more than twice in a row")
	b.expectText("#policy", "180 days")
	b.shot("password")
	before := now().hash
	b.fill("#current", h.Password, "#new", "weakpass", "#confirm", "weakpass", "#otp", "123456")
	b.submit("#change-password")
	b.expectText("#error", "an upper-case letter")
	b.expectText("#error", "a digit")
	b.shot("password-policy")

	// Wrong OTP.
	s.Clock.Advance(21 * time.Second)
	b.submit("#send-code")
	code := s.LastCode(t, h.Phone)
	next := "Brand-New-Pass7%"
	b.fill("#current", h.Password, "#new", next, "#confirm", next, "#otp", otherCode(code))
	b.submit("#change-password")
	b.expectText("#error", "The one-time code is wrong or has expired")
	b.shot("password-wrong-otp")
	if now().hash != before {
		t.Fatal("a wrong code changed the password")
	}

	// Wrong current password.
	b.fill("#current", "Not-My-Pass1!", "#new", next, "#confirm", next, "#otp", code)
	b.submit("#change-password")
	b.expectText("#error", "The current password is wrong")
	b.shot("password-wrong-current")
	if now().hash != before {
		t.Fatal("a wrong current password changed the password")
	}

	// A forged form (wrong CSRF token).
	s.Clock.Advance(21 * time.Second)
	b.submit("#send-code")
	b.eval(`document.querySelector('form[action="/portal/account/password"] input[name=csrf]').value = "forged"`)
	b.fill("#current", h.Password, "#new", next, "#confirm", next, "#otp", s.LastCode(t, h.Phone))
	b.submit("#change-password")
	b.expectText("#error", "did not come from this site, so nothing was changed")
	b.shot("password-csrf")
	if now().hash != before {
		t.Fatal("a forged form changed the password")
	}

	// An expired session.
	b.open("/portal/account/password")
	b.fill("#current", h.Password, "#new", next, "#confirm", next, "#otp", s.LastCode(t, h.Phone))
	s.Clock.Advance(s.App.Sessions.Config().IdleTimeout + time.Second)
	b.submit("#change-password")
	b.expectPath("/portal/account/password") // the form's target, answered with the login page
	b.expectText("#error", "Your session has expired, so nothing was changed")
	b.shot("password-session-expired")
	if now().hash != before {
		t.Fatal("a form posted after the session expired changed the password")
	}

	// The change itself: every session ends, the new password works.
	other := newTab(t, s)
	other.login(h.ID, h.Password)
	b.login(h.ID, h.Password)
	b.open("/portal/account/password")
	s.Clock.Advance(21 * time.Second)
	b.submit("#send-code")
	b.fill("#current", h.Password, "#new", next, "#confirm", next, "#otp", s.LastCode(t, h.Phone))
	b.submit("#change-password")
	b.expectPath("/portal/login")
	b.expectText("#notice", "every session has ended")
	b.shot("password-changed")
	other.open("/portal/sign")
	other.expectPath("/portal/login")
	b.login(h.ID, next)
	b.expectPath("/portal/sign")
	if msgs := s.Outbox(t); !strings.Contains(msgs[len(msgs)-1].Text, "password was changed") {
		t.Fatalf("no notice of the password change: %+v", msgs[len(msgs)-1])
	}
}
