package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/account"
	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
)

// The password reset and the user ID reminder on a real server: codes to
// the recovery contacts through the dev outbox, argon2id-hashed codes in
// bbolt, sessions and tokens from the real services.

const newPassword = "Fresh-Start9?"

// recoveryHolder is a holder whose recovery e-mail was set and proved as
// My Account does it.
func recoveryHolder(t *testing.T, s *testutil.Server) (testutil.Holder, string) {
	t.Helper()
	h := s.NewHolder(t, "ec-p256")
	ctx, p := context.Background(), s.App.Accounts
	addr := "backup." + h.ID + "@example.net"
	if err := p.StartRecoveryEmail(ctx, h.ID, addr); err != nil {
		t.Fatal(err)
	}
	if err := p.ConfirmRecoveryEmail(ctx, h.ID, addr, s.LastCode(t, addr)); err != nil {
		t.Fatal(err)
	}
	return h, addr
}

func passwordHash(t *testing.T, s *testutil.Server, id string) string {
	t.Helper()
	rec, err := s.App.Store.Holder(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rec.PasswordHash
}

func TestPasswordResetRefusals(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	p, ctx := s.App.Accounts, context.Background()
	ttl := p.RecoveryConfig().CodeTTL

	tests := []struct {
		name string
		// noContact: the holder has no recovery e-mail; unknown: the
		// user ID does not exist.
		noContact, unknown bool
		// act tampers with the request after the code was sent.
		act      func(r *account.PasswordReset, code string)
		wantKind errs.Kind
		wantText string
	}{
		{name: "wrong code", act: func(r *account.PasswordReset, code string) { r.Code = wrong(code) }, wantKind: errs.InvalidOTP},
		{name: "expired code", act: func(r *account.PasswordReset, _ string) { s.Clock.Advance(ttl) }, wantKind: errs.InvalidOTP},
		{name: "code of another request", act: func(r *account.PasswordReset, _ string) { r.Ticket, _ = secret.NewToken() }, wantKind: errs.InvalidOTP},
		{name: "forged ticket for the same slot", act: func(r *account.PasswordReset, _ string) { r.Ticket = strings.Repeat("A", 43) + r.Ticket[43:] }, wantKind: errs.InvalidOTP},
		{name: "weak password", act: func(r *account.PasswordReset, _ string) { r.New, r.Confirm = "weakpass", "weakpass" },
			wantKind: errs.InvalidRequest, wantText: "upper-case"},
		{name: "confirmation differs", act: func(r *account.PasswordReset, _ string) { r.Confirm = "Other-Pass9?" }, wantKind: errs.InvalidRequest},
		{name: "repeated characters", act: func(r *account.PasswordReset, _ string) { r.New, r.Confirm = "Paaas-word9", "Paaas-word9" }, wantKind: errs.InvalidRequest},
		{name: "no code", act: func(r *account.PasswordReset, _ string) { r.Code = "" }, wantKind: errs.InvalidRequest},
		{name: "unknown user", unknown: true, wantKind: errs.InvalidOTP},
		{name: "user without recovery contact", noContact: true, wantKind: errs.InvalidOTP},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip := fmt.Sprintf("192.0.2.%d", i+1)
			var h testutil.Holder
			var addr string
			switch {
			case tt.unknown:
				h = testutil.Holder{ID: "nobody" + fmt.Sprint(i)}
			case tt.noContact:
				h = s.NewHolder(t, "ec-p256")
			default:
				h, addr = recoveryHolder(t, s)
			}
			sent := len(s.Outbox(t))
			ticket, err := p.StartPasswordReset(ctx, h.ID, account.RecoveryByEmail, ip)
			if err != nil || ticket == "" {
				t.Fatalf("start: %q, %v; want a ticket whether or not the account exists", ticket, err)
			}
			code := "123456"
			if addr != "" {
				code = s.LastCode(t, addr)
			} else if got := len(s.Outbox(t)); got != sent {
				t.Fatalf("%d messages sent for an account without that contact", got-sent)
			}
			var before string
			if !tt.unknown {
				before = passwordHash(t, s, h.ID)
			}
			r := account.PasswordReset{UserID: h.ID, Ticket: ticket, Code: code, New: newPassword, Confirm: newPassword, ClientIP: ip}
			if tt.act != nil {
				tt.act(&r, code)
			}
			err = p.ResetPassword(ctx, r)
			if !errs.Is(err, tt.wantKind) || !strings.Contains(err.Error()+fmt.Sprint(errs.MessageOf(err)), tt.wantText) {
				t.Fatalf("reset: %v, want %v %q", err, tt.wantKind, tt.wantText)
			}
			if tt.unknown {
				return
			}
			if passwordHash(t, s, h.ID) != before {
				t.Fatal("a refused reset changed the password")
			}
			if _, err := p.AuthenticatePassword(ctx, h.ID, h.Password, ip); err != nil {
				t.Fatalf("the old password stopped working after a refused reset: %v", err)
			}
		})
	}
}

// Refusals that do not look at the code leave it good for the next try;
// a used code never works again; a code guessed wrong too often is gone.
func TestPasswordResetCodeIsSingleUseAndLimited(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	p, ctx := s.App.Accounts, context.Background()
	h, addr := recoveryHolder(t, s)
	const ip = "198.51.100.1"

	ticket, err := p.StartPasswordReset(ctx, h.ID, account.RecoveryByEmail, ip)
	if err != nil {
		t.Fatal(err)
	}
	code := s.LastCode(t, addr)
	r := account.PasswordReset{UserID: h.ID, Ticket: ticket, Code: code, New: "weakpass", Confirm: "weakpass", ClientIP: ip}
	if err := p.ResetPassword(ctx, r); !errs.Is(err, errs.InvalidRequest) {
		t.Fatalf("weak password: %v", err)
	}
	r.New, r.Confirm = newPassword, newPassword
	if err := p.ResetPassword(ctx, r); err != nil {
		t.Fatalf("the code after a weak password was refused: %v", err)
	}
	if _, err := p.AuthenticatePassword(ctx, h.ID, newPassword, ip); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	if _, err := p.AuthenticatePassword(ctx, h.ID, h.Password, "198.51.100.99"); !errs.Is(err, errs.AuthenticationFailed) {
		t.Fatalf("the old password: %v", err)
	}
	// Reused.
	r.New, r.Confirm = "Third-Pass7?", "Third-Pass7?"
	if err := p.ResetPassword(ctx, r); !errs.Is(err, errs.InvalidOTP) {
		t.Fatalf("a code used twice: %v", err)
	}

	// Three wrong guesses destroy a code: the right one then fails too.
	ticket, err = p.StartPasswordReset(ctx, h.ID, account.RecoveryByEmail, ip)
	if err != nil {
		t.Fatal(err)
	}
	code = s.LastCode(t, addr)
	r = account.PasswordReset{UserID: h.ID, Ticket: ticket, New: "Third-Pass7?", Confirm: "Third-Pass7?", ClientIP: ip}
	for range p.RecoveryConfig().CodeAttempts {
		r.Code = wrong(code)
		if err := p.ResetPassword(ctx, r); !errs.Is(err, errs.InvalidOTP) {
			t.Fatalf("wrong code: %v", err)
		}
	}
	r.Code = code
	if err := p.ResetPassword(ctx, r); !errs.Is(err, errs.InvalidOTP) {
		t.Fatalf("the right code after too many wrong ones: %v", err)
	}
	// None of this locked anything else: the password still logs in.
	if _, err := p.AuthenticatePassword(ctx, h.ID, newPassword, ip); err != nil {
		t.Fatalf("login after wrong reset codes: %v", err)
	}
}

// A reset by the recovery mobile, and every session and token ends.
func TestPasswordResetBySMSEndsEverySessionAndToken(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	p, ctx := s.App.Accounts, context.Background()
	h := s.NewHolder(t, "ec-p256")
	const ip, phone = "203.0.113.5", "+393401112233"
	if _, err := p.StartRecoveryPhone(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.SetRecoveryPhone(ctx, h.ID, phone, s.LastCode(t, h.Phone)); err != nil {
		t.Fatal(err)
	}
	web, err := s.App.Sessions.Login(ctx, h.ID, h.Password, ip)
	if err != nil {
		t.Fatal(err)
	}
	api, err := p.Login(ctx, h.ID, h.Password, true, "", ip)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Tokens.Authenticate(ctx, api.Token); err != nil {
		t.Fatalf("the token before the reset: %v", err)
	}

	ticket, err := p.StartPasswordReset(ctx, h.ID, account.RecoveryBySMS, ip)
	if err != nil {
		t.Fatal(err)
	}
	msgs := s.Outbox(t)
	last := msgs[len(msgs)-1]
	if last.To != phone || last.Channel != "sms" || !strings.Contains(last.Text, "reset your password") {
		t.Fatalf("the code went %s to %s: %q", last.Channel, last.To, last.Text)
	}
	if err := p.ResetPassword(ctx, account.PasswordReset{UserID: h.ID, Ticket: ticket, Code: last.Code, New: newPassword, Confirm: newPassword, ClientIP: ip}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Sessions.Session(ctx, web.Token); err == nil {
		t.Fatal("the web session outlived the reset")
	}
	if _, err := s.App.Tokens.Authenticate(ctx, api.Token); err == nil {
		t.Fatal("the access token outlived the reset")
	}
	if _, err := p.LoginWithRefresh(ctx, api.RefreshToken); err == nil {
		t.Fatal("the refresh token outlived the reset")
	}
	if _, err := p.Login(ctx, h.ID, newPassword, false, "", ip); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	msgs = s.Outbox(t)
	if n := msgs[len(msgs)-1]; n.To != h.ID+"@example.org" || !strings.Contains(n.Text, "password was changed") {
		t.Fatalf("no notice to the holder's e-mail: %+v", n)
	}

	// On record, without secrets: the request, the intent before the
	// change and its outcome; neither the code nor the password.
	if err := s.App.Audit.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	raw := s.AuditText(t)
	log := string(raw)
	for _, want := range []string{`"type":"holder.password-reset-request","holder":"` + h.ID + `","detail"`, `"type":"holder.password-reset","holder":"` + h.ID + `","detail"`,
		`"type":"holder.password-reset","holder":"` + h.ID + `","outcome":"ok"`} {
		if !strings.Contains(log, want) {
			t.Errorf("the audit log lacks %s", want)
		}
	}
	if strings.Contains(log, last.Code) || strings.Contains(log, newPassword) || strings.Contains(log, ticket) {
		t.Error("the audit log holds the code, the ticket or the password")
	}
}

type brokenAudit struct{}

func (brokenAudit) Append(context.Context, audit.Event) (uint64, error) {
	return 0, errors.New("disk full")
}

// With the audit log refusing records, nothing is sent and no password
// changes: the answer is 503's kind, as for the password change.
func TestPasswordResetFailsClosedWithoutAudit(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	ctx := context.Background()
	h, addr := recoveryHolder(t, s)
	broken := account.New(account.Deps{Store: s.App.Store, SAM: s.App.Credentials, Tokens: s.App.Tokens, OTP: s.App.OTP,
		Audit: brokenAudit{}, Notify: s.App.Outbox}, account.Config{Argon: secret.Fast})
	sent := len(s.Outbox(t))
	if _, err := broken.StartPasswordReset(ctx, h.ID, account.RecoveryByEmail, "192.0.2.1"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("request without audit: %v", err)
	}
	if _, err := broken.StartPasswordReset(ctx, "nobody", account.RecoveryByEmail, "192.0.2.1"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("request for an unknown user without audit: %v, want the same answer", err)
	}
	if err := broken.RemindUserID(ctx, addr, "192.0.2.1"); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("reminder without audit: %v", err)
	}
	if got := len(s.Outbox(t)); got != sent {
		t.Fatalf("%d messages sent without their audit record", got-sent)
	}
	ticket, err := s.App.Accounts.StartPasswordReset(ctx, h.ID, account.RecoveryByEmail, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	before := passwordHash(t, s, h.ID)
	web, err := s.App.Sessions.Login(ctx, h.ID, h.Password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	err = broken.ResetPassword(ctx, account.PasswordReset{UserID: h.ID, Ticket: ticket, Code: s.LastCode(t, addr), New: newPassword, Confirm: newPassword, ClientIP: "192.0.2.1"})
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("reset without audit: %v", err)
	}
	if passwordHash(t, s, h.ID) != before {
		t.Fatal("the password changed without its audit record")
	}
	if _, err := s.App.Sessions.Session(ctx, web.Token); err != nil {
		t.Fatalf("a refused reset ended the session: %v", err)
	}
}

// A stranger who asks for codes for the holder and guesses them wrong
// spends only the stranger's own requests: the holder's code still works.
func TestPasswordResetCannotLockTheHolderOut(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	p, ctx := s.App.Accounts, context.Background()
	h, addr := recoveryHolder(t, s)
	mine, err := p.StartPasswordReset(ctx, h.ID, account.RecoveryByEmail, "192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	code := s.LastCode(t, addr)
	for i := range 3 {
		theirs, err := p.StartPasswordReset(ctx, h.ID, account.RecoveryByEmail, "203.0.113.66")
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			err := p.ResetPassword(ctx, account.PasswordReset{UserID: h.ID, Ticket: theirs, Code: fmt.Sprintf("%06d", i), New: "Stranger-Pass1!", Confirm: "Stranger-Pass1!", ClientIP: "203.0.113.66"})
			if !errs.Is(err, errs.InvalidOTP) && !errs.Is(err, errs.RateLimited) {
				t.Fatalf("stranger's guess: %v", err)
			}
		}
	}
	if _, err := p.AuthenticatePassword(ctx, h.ID, h.Password, "192.0.2.10"); err != nil {
		t.Fatalf("the holder's login after the stranger's attempts: %v", err)
	}
	if err := p.ResetPassword(ctx, account.PasswordReset{UserID: h.ID, Ticket: mine, Code: code, New: newPassword, Confirm: newPassword, ClientIP: "192.0.2.10"}); err != nil {
		t.Fatalf("the holder's own code after the stranger's attempts: %v", err)
	}
}

// Requests are throttled per address and per user ID or e-mail as typed,
// with the same answers for accounts that exist and ones that do not.
func TestRecoveryThrottle(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	p, ctx := s.App.Accounts, context.Background()
	cfg := p.RecoveryConfig()
	h, addr := recoveryHolder(t, s)

	for _, user := range []string{h.ID, "nobody"} {
		var err error
		for i := 0; i <= cfg.SendsPerSubject; i++ {
			_, err = p.StartPasswordReset(ctx, user, account.RecoveryByEmail, fmt.Sprintf("198.51.100.%d", i+1))
			if i < cfg.SendsPerSubject && err != nil {
				t.Fatalf("%s request %d: %v", user, i+1, err)
			}
		}
		if !errs.Is(err, errs.RateLimited) {
			t.Fatalf("%s: request %d from many addresses: %v, want throttled", user, cfg.SendsPerSubject+1, err)
		}
	}
	sent := 0
	for _, m := range s.Outbox(t) {
		if m.To == addr && strings.Contains(m.Text, "reset your password") {
			sent++
		}
	}
	if sent != cfg.SendsPerSubject {
		t.Fatalf("%d codes reached the holder, want at most %d", sent, cfg.SendsPerSubject)
	}
	// Per address: many user IDs from one address.
	var err error
	for i := 0; i <= cfg.SendsPerAddress; i++ {
		_, err = p.StartPasswordReset(ctx, fmt.Sprintf("guess%d", i), account.RecoveryBySMS, "192.0.2.200")
	}
	if !errs.Is(err, errs.RateLimited) {
		t.Fatalf("request %d from one address: %v, want throttled", cfg.SendsPerAddress+1, err)
	}
	if err := p.RemindUserID(ctx, "someone@example.net", "192.0.2.200"); !errs.Is(err, errs.RateLimited) {
		t.Fatalf("reminder from a throttled address: %v", err)
	}
	// The window passes.
	s.Clock.Advance(cfg.Window)
	if _, err := p.StartPasswordReset(ctx, h.ID, account.RecoveryByEmail, "192.0.2.200"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// Wrong codes: after a few from one address for one user ID, that
	// pair waits, like wrong passwords.
	var last error
	for i := range 10 {
		ticket, _ := secret.NewToken()
		last = p.ResetPassword(ctx, account.PasswordReset{UserID: "nobody", Ticket: ticket, Code: fmt.Sprintf("%06d", i), New: newPassword, Confirm: newPassword, ClientIP: "192.0.2.201"})
	}
	if !errs.Is(last, errs.RateLimited) {
		t.Fatalf("10 wrong codes in a row: %v, want throttled", last)
	}
}

func TestUserIDReminder(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	p, ctx := s.App.Accounts, context.Background()
	h, addr := recoveryHolder(t, s)
	// A second account with the same recovery address (case differs).
	h2 := s.NewHolder(t, "ec-p256")
	if err := p.StartRecoveryEmail(ctx, h2.ID, strings.ToUpper(addr[:1])+addr[1:]); err != nil {
		t.Fatal(err)
	}
	if err := p.ConfirmRecoveryEmail(ctx, h2.ID, strings.ToUpper(addr[:1])+addr[1:], s.LastCode(t, strings.ToUpper(addr[:1])+addr[1:])); err != nil {
		t.Fatal(err)
	}
	before := len(s.Outbox(t))
	if err := p.RemindUserID(ctx, strings.ToUpper(addr), "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	msgs := s.Outbox(t)
	if len(msgs) != before+1 {
		t.Fatalf("%d messages, want 1", len(msgs)-before)
	}
	m := msgs[len(msgs)-1]
	if m.Channel != "email" || !strings.EqualFold(m.To, addr) || !strings.Contains(m.Text, h.ID) || !strings.Contains(m.Text, h2.ID) || m.Code != "" {
		t.Fatalf("reminder: %+v", m)
	}
	// An address no account has: the same answer, nothing sent.
	if err := p.RemindUserID(ctx, "stranger@example.net", "192.0.2.1"); err != nil {
		t.Fatalf("unknown address: %v, want the same answer as a known one", err)
	}
	if got := len(s.Outbox(t)); got != before+1 {
		t.Fatal("a reminder went to an address no account has")
	}
	for _, bad := range []string{"", "not-an-address", "a b@example.net"} {
		if err := p.RemindUserID(ctx, bad, "192.0.2.1"); !errs.Is(err, errs.InvalidRequest) {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	// The holder's own (contact) e-mail is not a recovery address.
	if err := p.RemindUserID(ctx, h.ID+"@example.org", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if got := len(s.Outbox(t)); got != before+1 {
		t.Fatal("a reminder went to the contact e-mail")
	}
}

// Whether a code was stored and sent (or a wrong one counted) or not, no
// answer comes sooner than MinAnswer: the few milliseconds of a write do
// not tell a real account from an unknown one.
func TestRecoveryAnswersNoSooner(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	p, ctx := s.App.Accounts, context.Background()
	floor := p.RecoveryConfig().MinAnswer
	h, _ := recoveryHolder(t, s)
	timed := func(what string, f func() error) {
		t.Helper()
		start := time.Now()
		err := f()
		if d := time.Since(start); d < floor {
			t.Fatalf("%s answered in %v, sooner than %v", what, d, floor)
		}
		if err != nil && !errs.Is(err, errs.InvalidOTP) {
			t.Fatalf("%s: %v", what, err)
		}
	}
	for _, user := range []string{h.ID, "nobody"} {
		var ticket string
		timed("request for "+user, func() (err error) {
			ticket, err = p.StartPasswordReset(ctx, user, account.RecoveryByEmail, "192.0.2.7")
			return err
		})
		timed("wrong code for "+user, func() error {
			return p.ResetPassword(ctx, account.PasswordReset{UserID: user, Ticket: ticket, Code: "000000", New: newPassword, Confirm: newPassword, ClientIP: "192.0.2.7"})
		})
	}
	for _, addr := range []string{"backup." + h.ID + "@example.net", "nobody@example.net"} {
		timed("reminder to "+addr, func() error { return p.RemindUserID(ctx, addr, "192.0.2.7") })
	}
}
