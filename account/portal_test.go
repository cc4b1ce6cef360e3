package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
)

// The self-service rules, on a real server: the portal's browser tests
// walk through the pages; these pin the rules at their edges.

func wrong(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func TestAccountCodesAreBoundToPurposeAndAddress(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	p, ctx := s.App.Accounts, context.Background()

	// A code sent to one address does not confirm another.
	if err := p.StartRecoveryEmail(ctx, h.ID, "a@example.net"); err != nil {
		t.Fatal(err)
	}
	codeA := s.LastCode(t, "a@example.net")
	if err := p.ConfirmRecoveryEmail(ctx, h.ID, "b@example.net", codeA); !errs.Is(err, errs.InvalidOTP) {
		t.Fatalf("a's code confirming b: %v", err)
	}
	// A code for one purpose does not do another.
	if err := p.SendTestCode(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	test := s.LastCode(t, h.Phone)
	if err := p.ChangePassword(ctx, account.PasswordChange{HolderID: h.ID, Current: h.Password, New: "Other-Pass5!", Confirm: "Other-Pass5!", OTP: test}); !errs.Is(err, errs.InvalidOTP) {
		t.Fatalf("a test code changing the password: %v", err)
	}
	if err := p.ConfirmRecoveryEmail(ctx, h.ID, "a@example.net", codeA); err != nil {
		t.Fatalf("the right code for the right address: %v", err)
	}
	// Codes are single use.
	if err := p.ConfirmRecoveryEmail(ctx, h.ID, "a@example.net", codeA); !errs.Is(err, errs.InvalidOTP) {
		t.Fatalf("a code used twice: %v", err)
	}
}

func TestWrongAccountCodesLockAccountChanges(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	p, ctx := s.App.Accounts, context.Background()
	max := s.App.Accounts.Config().MaxOTPFailures
	for i := 0; i < max; i++ {
		if i%3 == 0 { // an SMS code dies after 3 wrong guesses: ask again
			s.Clock.Advance(21 * time.Second)
			if err := p.SendTestCode(ctx, h.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.CheckTestCode(ctx, h.ID, wrong(s.LastCode(t, h.Phone))); !errs.Is(err, errs.InvalidOTP) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	s.Clock.Advance(21 * time.Second)
	if err := p.SendTestCode(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckTestCode(ctx, h.ID, s.LastCode(t, h.Phone)); !errs.Is(err, errs.Locked) {
		t.Fatalf("right code after %d wrong ones: %v, want locked", max, err)
	}
	s.Clock.Advance(s.App.Accounts.Config().OTPLockout)
	if err := p.SendTestCode(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckTestCode(ctx, h.ID, s.LastCode(t, h.Phone)); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
}

func TestOTPPhoneChangeNeedsBothNumbers(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	p, ctx := s.App.Accounts, context.Background()
	next := "+393475550000"
	// Without the current number's code, nothing is sent to the new one.
	if err := p.AuthorizeOTPPhoneChange(ctx, h.ID, "123456", next); !errs.Is(err, errs.InvalidOTP) {
		t.Fatalf("authorising without a code: %v", err)
	}
	for _, m := range s.Outbox(t) {
		if m.To == next {
			t.Fatal("a code went to the new number before the current one authorised it")
		}
	}
	if err := p.StartOTPPhoneChange(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.AuthorizeOTPPhoneChange(ctx, h.ID, s.LastCode(t, h.Phone), next); err != nil {
		t.Fatal(err)
	}
	// The new number's code confirms that number only.
	if err := p.ConfirmOTPPhoneChange(ctx, h.ID, "+393475550001", s.LastCode(t, next)); !errs.Is(err, errs.InvalidOTP) {
		t.Fatalf("confirming another number: %v", err)
	}
	if err := p.ConfirmOTPPhoneChange(ctx, h.ID, next, s.LastCode(t, next)); err != nil {
		t.Fatal(err)
	}
	if acct, _ := p.Account(ctx, h.ID); acct.Phone != next {
		t.Fatalf("OTP number %s, want %s", acct.Phone, next)
	}
}
