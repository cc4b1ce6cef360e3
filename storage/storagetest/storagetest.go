// Package storagetest is the behaviour every storage.Store must show. A new
// back end (a networked database) proves itself by passing Run.
package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// Run exercises a fresh, empty store returned by open.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("holders", func(t *testing.T) { testHolders(t, open(t)) })
	t.Run("credentials", func(t *testing.T) { testCredentials(t, open(t)) })
	t.Run("sads", func(t *testing.T) { testSADs(t, open(t)) })
	t.Run("sads-concurrent-use", func(t *testing.T) { testSADsConcurrentUse(t, open(t)) })
	t.Run("audit-outbox", func(t *testing.T) { testAuditOutbox(t, open(t)) })
	t.Run("audit-chain", func(t *testing.T) { testAuditChain(t, open(t)) })
	t.Run("leases", func(t *testing.T) { testLeases(t, open(t)) })
	t.Run("sad-hash-spent-once", func(t *testing.T) { testSADHashSpentOnce(t, open(t)) })
	t.Run("token-taken-once", func(t *testing.T) { testTokenTakenOnce(t, open(t)) })
	t.Run("crl-numbers-concurrent", func(t *testing.T) { testCRLNumbersConcurrent(t, open(t)) })
	t.Run("otps", func(t *testing.T) { testOTPs(t, open(t)) })
	t.Run("tokens", func(t *testing.T) { testTokens(t, open(t)) })
	t.Run("certificates", func(t *testing.T) { testCertificates(t, open(t)) })
	t.Run("certificate history", func(t *testing.T) { testCertificateHistory(t, open(t)) })
	t.Run("clients", func(t *testing.T) { testClients(t, open(t)) })
	t.Run("portal-sessions", func(t *testing.T) { testPortalSessions(t, open(t)) })
	t.Run("signature-log", func(t *testing.T) { testSignatureLog(t, open(t)) })
	t.Run("holder-tokens", func(t *testing.T) { testHolderTokens(t, open(t)) })
}

func testClients(t *testing.T, s storage.Store) {
	ctx := context.Background()
	c := &storage.Client{ID: "app", Name: "App", RedirectURIs: []string{"https://app.example/cb"}}
	must(t, s.CreateClient(ctx, c))
	wantKind(t, s.CreateClient(ctx, c), errs.Conflict)
	got, err := s.Client(ctx, "app")
	must(t, err)
	if got.Name != "App" || len(got.RedirectURIs) != 1 {
		t.Fatalf("client = %+v", got)
	}
	_, err = s.Client(ctx, "other")
	wantKind(t, err, errs.NotFound)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantKind(t *testing.T, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("error %v: want kind %v", err, k)
	}
}

func testHolders(t *testing.T, s storage.Store) {
	ctx := context.Background()
	h := &storage.Holder{ID: "alice", PasswordHash: "$argon2id$x", Phone: "+390000"}
	must(t, s.CreateHolder(ctx, h))
	wantKind(t, s.CreateHolder(ctx, h), errs.Conflict)
	_, err := s.Holder(ctx, "bob")
	wantKind(t, err, errs.NotFound)

	must(t, s.UpdateHolder(ctx, "alice", func(h *storage.Holder) error { h.FailedLogins = 3; return nil }))
	refuse := errors.New("no")
	if err := s.UpdateHolder(ctx, "alice", func(h *storage.Holder) error { h.FailedLogins = 99; return refuse }); !errors.Is(err, refuse) {
		t.Fatalf("update error %v, want the fn's error", err)
	}
	got, err := s.Holder(ctx, "alice")
	must(t, err)
	if got.FailedLogins != 3 || got.Phone != "+390000" {
		t.Fatalf("holder after updates = %+v: a failed update must not write", got)
	}
	all, err := s.ListHolders(ctx)
	must(t, err)
	if len(all) != 1 {
		t.Fatalf("ListHolders = %d holders, want 1", len(all))
	}
}

func testCredentials(t *testing.T, s storage.Store) {
	ctx := context.Background()
	wantKind(t, s.CreateCredential(ctx, &storage.Credential{ID: "c0", HolderID: "ghost"}), errs.NotFound)
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "alice"}))
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "alicex"}))
	for _, c := range []*storage.Credential{{ID: "c1", HolderID: "alice"}, {ID: "c2", HolderID: "alice"}, {ID: "c3", HolderID: "alicex"}} {
		must(t, s.CreateCredential(ctx, c))
	}
	wantKind(t, s.CreateCredential(ctx, &storage.Credential{ID: "c1", HolderID: "alice"}), errs.Conflict)
	list, err := s.CredentialsOf(ctx, "alice")
	must(t, err)
	if len(list) != 2 || list[0].ID != "c1" || list[1].ID != "c2" {
		t.Fatalf("CredentialsOf(alice) = %v, want c1 c2 only (not alicex's)", list)
	}
	must(t, s.UpdateCredential(ctx, "c1", func(c *storage.Credential) error { c.PINFailures = 2; return nil }))
	if err := s.UpdateCredential(ctx, "c1", func(c *storage.Credential) error { c.HolderID = "alicex"; return nil }); err == nil {
		t.Fatal("moving a credential to another holder must fail")
	}
	c, err := s.Credential(ctx, "c1")
	must(t, err)
	if c.PINFailures != 2 || c.HolderID != "alice" {
		t.Fatalf("credential = %+v", c)
	}
}

func testSADs(t *testing.T, s storage.Store) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sad := &storage.SAD{Key: []byte("k1"), Hashes: []string{"a", "b"}, Remaining: 2, ExpiresAt: now.Add(time.Minute)}
	must(t, s.PutSAD(ctx, sad))
	wantKind(t, s.PutSAD(ctx, sad), errs.Conflict)
	must(t, s.UpdateSAD(ctx, []byte("k1"), func(s *storage.SAD) error { s.Remaining--; s.Hashes = s.Hashes[1:]; return nil }))
	must(t, s.UpdateSAD(ctx, []byte("k1"), func(s *storage.SAD) error {
		if s.Remaining != 1 || len(s.Hashes) != 1 || s.Hashes[0] != "b" {
			t.Fatalf("SAD after one use = %+v", s)
		}
		s.Remaining--
		return nil
	}))
	wantKind(t, s.UpdateSAD(ctx, []byte("k1"), func(*storage.SAD) error { return nil }), errs.NotFound)

	must(t, s.PutSAD(ctx, &storage.SAD{Key: []byte("old"), Remaining: 1, ExpiresAt: now}))
	must(t, s.PutSAD(ctx, &storage.SAD{Key: []byte("new"), Remaining: 1, ExpiresAt: now.Add(time.Second)}))
	n, err := s.DeleteExpiredSADs(ctx, now)
	must(t, err)
	if n != 1 {
		t.Fatalf("DeleteExpiredSADs removed %d, want 1 (expiry is inclusive)", n)
	}
}

func testOTPs(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, s.PutOTP(ctx, &storage.OTP{Key: "alice/sign/c1", CodeMAC: []byte{1}}))
	must(t, s.PutOTP(ctx, &storage.OTP{Key: "alice/sign/c1", CodeMAC: []byte{2}})) // a new code replaces the old
	must(t, s.UpdateOTP(ctx, "alice/sign/c1", func(o *storage.OTP) (bool, error) {
		if o.CodeMAC[0] != 2 {
			t.Fatalf("the newest code must win, got %v", o.CodeMAC)
		}
		o.Attempts++
		return false, nil
	}))
	must(t, s.UpdateOTP(ctx, "alice/sign/c1", func(o *storage.OTP) (bool, error) { return o.Attempts == 1, nil }))
	wantKind(t, s.UpdateOTP(ctx, "alice/sign/c1", func(*storage.OTP) (bool, error) { return false, nil }), errs.NotFound)
}

func testTokens(t *testing.T, s storage.Store) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	must(t, s.PutToken(ctx, &storage.Token{ID: "a1", GrantID: "g1", ExpiresAt: now.Add(time.Hour)}))
	must(t, s.PutToken(ctx, &storage.Token{ID: "r1", GrantID: "g1", ExpiresAt: now.Add(time.Hour)}))
	must(t, s.PutToken(ctx, &storage.Token{ID: "a2", GrantID: "g2", ExpiresAt: now}))
	must(t, s.PutToken(ctx, &storage.Token{ID: "code", ExpiresAt: now.Add(time.Hour)}))
	if _, err := s.TakeToken(ctx, "code"); err != nil {
		t.Fatal(err)
	}
	_, err := s.TakeToken(ctx, "code")
	wantKind(t, err, errs.NotFound)
	n, err := s.DeleteGrant(ctx, "g1")
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteGrant removed %d, want 2", n)
	}
	n, err = s.DeleteExpiredTokens(ctx, now)
	must(t, err)
	if n != 1 {
		t.Fatalf("DeleteExpiredTokens removed %d, want 1", n)
	}
}

func testCertificates(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, s.CreateCertificate(ctx, &storage.Certificate{Serial: "0a", Status: storage.CertActive}))
	wantKind(t, s.CreateCertificate(ctx, &storage.Certificate{Serial: "0a"}), errs.Conflict)
	e0, err := s.CertificateEpoch(ctx)
	must(t, err)
	must(t, s.UpdateCertificate(ctx, "0a", func(c *storage.Certificate) error { c.Status = storage.CertSuspended; return nil }))
	if e1, err := s.CertificateEpoch(ctx); err != nil || e1 <= e0 {
		t.Fatalf("certificate epoch %d -> %d (%v): a committed update must move it on", e0, e1, err)
	}
	e1, _ := s.CertificateEpoch(ctx)
	refused := errors.New("no")
	if err := s.UpdateCertificate(ctx, "0a", func(*storage.Certificate) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("refused update: %v", err)
	}
	if e2, _ := s.CertificateEpoch(ctx); e2 != e1 {
		t.Fatalf("a refused update moved the epoch %d -> %d", e1, e2)
	}
	var seen []storage.CertStatus
	must(t, s.ListCertificates(ctx, func(c *storage.Certificate) error { seen = append(seen, c.Status); return nil }))
	if len(seen) != 1 || seen[0] != storage.CertSuspended {
		t.Fatalf("ListCertificates = %v", seen)
	}
	a, err := s.NextCRLNumber(ctx)
	must(t, err)
	b, err := s.NextCRLNumber(ctx)
	must(t, err)
	if b <= a {
		t.Fatalf("CRL numbers must increase: %d then %d", a, b)
	}
}

// testCertificateHistory: a record without a status history reads back
// without one; the changes appended in updates read back in order, with
// their times, reasons and the truncation flag; the status index follows
// the current status.
func testCertificateHistory(t *testing.T, s storage.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	must(t, s.CreateCertificate(ctx, &storage.Certificate{Serial: "0c", Status: storage.CertActive, ChangedAt: t0, NotAfter: t0.AddDate(1, 0, 0)}))
	c, err := s.Certificate(ctx, "0c")
	must(t, err)
	if c.History != nil || c.HistoryTruncated {
		t.Fatalf("history of a record written without one: %+v", c.History)
	}
	want := []storage.StatusChange{
		{At: t0.Add(time.Hour), Status: storage.CertSuspended, Reason: 6},
		{At: t0.Add(2 * time.Hour), Status: storage.CertActive},
		{At: t0.Add(3 * time.Hour), Status: storage.CertRevoked, Reason: 1},
	}
	for _, ch := range want {
		must(t, s.UpdateCertificate(ctx, "0c", func(c *storage.Certificate) error {
			c.AddStatusChange(ch)
			c.Status, c.Reason, c.ChangedAt = ch.Status, ch.Reason, ch.At
			return nil
		}))
	}
	c, err = s.Certificate(ctx, "0c")
	must(t, err)
	if len(c.History) != len(want) || c.HistoryTruncated {
		t.Fatalf("history %+v", c.History)
	}
	for i, ch := range c.History {
		if !ch.At.Equal(want[i].At) || ch.Status != want[i].Status || ch.Reason != want[i].Reason {
			t.Fatalf("history %d: %+v, want %+v", i, ch, want[i])
		}
	}
	var revoked []string
	must(t, s.CertificatesWithStatus(ctx, storage.CertRevoked, time.Time{}, func(c *storage.Certificate) error {
		revoked = append(revoked, c.Serial)
		return nil
	}))
	if len(revoked) != 1 || revoked[0] != "0c" {
		t.Fatalf("revoked certificates %v", revoked)
	}
	must(t, s.UpdateCertificate(ctx, "0c", func(c *storage.Certificate) error {
		for i := range storage.MaxStatusHistory {
			c.AddStatusChange(storage.StatusChange{At: t0.Add(time.Duration(4+i) * time.Hour), Status: storage.CertRevoked})
		}
		return nil
	}))
	c, err = s.Certificate(ctx, "0c")
	must(t, err)
	if len(c.History) != storage.MaxStatusHistory || !c.HistoryTruncated {
		t.Fatalf("%d entries, truncated %v", len(c.History), c.HistoryTruncated)
	}
}

// testSADsConcurrentUse is the signing path's load: many requests take
// hashes off one SAD at once, some asking for hashes it does not hold. A
// back end may commit concurrent UpdateSADs together (group commit), but
// each call must behave as if it ran alone, in some order: every hash is
// taken exactly once, a refused call changes nothing and fails nobody
// else, and a fn that runs more than once (a group retried without a
// failing member) is applied once.
func testSADsConcurrentUse(t *testing.T, s storage.Store) {
	ctx := context.Background()
	const n = 48
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = fmt.Sprintf("h%02d", i)
	}
	must(t, s.PutSAD(ctx, &storage.SAD{Key: []byte("shared"), Hashes: hashes, Remaining: n, ExpiresAt: time.Now().Add(time.Hour)}))
	take := func(h string) error {
		return s.UpdateSAD(ctx, []byte("shared"), func(sad *storage.SAD) error {
			for i, x := range sad.Hashes {
				if x == h {
					sad.Hashes = append(sad.Hashes[:i:i], sad.Hashes[i+1:]...)
					sad.Remaining--
					return nil
				}
			}
			return errs.M(errs.HashNotAuthorized, msg.HashNotAuthorized)
		})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := map[string]int{}
	// Every hash is asked for twice, and a stranger hash once per pair.
	for _, h := range hashes {
		for _, ask := range []string{h, h, "x" + h} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := take(ask)
				switch {
				case err == nil:
					mu.Lock()
					taken[ask]++
					mu.Unlock()
				case !errs.Is(err, errs.HashNotAuthorized) && !errs.Is(err, errs.NotFound):
					t.Errorf("take %s: %v", ask, err)
				}
			}()
		}
	}
	wg.Wait()
	for _, h := range hashes {
		if taken[h] != 1 {
			t.Errorf("hash %s taken %d times, want exactly once", h, taken[h])
		}
	}
	if len(taken) != n {
		t.Errorf("%d distinct hashes taken, want %d (no stranger hash)", len(taken), n)
	}
	// Every hash used: the SAD is gone.
	wantKind(t, s.UpdateSAD(ctx, []byte("shared"), func(*storage.SAD) error { return nil }), errs.NotFound)
}
