package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
)

// TestReconcileFinishesInterruptedWork: the lifecycle job completes what a
// crash cut short - a revocation committed to the register whose key was
// never retired, and a certificate issued for a credential that never got
// it (interrupted renewal) - but leaves a fresh one alone (an issuance in
// progress).
func TestReconcileFinishesInterruptedWork(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	ctx := context.Background()
	revoked := s.NewHolder(t, "ec-p256")
	orphaned := s.NewHolder(t, "ec-p256")

	// As if the process stopped right after the register committed.
	leaf := holderLeaf(t, s, revoked.CredentialID)
	keyRef := credentialRecordKey(t, s, revoked.CredentialID)
	if _, err := s.App.CA.Revoke(ctx, leaf.SerialNumber, ca.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	// As if a renewal stopped between issuance and attaching the certificate.
	h, err := s.App.Store.Holder(ctx, orphaned.ID)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	chain, err := s.App.CA.IssueHolderCertificate(ctx, h, orphaned.CredentialID, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	orphan := chain[0].SerialNumber

	if err := s.App.RunLifecycleJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.HSM.Signer(ctx, hsm.KeyRef(keyRef)); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the revoked credential's key survived the reconcile (Signer: %v)", err)
	}
	if c, _ := s.App.Store.Credential(ctx, revoked.CredentialID); c.KeyEnabled || c.KeyDestroyedAt.IsZero() {
		t.Fatalf("credential after reconcile: enabled %v, destroyed at %v", c.KeyEnabled, c.KeyDestroyedAt)
	}
	if st, err := s.App.CA.Status(ctx, orphan); err != nil || st.Status != ca.StateValid {
		t.Fatalf("a certificate younger than the grace period was touched: %v %v", st.Status, err)
	}

	s.Clock.Advance(time.Hour + time.Minute) // past the grace period and the reconcile interval
	if err := s.App.RunLifecycleJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := s.App.CA.Status(ctx, orphan); err != nil || st.Status != ca.StateRevoked || st.Reason != ca.ReasonSuperseded {
		t.Fatalf("orphaned certificate after reconcile: %v %v %v", st.Status, st.Reason, err)
	}
	// The credential's own certificate is untouched.
	if st, err := s.App.CA.Status(ctx, holderLeaf(t, s, orphaned.CredentialID).SerialNumber); err != nil || st.Status != ca.StateValid {
		t.Fatalf("the credential's current certificate: %v %v", st.Status, err)
	}
}
