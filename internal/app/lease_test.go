package app_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	xocsp "golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/storage"
)

// TestJobsRunOnlyWhereTheLeaseIs: a job whose lease another node holds
// does not run here (its ticks are seen refused), a free one runs and this
// node holds it; once the other node releases its lease, this node takes
// the job over at its next tick; at shutdown this node releases its
// leases, so another node may take them at once.
func TestJobsRunOnlyWhereTheLeaseIs(t *testing.T) {
	t.Parallel()
	a, ln, sig := openRunnable(t, 0)
	ctx := context.Background()
	if held, err := a.Store.AcquireLease(ctx, "job/led", "other-node", a.Now(), time.Hour); err != nil || !held {
		t.Fatalf("the other node takes the lease: %v %v", held, err)
	}
	var ledRuns atomic.Int32
	ledRan, freeRan := make(chan struct{}, 1), make(chan struct{}, 1)
	app.AddJob(a, "led", time.Millisecond, func(context.Context) error {
		ledRuns.Add(1)
		select {
		case ledRan <- struct{}{}:
		default:
		}
		return nil
	})
	app.AddJob(a, "free", time.Millisecond, func(context.Context) error {
		select {
		case freeRan <- struct{}{}:
		default:
		}
		return nil
	})
	refused := make(chan struct{}, 64)
	app.ObserveLeases(a, func(job string, held bool) {
		if job == "led" && !held {
			select {
			case refused <- struct{}{}:
			default:
			}
		}
	})
	stop, done := startRun(a, ln)

	<-freeRan
	for range 3 {
		<-refused
	}
	if n := ledRuns.Load(); n != 0 {
		t.Fatalf("the job ran %d times here while another node held its lease", n)
	}
	if err := a.Store.ReleaseLease(ctx, "job/led", "other-node"); err != nil {
		t.Fatal(err)
	}
	<-ledRan // taken over
	stop()
	<-sig.Draining
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Released at shutdown: another node takes both at once.
	for _, job := range []string{"job/led", "job/free"} {
		if held, err := a.Store.AcquireLease(ctx, job, "next-node", a.Now(), time.Minute); err != nil || !held {
			t.Errorf("%s after this node's shutdown: held by the next node = %v, %v", job, held, err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestStatusChangedByAnotherNodeReachesOCSP: a revocation committed to the
// shared register by another node (written to the store here without this
// node's CA, which would drop its cache at once) is still answered "good"
// from this node's OCSP cache until the status sync runs, and "revoked"
// right after it.
func TestStatusChangedByAnotherNodeReachesOCSP(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	ctx := context.Background()
	h := s.NewHolder(t, "ec-p256")
	leaf := holderLeaf(t, s, h.CredentialID)
	if st, _ := s.OCSPStatus(t, leaf); st != xocsp.Good {
		t.Fatalf("OCSP before: %d, want good", st)
	}
	if err := s.App.RunStatusSync(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.OCSPStatus(t, leaf); st != xocsp.Good {
		t.Fatalf("OCSP after a sync with nothing changed: %d", st)
	}
	serial := ca.RegisterKey(leaf)
	now := s.Clock.Now()
	if err := s.App.Store.UpdateCertificate(ctx, serial, func(c *storage.Certificate) error {
		c.Status, c.Reason, c.RevokedAt, c.ChangedAt = storage.CertRevoked, int(ca.ReasonKeyCompromise), now, now
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.OCSPStatus(t, leaf); st != xocsp.Good {
		t.Fatalf("OCSP before the sync: %d; the test needs the cached answer (else it proves nothing)", st)
	}
	if err := s.App.RunStatusSync(ctx); err != nil {
		t.Fatal(err)
	}
	if st, reason := s.OCSPStatus(t, leaf); st != xocsp.Revoked || reason != int(ca.ReasonKeyCompromise) {
		t.Fatalf("OCSP after the sync: status %d reason %d, want revoked (keyCompromise)", st, reason)
	}
}
