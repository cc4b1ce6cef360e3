package app_test

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/storage"
)

// qesd makes the ra-seal key at start-up, certified by the issuing CA,
// and its evidence job seals an ended enrolment once.
func TestEvidenceJobSeals(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	ctx := context.Background()
	rec, err := s.App.Store.Authority(ctx, ca.SealAuthority)
	if err != nil {
		t.Fatal(err)
	}
	seal, err := x509.ParseCertificate(rec.Certificates[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := seal.CheckSignatureFrom(s.App.Authorities.IssuingChain[0]); err != nil || len(rec.Certificates) != 3 {
		t.Fatalf("the ra-seal certificate is not the issuing CA's: %v", err)
	}
	now := s.Clock.Now()
	if err := s.App.Store.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "a@example.org", CreatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.CreateOrder(ctx, &storage.Order{Number: "55-00001-0000000077", CustomerID: "c1", State: "failed", CreatedAt: now,
		Transitions: []storage.Transition{{From: "identifying", To: "failed", At: now}}}, nil); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.App.RunEvidenceJobs(ctx); err != nil {
			t.Fatal(err)
		}
	}
	b, err := s.App.Store.EvidenceBundle(ctx, "55-00001-0000000077")
	if err != nil || len(b.Versions) != 1 || !b.RetainUntil.Equal(now.UTC().Add(8760*time.Hour)) {
		t.Fatalf("bundle %+v (%v): want one version kept the default 12 months", b, err)
	}
}
