package ca

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/qesproject/qes/storage"
)

// TestStatusAtFromHistory: suspend, reactivate, suspend again and revoke
// under the fake clock; the register answers the status at any past time
// from its history: on hold inside a hold even after the reactivation,
// valid outside it, revoked from the revocation (a revocation during a
// hold dates from the hold).
func TestStatusAtFromHistory(t *testing.T) {
	f := newRegisterFixture(t)
	ctx := context.Background()
	serial := f.register(t, 0x20, f.clock.Now().AddDate(1, 0, 0))
	issued := f.clock.Now()
	step := func(d time.Duration, op func() error) time.Time {
		t.Helper()
		f.advance(d)
		if err := op(); err != nil {
			t.Fatal(err)
		}
		return f.clock.Now()
	}
	hold1 := step(10*time.Minute, func() error { _, err := f.svc.Suspend(ctx, serial); return err })
	lift1 := step(10*time.Minute, func() error { _, err := f.svc.Reactivate(ctx, serial); return err })
	hold2 := step(10*time.Minute, func() error { _, err := f.svc.Suspend(ctx, serial); return err })
	revoked := step(10*time.Minute, func() error { _, err := f.svc.Revoke(ctx, serial, ReasonKeyCompromise); return err })
	for _, tt := range []struct {
		name  string
		at    time.Time
		state State
		since time.Time
	}{
		{"before the first hold", issued.Add(time.Minute), StateValid, time.Time{}},
		{"the instant the hold began", hold1, StateSuspended, hold1},
		{"inside the first hold", hold1.Add(5 * time.Minute), StateSuspended, hold1},
		{"after the reactivation", lift1.Add(time.Minute), StateValid, time.Time{}},
		{"inside the second hold", hold2.Add(time.Minute), StateRevoked, hold2},
		{"after the revocation", revoked.Add(time.Hour), StateRevoked, hold2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.svc.StatusAt(ctx, serial, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tt.state || !got.Since.Equal(tt.since) {
				t.Fatalf("StatusAt(%v) = %+v, want %s since %v", tt.at, got, tt.state, tt.since)
			}
		})
	}
	rec, err := f.store.Certificate(ctx, serialKey(serial))
	if err != nil {
		t.Fatal(err)
	}
	want := []storage.CertStatus{storage.CertSuspended, storage.CertActive, storage.CertSuspended, storage.CertRevoked}
	if len(rec.History) != len(want) {
		t.Fatalf("history %+v", rec.History)
	}
	for i, ch := range rec.History {
		if ch.Status != want[i] {
			t.Fatalf("history %d: %+v, want %s", i, ch, want[i])
		}
	}
	if _, err := f.svc.StatusAt(ctx, big.NewInt(0x99), issued); err == nil {
		t.Fatal("an unknown serial answered")
	}
}

// TestStatusAtWithoutHistory: a record written before the history was
// kept answers from its current status (as before), and a history cut at
// MaxStatusHistory does not answer for the time before it.
func TestStatusAtWithoutHistory(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	active := CertStatus{Status: StateValid}
	held := CertStatus{Status: StateSuspended, SuspendedAt: t0, RevokedAt: t0}
	truncated := &storage.Certificate{History: []storage.StatusChange{{At: t0, Status: storage.CertSuspended}}, HistoryTruncated: true}
	for _, tt := range []struct {
		name  string
		rec   *storage.Certificate
		now   CertStatus
		at    time.Time
		state State
	}{
		{"legacy, active", &storage.Certificate{}, active, t0, StateValid},
		{"legacy, on hold since before", &storage.Certificate{}, held, t0.Add(time.Minute), StateSuspended},
		{"legacy, on hold since after", &storage.Certificate{}, held, t0.Add(-time.Minute), StateValid},
		{"truncated, before the kept history", truncated, held, t0.Add(-time.Minute), ""},
		{"truncated, within it", truncated, held, t0.Add(time.Minute), StateSuspended},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := statusAt(tt.rec, tt.now, tt.at); got.State != tt.state {
				t.Fatalf("%+v, want %q", got, tt.state)
			}
		})
	}
	var c storage.Certificate
	for i := range storage.MaxStatusHistory + 3 {
		c.AddStatusChange(storage.StatusChange{At: t0.Add(time.Duration(i) * time.Minute), Status: storage.CertActive})
	}
	if len(c.History) != storage.MaxStatusHistory || !c.HistoryTruncated || !c.History[0].At.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("%d entries, truncated %v, first %v", len(c.History), c.HistoryTruncated, c.History[0].At)
	}
}
