package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

func testPortalSessions(t *testing.T, s storage.Store) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	mk := func(key, holder string, idle, abs time.Duration) *storage.PortalSession {
		return &storage.PortalSession{Key: key, HolderID: holder, Stage: "active", CreatedAt: now, IdleUntil: now.Add(idle), ExpiresAt: now.Add(abs)}
	}
	must(t, s.PutPortalSession(ctx, mk("k1", "alice", time.Minute, time.Hour)))
	wantKind(t, s.PutPortalSession(ctx, mk("k1", "alice", time.Minute, time.Hour)), errs.Conflict)
	must(t, s.PutPortalSession(ctx, mk("k2", "alice", time.Hour, time.Hour)))
	must(t, s.PutPortalSession(ctx, mk("k3", "alicex", time.Hour, 2*time.Hour)))
	must(t, s.PutPortalSession(ctx, mk("k4", "bob", time.Hour, time.Second)))

	must(t, s.UpdatePortalSession(ctx, "k1", func(p *storage.PortalSession) error { p.Stage = "password-expired"; return nil }))
	if err := s.UpdatePortalSession(ctx, "k1", func(p *storage.PortalSession) error { p.HolderID = "bob"; return nil }); err == nil {
		t.Fatal("moving a session to another holder must fail")
	}
	refuse := errors.New("no")
	if err := s.UpdatePortalSession(ctx, "k1", func(p *storage.PortalSession) error { p.Stage = "x"; return refuse }); !errors.Is(err, refuse) {
		t.Fatalf("update error %v, want the fn's error", err)
	}
	got, err := s.PortalSession(ctx, "k1")
	must(t, err)
	if got.Stage != "password-expired" || got.HolderID != "alice" {
		t.Fatalf("session = %+v", got)
	}
	wantKind(t, s.UpdatePortalSession(ctx, "nope", func(*storage.PortalSession) error { return nil }), errs.NotFound)

	// Ending alice's sessions leaves alicex's (a prefix of the ID) and bob's.
	n, err := s.DeleteHolderPortalSessions(ctx, "alice")
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteHolderPortalSessions(alice) = %d, want 2", n)
	}
	for key, want := range map[string]bool{"k1": false, "k2": false, "k3": true, "k4": true} {
		_, err := s.PortalSession(ctx, key)
		if (err == nil) != want {
			t.Fatalf("session %s present = %v, want %v (err %v)", key, err == nil, want, err)
		}
	}
	// Expiry is inclusive: k4 ends at now+1s; k3 lives on.
	n, err = s.DeleteEndedPortalSessions(ctx, now.Add(time.Second))
	must(t, err)
	if n != 1 {
		t.Fatalf("DeleteEndedPortalSessions = %d, want 1", n)
	}
	must(t, s.DeletePortalSession(ctx, "k3"))
	must(t, s.DeletePortalSession(ctx, "k3")) // deleting twice is not an error
	if n, err := s.DeleteHolderPortalSessions(ctx, "alicex"); err != nil || n != 0 {
		t.Fatalf("after delete: %d sessions, %v", n, err)
	}
}

func testHolderTokens(t *testing.T, s storage.Store) {
	ctx := context.Background()
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tok := range []*storage.Token{
		{ID: "a1", HolderID: "alice", GrantID: "g1", ExpiresAt: exp},
		{ID: "r1", HolderID: "alice", GrantID: "g1", ExpiresAt: exp},
		{ID: "a2", HolderID: "alicex", GrantID: "g2", ExpiresAt: exp},
		{ID: "c1", ExpiresAt: exp}, // a client's pushed request: no holder
	} {
		must(t, s.PutToken(ctx, tok))
	}
	n, err := s.DeleteHolderTokens(ctx, "alice")
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteHolderTokens(alice) = %d, want 2", n)
	}
	if n, _ := s.DeleteHolderTokens(ctx, ""); n != 0 {
		t.Fatalf("an empty holder ID deleted %d tokens", n)
	}
	for id, want := range map[string]bool{"a1": false, "r1": false, "a2": true, "c1": true} {
		if _, err := s.Token(ctx, id); (err == nil) != want {
			t.Fatalf("token %s present = %v, want %v", id, err == nil, want)
		}
	}
}

func testSignatureLog(t *testing.T, s storage.Store) {
	ctx := context.Background()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	add := func(holder string, at time.Time, n int) {
		t.Helper()
		must(t, s.AddSignatureBatch(ctx, &storage.SignatureBatch{HolderID: holder, CredentialID: "c1", At: at, Count: n, Application: "API"}))
	}
	add("alice", day.Add(2*time.Hour), 3)
	add("alice", day.Add(-time.Nanosecond), 1)
	add("alice", day.Add(2*time.Hour), 4) // same instant: both kept
	add("alice", day.Add(24*time.Hour), 5)
	add("alicex", day.Add(time.Hour), 7)
	if err := s.AddSignatureBatch(ctx, &storage.SignatureBatch{CredentialID: "c1", At: day}); err == nil {
		t.Fatal("a batch without holder must be refused")
	}
	counts := func(holder string, from, to time.Time) []int {
		var out []int
		must(t, s.SignatureBatches(ctx, holder, from, to, func(b *storage.SignatureBatch) error {
			out = append(out, b.Count)
			return nil
		}))
		return out
	}
	cases := []struct {
		name     string
		from, to time.Time
		want     []int
	}{
		{"one day, end exclusive", day, day.Add(24 * time.Hour), []int{3, 4}},
		{"everything", time.Time{}, time.Time{}, []int{1, 3, 4, 5}},
		{"open end", day.Add(3 * time.Hour), time.Time{}, []int{5}},
		{"empty range", day.Add(3 * time.Hour), day.Add(4 * time.Hour), nil},
	}
	for _, c := range cases {
		got := counts("alice", c.from, c.to)
		if len(got) != len(c.want) {
			t.Fatalf("%s: counts %v, want %v", c.name, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("%s: counts %v, want %v (oldest first)", c.name, got, c.want)
			}
		}
	}
	stop := errors.New("stop")
	if err := s.SignatureBatches(ctx, "alice", time.Time{}, time.Time{}, func(*storage.SignatureBatch) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("fn's error = %v, want it returned", err)
	}
}
