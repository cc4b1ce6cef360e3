package history_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/history"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
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
	g, err := svc.Authorize(ctx, sam.Authorization{HolderID: h.ID, CredentialID: h.CredentialID, NumSignatures: n, Hashes: hs, PIN: h.PIN, OTP: s.LastCode(t, h.Phone)})
	if err != nil {
		t.Fatal(err)
	}
	p := &authn.Principal{HolderID: h.ID, Scope: authn.ScopeService}
	if _, err := svc.SignHash(ctx, sam.SignRequest{Principal: p, CredentialID: h.CredentialID, SAD: g.SAD, Hashes: hs, SignAlgo: "1.2.840.10045.4.3.2"}); err != nil {
		t.Fatal(err)
	}
}

func report(t *testing.T, s *testutil.Server, holderID string, f history.ReportFilter) *history.Report {
	t.Helper()
	r, err := s.App.History.Report(context.Background(), holderID, f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// flushed waits for the history, written after signHash answers, and
// checks it holds want signatures.
func flushed(t *testing.T, s *testutil.Server, holderID string, want int) {
	t.Helper()
	if err := s.App.Recorder.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := report(t, s, holderID, history.ReportFilter{}).Signatures; got != want {
		t.Fatalf("the history holds %d signatures, want %d", got, want)
	}
}

func TestReportAndDailySummary(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	other := s.NewHolder(t, "ec-p256")
	p, ctx := s.App.History, context.Background()
	day1 := s.Clock.Now()
	sign(t, s, h, 2)
	s.Clock.Advance(24 * time.Hour)
	sign(t, s, h, 3)
	sign(t, s, other, 1)
	flushed(t, s, h.ID, 5)

	all := report(t, s, h.ID, history.ReportFilter{})
	if all.Batches != 2 || len(all.Rows) != 2 || all.Rows[0].Count != 3 || all.Rows[0].Application != history.APIApplication {
		t.Fatalf("report = %+v: want two batches, newest (3) first, application API", all)
	}
	from := time.Date(day1.Year(), day1.Month(), day1.Day(), 0, 0, 0, 0, time.UTC)
	if r := report(t, s, h.ID, history.ReportFilter{From: from, To: from.AddDate(0, 0, 1)}); r.Signatures != 2 {
		t.Fatalf("first day [%v, %v): %d signatures, want 2; all: %+v", from, from.AddDate(0, 0, 1), r.Signatures, all.Rows)
	}
	if _, err := p.Report(ctx, h.ID, history.ReportFilter{CredentialID: other.CredentialID}); !errs.Is(err, errs.NotFound) {
		t.Fatalf("filtering on someone else's credential: %v", err)
	}
	if _, err := p.Report(ctx, h.ID, history.ReportFilter{From: from, To: from}); !errs.Is(err, errs.InvalidRequest) {
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
	if err := s.App.Accounts.SetLanguage(ctx, h.ID, "it"); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(24 * time.Hour)
	if n, _ := p.SendDailyReports(ctx); n != 0 {
		t.Fatal("a summary of a day without signatures")
	}
	sign(t, s, h, 1)
	flushed(t, s, h.ID, 6)
	s.Clock.Advance(24 * time.Hour)
	if n, _ := p.SendDailyReports(ctx); n != 1 || !strings.Contains(sent()[1], "Firme apposte: 1") {
		t.Fatalf("Italian summary: %v", sent())
	}
}

func TestFootprintFormula(t *testing.T) {
	f := history.FootprintOf(1000)
	// 1000 A4 sheets of 80 g/m²: 4.9896 kg; × 0.942 kg CO2e/kg; × 300 l/kg.
	want := history.Footprint{Signatures: 1000, Sheets: 1000, PaperKg: 4.9896, CO2Kg: 4.7002032, WaterLitres: 1496.88}
	if f.Signatures != want.Signatures || f.Sheets != want.Sheets ||
		math.Abs(f.PaperKg-want.PaperKg) > 1e-9 || math.Abs(f.CO2Kg-want.CO2Kg) > 1e-9 || math.Abs(f.WaterLitres-want.WaterLitres) > 1e-9 {
		t.Fatalf("FootprintOf(1000) = %+v, want %+v", f, want)
	}
	if z := history.FootprintOf(0); z != (history.Footprint{}) {
		t.Fatalf("FootprintOf(0) = %+v", z)
	}
}
