package otp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage/bolt"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

type fixture struct {
	svc    *otp.Service
	outbox *otp.Outbox
	clock  *testutil.Clock
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := bolt.Open(filepath.Join(dir, "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	mac, err := testutil.HSM(t).MACKey(context.Background(), "otp-test")
	if err != nil {
		t.Fatal(err)
	}
	clock := testutil.NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	outbox := otp.NewOutbox(filepath.Join(dir, "outbox.jsonl"))
	return fixture{svc: otp.New(db, mac, outbox, clock.Now, otp.Config{}), outbox: outbox, clock: clock}
}

// lastCode reads the newest code from the outbox, as a developer would.
func lastCode(t *testing.T, path string) otp.Message {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var m otp.Message
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("outbox line is not JSON: %v", err)
		}
	}
	return m
}

func send(t *testing.T, f fixture, key string) string {
	t.Helper()
	if err := f.svc.Send(context.Background(), otp.Request{Key: key, Channel: "sms", To: "+393331234567", Purpose: "sign"}); err != nil {
		t.Fatal(err)
	}
	m := lastCode(t, f.outbox.Path())
	if m.To != "+393331234567" || m.Channel != "sms" || m.Purpose != "sign" || !otp.ValidFormat(m.Code) || m.Text == "" || m.Time.IsZero() {
		t.Fatalf("outbox message %+v lacks a field", m)
	}
	return m.Code
}

func wrong(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestCodeRules(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, f fixture, code string) error
		want errs.Kind // Internal means success
	}{
		{"right code works", func(t *testing.T, f fixture, c string) error { return f.svc.Verify(ctx, "k", c) }, errs.Internal},
		{"single use", func(t *testing.T, f fixture, c string) error {
			if err := f.svc.Verify(ctx, "k", c); err != nil {
				t.Fatal(err)
			}
			return f.svc.Verify(ctx, "k", c)
		}, errs.InvalidOTP},
		{"bound to its key", func(t *testing.T, f fixture, c string) error { return f.svc.Verify(ctx, "other", c) }, errs.InvalidOTP},
		{"expires after 5 minutes", func(t *testing.T, f fixture, c string) error {
			f.clock.Advance(5 * time.Minute)
			return f.svc.Verify(ctx, "k", c)
		}, errs.InvalidOTP},
		{"valid just before expiry", func(t *testing.T, f fixture, c string) error {
			f.clock.Advance(5*time.Minute - time.Second)
			return f.svc.Verify(ctx, "k", c)
		}, errs.Internal},
		{"three wrong guesses destroy it", func(t *testing.T, f fixture, c string) error {
			for i := 0; i < 3; i++ {
				if err := f.svc.Verify(ctx, "k", wrong(c)); !errs.Is(err, errs.InvalidOTP) {
					t.Fatalf("wrong guess %d: %v", i, err)
				}
			}
			return f.svc.Verify(ctx, "k", c)
		}, errs.InvalidOTP},
		{"two wrong guesses leave it usable", func(t *testing.T, f fixture, c string) error {
			_ = f.svc.Verify(ctx, "k", wrong(c))
			_ = f.svc.Verify(ctx, "k", wrong(c))
			return f.svc.Verify(ctx, "k", c)
		}, errs.Internal},
		{"malformed", func(t *testing.T, f fixture, c string) error { return f.svc.Verify(ctx, "k", "12a456") }, errs.InvalidOTP},
		{"resend is throttled", func(t *testing.T, f fixture, c string) error {
			return f.svc.Send(ctx, otp.Request{Key: "k", Channel: "sms", To: "+39", Purpose: "sign"})
		}, errs.RateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			code := send(t, f, "k")
			err := tt.run(t, f, code)
			if tt.want == errs.Internal {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if !errs.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNewCodeReplacesOld(t *testing.T) {
	f := newFixture(t)
	first := send(t, f, "k")
	f.clock.Advance(30 * time.Second)
	second := send(t, f, "k")
	if first != second {
		if err := f.svc.Verify(context.Background(), "k", first); err == nil {
			t.Fatal("a replaced code must not work")
		}
	}
	if err := f.svc.Verify(context.Background(), "k", second); err != nil {
		t.Fatal(err)
	}
}

func TestTOTP(t *testing.T) {
	e, err := otp.NewTOTP("qes", "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 10, 0, 10, 0, time.UTC)
	code, err := totp.GenerateCode(e.Secret, now)
	if err != nil {
		t.Fatal(err)
	}
	step, err := otp.CheckTOTP(e.Secret, code, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := otp.CheckTOTP(e.Secret, code, now, step); !errs.Is(err, errs.InvalidOTP) {
		t.Fatalf("replayed TOTP: %v, want InvalidOTP", err)
	}
	if _, err := otp.CheckTOTP(e.Secret, code, now.Add(30*time.Second), 0); err != nil {
		t.Fatalf("previous-step code within skew: %v", err)
	}
	if _, err := otp.CheckTOTP(e.Secret, code, now.Add(2*time.Minute), 0); !errs.Is(err, errs.InvalidOTP) {
		t.Fatalf("stale TOTP: %v, want InvalidOTP", err)
	}
	if e.URI == "" || e.URI[:15] != "otpauth://totp/" {
		t.Fatalf("URI = %q", e.URI)
	}
}
