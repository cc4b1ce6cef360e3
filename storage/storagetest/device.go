package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// RunDevices exercises the enrolment app's aggregates on a fresh, empty
// store.
func RunDevices(t *testing.T, open func(t *testing.T) storage.Devices) {
	t.Run("app-logins", func(t *testing.T) { testAppLogins(t, open(t)) })
	t.Run("devices", func(t *testing.T) { testDevices(t, open(t)) })
	t.Run("device-tokens", func(t *testing.T) { testDeviceTokens(t, open(t)) })
	t.Run("proof-ids", func(t *testing.T) { testProofIDs(t, open(t)) })
}

func testAppLogins(t *testing.T, s storage.Devices) {
	ctx := context.Background()
	l := &storage.AppLogin{Key: "k1", CustomerID: "c1", Mobile: "+393331234567", CreatedAt: t0, ExpiresAt: t0.Add(5 * time.Minute)}
	must(t, s.PutAppLogin(ctx, l))
	wantKind(t, s.PutAppLogin(ctx, l), errs.Conflict)
	if got, err := s.AppLogin(ctx, "k1"); err != nil || got.CustomerID != "c1" {
		t.Fatalf("login = %+v, %v", got, err)
	}
	got, err := s.TakeAppLogin(ctx, "k1")
	must(t, err)
	if got.CustomerID != "c1" || got.Mobile != l.Mobile || !got.ExpiresAt.Equal(l.ExpiresAt) {
		t.Fatalf("login = %+v", got)
	}
	_, err = s.TakeAppLogin(ctx, "k1")
	wantKind(t, err, errs.NotFound) // single use
}

func testDevices(t *testing.T, s storage.Devices) {
	ctx := context.Background()
	wantKind(t, s.CreateDevice(ctx, &storage.Device{ID: "d0", CustomerID: "c1"}), errs.Internal)
	d := &storage.Device{ID: "d1", CustomerID: "c1", Name: "Pixel", Platform: "android", JWK: []byte(`{"kty":"EC"}`), JKT: "abc", Attestation: "not attested", CreatedAt: t0}
	must(t, s.CreateDevice(ctx, d))
	wantKind(t, s.CreateDevice(ctx, d), errs.Conflict)
	got, err := s.Device(ctx, "d1")
	must(t, err)
	if got.JKT != "abc" || string(got.JWK) != `{"kty":"EC"}` || got.Attestation != "not attested" {
		t.Fatalf("device = %+v", got)
	}
	_, err = s.Device(ctx, "d2")
	wantKind(t, err, errs.NotFound)
}

func testDeviceTokens(t *testing.T, s storage.Devices) {
	ctx := context.Background()
	for _, tok := range []*storage.DeviceToken{
		{Key: "a1", Kind: "access", DeviceID: "d1", CustomerID: "c1", CreatedAt: t0, ExpiresAt: t0.Add(5 * time.Minute)},
		{Key: "r1", Kind: "refresh", DeviceID: "d1", CustomerID: "c1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)},
	} {
		must(t, s.PutDeviceToken(ctx, tok))
		wantKind(t, s.PutDeviceToken(ctx, tok), errs.Conflict)
	}
	got, err := s.DeviceToken(ctx, "a1")
	must(t, err)
	if got.Kind != "access" || got.DeviceID != "d1" {
		t.Fatalf("token = %+v", got)
	}
	if _, err := s.TakeDeviceToken(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.TakeDeviceToken(ctx, "r1")
	wantKind(t, err, errs.NotFound)
	// The janitor removes what expired, and only that.
	must(t, s.PutAppLogin(ctx, &storage.AppLogin{Key: "l1", CustomerID: "c1", ExpiresAt: t0.Add(time.Minute)}))
	must(t, s.UseProofID(ctx, "p1", t0, t0.Add(2*time.Minute)))
	n, err := s.DeleteExpiredDeviceRecords(ctx, t0.Add(3*time.Minute))
	must(t, err)
	if n != 2 {
		t.Fatalf("deleted %d records at +3 min, want the login and the proof ID", n)
	}
	if _, err := s.DeviceToken(ctx, "a1"); err != nil {
		t.Fatalf("an unexpired token was deleted: %v", err)
	}
	n, err = s.DeleteExpiredDeviceRecords(ctx, t0.Add(5*time.Minute))
	must(t, err)
	if n != 1 {
		t.Fatalf("deleted %d records at +5 min, want the access token", n)
	}
}

func testProofIDs(t *testing.T, s storage.Devices) {
	ctx := context.Background()
	must(t, s.UseProofID(ctx, "jkt/j1", t0, t0.Add(2*time.Minute)))
	wantKind(t, s.UseProofID(ctx, "jkt/j1", t0.Add(time.Minute), t0.Add(3*time.Minute)), errs.Conflict)
	must(t, s.UseProofID(ctx, "jkt/j2", t0, t0.Add(2*time.Minute)))
	// Once its record expired, the ID may be recorded again (the proof's
	// own iat window refuses an old proof long before).
	must(t, s.UseProofID(ctx, "jkt/j1", t0.Add(2*time.Minute), t0.Add(4*time.Minute)))
}
