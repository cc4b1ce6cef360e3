package credential_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/credential"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/storage"
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
	p, ctx := s.App.Portal, context.Background()

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
	if err := p.ChangePassword(ctx, credential.PasswordChange{HolderID: h.ID, Current: h.Password, New: "Other-Pass5!", Confirm: "Other-Pass5!", OTP: test}); !errs.Is(err, errs.InvalidOTP) {
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
	p, ctx := s.App.Portal, context.Background()
	max := s.App.Credentials.Config().MaxOTPFailures
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
	s.Clock.Advance(s.App.Credentials.Config().OTPLockout)
	if err := p.SendTestCode(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckTestCode(ctx, h.ID, s.LastCode(t, h.Phone)); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
}

func sign(t *testing.T, s *testutil.Server, h testutil.Holder, n int) {
	t.Helper()
	ctx := context.Background()
	svc := s.App.Credentials
	s.Clock.Advance(21 * time.Second)
	if err := svc.SendOTP(ctx, h.ID, h.CredentialID); err != nil {
		t.Fatal(err)
	}
	hs := make([]string, n)
	for i := range hs {
		d := sha256.Sum256([]byte(fmt.Sprint(time.Now().UnixNano(), i)))
		hs[i] = base64.StdEncoding.EncodeToString(d[:])
	}
	g, err := svc.Authorize(ctx, credential.Authorization{HolderID: h.ID, CredentialID: h.CredentialID, NumSignatures: n, Hashes: hs, PIN: h.PIN, OTP: s.LastCode(t, h.Phone)})
	if err != nil {
		t.Fatal(err)
	}
	p := &credential.Principal{HolderID: h.ID, Scope: credential.ScopeService}
	if _, err := svc.SignHash(ctx, credential.SignRequest{Principal: p, CredentialID: h.CredentialID, SAD: g.SAD, Hashes: hs, SignAlgo: "1.2.840.10045.4.3.2"}); err != nil {
		t.Fatal(err)
	}
}

func report(t *testing.T, s *testutil.Server, holderID string, f credential.ReportFilter) *credential.Report {
	t.Helper()
	r, err := s.App.Portal.Report(context.Background(), holderID, f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// waitFor waits for the history, written after signHash answers.
func waitFor(t *testing.T, s *testutil.Server, holderID string, want int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if report(t, s, holderID, credential.ReportFilter{}).Signatures == want {
			return
		}
	}
	t.Fatalf("the history never reached %d signatures", want)
}

func TestReportAndDailySummary(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	other := s.NewHolder(t, "ec-p256")
	p, ctx := s.App.Portal, context.Background()
	day1 := s.Clock.Now()
	sign(t, s, h, 2)
	s.Clock.Advance(24 * time.Hour)
	sign(t, s, h, 3)
	sign(t, s, other, 1)
	waitFor(t, s, h.ID, 5)

	all := report(t, s, h.ID, credential.ReportFilter{})
	if all.Batches != 2 || len(all.Rows) != 2 || all.Rows[0].Count != 3 || all.Rows[0].Application != credential.APIApplication {
		t.Fatalf("report = %+v: want two batches, newest (3) first, application API", all)
	}
	from := time.Date(day1.Year(), day1.Month(), day1.Day(), 0, 0, 0, 0, time.UTC)
	if r := report(t, s, h.ID, credential.ReportFilter{From: from, To: from.AddDate(0, 0, 1)}); r.Signatures != 2 {
		t.Fatalf("first day [%v, %v): %d signatures, want 2; all: %+v", from, from.AddDate(0, 0, 1), r.Signatures, all.Rows)
	}
	if _, err := p.Report(ctx, h.ID, credential.ReportFilter{CredentialID: other.CredentialID}); !errs.Is(err, errs.NotFound) {
		t.Fatalf("filtering on someone else's credential: %v", err)
	}
	if _, err := p.Report(ctx, h.ID, credential.ReportFilter{From: from, To: from}); !errs.Is(err, errs.InvalidRequest) {
		t.Fatalf("an empty range: %v", err)
	}

	// The summary covers whole UTC days, only for holders who asked, once.
	if err := p.SetDailyReport(ctx, h.ID, true); err != nil {
		t.Fatal(err)
	}
	sent := func() []string {
		var out []string
		for _, m := range s.Outbox(t) {
			if m.Purpose == "daily-report" {
				out = append(out, m.To+": "+m.Text)
			}
		}
		return out
	}
	if _, err := p.SendDailyReports(ctx); err != nil || len(sent()) != 0 {
		t.Fatalf("the day is not over yet, but %v (%v)", sent(), err)
	}
	s.Clock.Advance(24 * time.Hour)
	n, err := p.SendDailyReports(ctx)
	if err != nil || n != 1 {
		t.Fatalf("SendDailyReports = %d, %v; want 1", n, err)
	}
	if got := sent(); len(got) != 1 || !strings.Contains(got[0], "Signatures made: 3") || !strings.HasPrefix(got[0], h.ID+"@example.org") {
		t.Fatalf("summaries = %v", got)
	}
	if n, _ := p.SendDailyReports(ctx); n != 0 {
		t.Fatal("the summary went out twice")
	}
	// A day without signatures sends nothing; Italian holders read Italian.
	if err := p.SetLanguage(ctx, h.ID, "it"); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(24 * time.Hour)
	if n, _ := p.SendDailyReports(ctx); n != 0 {
		t.Fatal("a summary of a day without signatures")
	}
	sign(t, s, h, 1)
	waitFor(t, s, h.ID, 6)
	s.Clock.Advance(24 * time.Hour)
	if n, _ := p.SendDailyReports(ctx); n != 1 || !strings.Contains(sent()[1], "Firme apposte: 1") {
		t.Fatalf("Italian summary: %v", sent())
	}
}

func TestFootprintFormula(t *testing.T) {
	f := credential.FootprintOf(1000)
	// 1000 A4 sheets of 80 g/m²: 4.9896 kg; × 0.942 kg CO2e/kg; × 300 l/kg.
	want := credential.Footprint{Signatures: 1000, Sheets: 1000, PaperKg: 4.9896, CO2Kg: 4.7002032, WaterLitres: 1496.88}
	if f.Signatures != want.Signatures || f.Sheets != want.Sheets ||
		math.Abs(f.PaperKg-want.PaperKg) > 1e-9 || math.Abs(f.CO2Kg-want.CO2Kg) > 1e-9 || math.Abs(f.WaterLitres-want.WaterLitres) > 1e-9 {
		t.Fatalf("FootprintOf(1000) = %+v, want %+v", f, want)
	}
	if z := credential.FootprintOf(0); z != (credential.Footprint{}) {
		t.Fatalf("FootprintOf(0) = %+v", z)
	}
}

func TestOTPPhoneChangeNeedsBothNumbers(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	p, ctx := s.App.Portal, context.Background()
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

func TestSessionsStoreOnlyAMAC(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	p, ctx := s.App.Portal, context.Background()
	sess, err := p.Login(ctx, h.ID, h.Password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Store.PortalSession(ctx, sess.Token); !errs.Is(err, errs.NotFound) {
		t.Fatal("the session is stored under its token: a copy of the database would be a login")
	}
	got, err := p.Session(ctx, sess.Token)
	if err != nil || got.HolderID != h.ID || got.CSRF != sess.CSRF || got.CSRF == "" || got.CSRF == sess.Token {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if _, err := p.Session(ctx, strings.Repeat("x", 43)); !errs.Is(err, errs.InvalidToken) {
		t.Fatalf("an unknown token: %v", err)
	}
	var _ storage.PortalSessions = s.App.Store
}
