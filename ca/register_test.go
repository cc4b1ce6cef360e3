package ca

import (
	"context"
	"crypto/x509"
	"math/big"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/fakeclock"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
)

type registerFixture struct {
	pki     *testPKI
	store   *bolt.DB
	svc     *Service
	mu      sync.Mutex
	clock   *fakeclock.Clock
	changes []Transition
}

func newRegisterFixture(t *testing.T) *registerFixture {
	t.Helper()
	f := &registerFixture{pki: newTestPKI(t, algP256, algP256)}
	f.clock = fakeclock.New(f.pki.clock.Now())
	var err error
	if f.store, err = bolt.Open(filepath.Join(t.TempDir(), "qes.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.store.Close() })
	f.svc = NewService(ServiceConfig{Store: f.store, Issuer: f.pki.issuer, Lifecycle: Lifecycle{MaxSuspension: time.Hour}, Now: f.clock.Now})
	f.svc.Observe(func(_ context.Context, ch []Transition) {
		f.mu.Lock()
		f.changes = append(f.changes, ch...)
		f.mu.Unlock()
	})
	return f
}

func (f *registerFixture) advance(d time.Duration) {
	f.clock.Advance(d)
	f.pki.clock.Advance(d) // the issuer's clock, for CRL thisUpdate
}

func (f *registerFixture) take() []Transition {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.changes
	f.changes = nil
	return out
}

func (f *registerFixture) register(t *testing.T, serial int64, notAfter time.Time) *big.Int {
	t.Helper()
	err := f.store.CreateCertificate(context.Background(), &storage.Certificate{
		Serial: serialKey(big.NewInt(serial)), HolderID: "alice", CredentialID: "c1",
		NotBefore: f.clock.Now().Add(-time.Minute), NotAfter: notAfter, Status: storage.CertActive, ChangedAt: f.clock.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return big.NewInt(serial)
}

// TestRegisterTransitions: operations commit, publish exactly the committed
// changes, refuse illegal ones without publishing, and store a lapse found
// on the way.
func TestRegisterTransitions(t *testing.T) {
	f := newRegisterFixture(t)
	ctx := context.Background()
	a := f.register(t, 0x10, f.clock.Now().AddDate(1, 0, 0))
	b := f.register(t, 0x11, f.clock.Now().Add(2*time.Hour))

	f.advance(time.Second)
	tr, err := f.svc.Suspend(ctx, a)
	if err != nil || tr.From != StateValid || tr.To != StateSuspended || tr.Reason != ReasonCertificateHold || tr.CredentialID != "c1" {
		t.Fatalf("suspend: %+v %v", tr, err)
	}
	if got := f.take(); len(got) != 1 || got[0].Serial.Cmp(a) != 0 {
		t.Fatalf("observers saw %v, want the one suspension", got)
	}
	if _, err := f.svc.Suspend(ctx, a); !errs.Is(err, errs.Conflict) {
		t.Fatalf("second suspend: %v, want conflict", err)
	}
	if _, err := f.svc.Revoke(ctx, big.NewInt(0x99), ReasonKeyCompromise); !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown serial: %v, want not found", err)
	}
	if _, err := f.svc.Revoke(ctx, b, ReasonCertificateHold); !errs.Is(err, errs.InvalidRequest) {
		t.Fatalf("revoke with certificateHold: %v, want invalid request", err)
	}
	if got := f.take(); len(got) != 0 {
		t.Fatalf("refused operations published %v", got)
	}

	// Past the (1 hour) maximum a reactivation is refused, and the lapse it
	// found is stored and published.
	f.advance(time.Hour)
	tr, err = f.svc.Reactivate(ctx, a)
	if !errs.Is(err, errs.Conflict) || tr.To != StateRevoked {
		t.Fatalf("late reactivate: %+v %v, want the lapse and a conflict", tr, err)
	}
	if got := f.take(); len(got) != 1 || got[0].To != StateRevoked || got[0].Reason != ReasonUnspecified {
		t.Fatalf("observers saw %v, want the lapse", got)
	}
	rec, err := f.store.Certificate(ctx, serialKey(a))
	if err != nil || rec.Status != storage.CertRevoked || !rec.RevokedAt.Equal(rec.SuspendedAt) {
		t.Fatalf("stored lapse %+v %v: revoked, dated at the start of the hold", rec, err)
	}

	// Sweep stores expiry once.
	f.advance(2 * time.Hour)
	changes, err := f.svc.Sweep(ctx)
	if err != nil || len(changes) != 1 || changes[0].Serial.Cmp(b) != 0 || changes[0].To != StateExpired {
		t.Fatalf("sweep: %v %v", changes, err)
	}
	if got := f.take(); len(got) != 1 {
		t.Fatalf("sweep published %v", got)
	}
	if changes, err := f.svc.Sweep(ctx); err != nil || len(changes) != 0 {
		t.Fatalf("second sweep: %v %v", changes, err)
	}
}

// TestCRLPublisher: the issuing CRL lists holds with certificateHold and
// revocations with their reason (lapsed holds without one, dated at the
// hold), numbers grow, and a reload serves the stored CRL.
func TestCRLPublisher(t *testing.T) {
	f := newRegisterFixture(t)
	ctx := context.Background()
	held := f.register(t, 0x20, f.clock.Now().AddDate(1, 0, 0))
	revoked := f.register(t, 0x21, f.clock.Now().AddDate(1, 0, 0))
	lapsing := f.register(t, 0x22, f.clock.Now().AddDate(1, 0, 0))
	f.register(t, 0x23, f.clock.Now().AddDate(1, 0, 0)) // stays active: not listed
	f.advance(time.Second)
	holdStart := f.clock.Now()
	mustDo := func(_ Transition, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mustDo(f.svc.Suspend(ctx, lapsing))
	f.advance(50 * time.Minute)
	mustDo(f.svc.Suspend(ctx, held))
	mustDo(f.svc.Revoke(ctx, revoked, ReasonKeyCompromise))
	f.advance(15 * time.Minute) // the first hold is past its hour; no sweep ran

	pub, err := NewCRLPublisher(CRLPublisherConfig{Store: f.store, Issuing: f.pki.issuer, Root: f.pki.rootIssuer,
		Lifecycle: f.svc.Lifecycle(), Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Load(ctx); err != nil {
		t.Fatal(err)
	}
	iss, root := pub.Current(CRLIssuing), pub.Current(CRLRoot)
	if iss == nil || root == nil || iss.Number.Cmp(root.Number) == 0 {
		t.Fatalf("Load must issue both CRLs with distinct numbers: %v %v", iss, root)
	}
	crl, err := x509.ParseRevocationList(iss.DER)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(f.pki.issuing); err != nil {
		t.Fatal(err)
	}
	got := map[int64]x509.RevocationListEntry{}
	for _, e := range crl.RevokedCertificateEntries {
		got[e.SerialNumber.Int64()] = e
	}
	want := map[int64]struct {
		reason int
		at     time.Time
	}{
		0x20: {int(ReasonCertificateHold), holdStart.Add(50 * time.Minute)},
		0x21: {int(ReasonKeyCompromise), holdStart.Add(50 * time.Minute)},
		0x22: {int(ReasonUnspecified), holdStart},
	}
	if len(got) != len(want) {
		t.Fatalf("CRL lists %v, want serials 0x20-0x22", got)
	}
	for serial, w := range want {
		e, ok := got[serial]
		if !ok || e.ReasonCode != w.reason || !e.RevocationTime.Equal(w.at.Truncate(time.Second)) {
			t.Errorf("entry %x = %+v, want reason %d at %v", serial, e, w.reason, w.at)
		}
	}
	rootCRL, err := x509.ParseRevocationList(root.DER)
	if err != nil || rootCRL.CheckSignatureFrom(f.pki.root) != nil || len(rootCRL.RevokedCertificateEntries) != 0 {
		t.Fatalf("root CRL: %v", err)
	}

	// A reload serves the same CRLs; a refresh before a day passes keeps
	// them, after a day issues new ones with higher numbers.
	again, _ := NewCRLPublisher(CRLPublisherConfig{Store: f.store, Issuing: f.pki.issuer, Root: f.pki.rootIssuer, Lifecycle: f.svc.Lifecycle(), Now: f.clock.Now})
	if err := again.Load(ctx); err != nil || again.Current(CRLIssuing).Number.Cmp(iss.Number) != 0 {
		t.Fatalf("reload issued a new CRL: %v", err)
	}
	f.advance(23 * time.Hour)
	if err := again.Refresh(ctx); err != nil || again.Current(CRLIssuing).Number.Cmp(iss.Number) != 0 {
		t.Fatalf("refresh before a day re-issued: %v", err)
	}
	f.advance(time.Hour)
	if err := again.Refresh(ctx); err != nil || again.Current(CRLIssuing).Number.Cmp(iss.Number) <= 0 || again.Current(CRLRoot).Number.Cmp(root.Number) <= 0 {
		t.Fatalf("refresh after a day did not re-issue: %v", err)
	}
}

func TestParseRevocationReason(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want RevocationReason
		ok   bool
	}{
		{"keyCompromise", ReasonKeyCompromise, true},
		{"KEYCOMPROMISE", ReasonKeyCompromise, true},
		{"superseded", ReasonSuperseded, true},
		{"unspecified", ReasonUnspecified, true},
		{"certificateHold", ReasonCertificateHold, true}, // parses; the lifecycle refuses it for revocation
		{"", 0, false},
		{"key compromise", 0, false},
		{"reason(7)", 0, false},
	} {
		got, err := ParseRevocationReason(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseRevocationReason(%q) = %v, %v", tc.in, got, err)
		}
		if err != nil && !errs.Is(err, errs.InvalidRequest) {
			t.Errorf("ParseRevocationReason(%q): error kind %v", tc.in, errs.KindOf(err))
		}
	}
}

func FuzzParseRevocationReason(f *testing.F) {
	for _, n := range reasonNames {
		f.Add(n)
	}
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRevocationReason(s)
		if err == nil && !crlEntryReason(r) && r != ReasonRemoveFromCRL && r != ReasonCACompromise && r != ReasonAACompromise {
			t.Fatalf("%q parsed to %v", s, r)
		}
	})
}
