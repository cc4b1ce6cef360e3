package ocsp

import (
	"context"
	"crypto"
	"math/big"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/fakeclock"
	xocsp "golang.org/x/crypto/ocsp"
)

// TestUntilBoundsAHold: a suspension that lapses at a deadline is never
// served past it, from the cache or by nextUpdate, and the responder asks
// the Source again once it passed.
func TestUntilBoundsAHold(t *testing.T) {
	p := newTestPKI(t)
	leaf := p.leaves["good"]
	fc := fakeclock.New(time.Now().UTC().Truncate(time.Second))
	clock, advance := fc.Now, fc.Advance
	holdStart := clock().Add(-time.Hour)
	deadline := clock().Add(10*time.Minute + 500*time.Millisecond)
	src := SourceFunc(func(context.Context, *big.Int) (Status, error) {
		if clock().Before(deadline) {
			return Status{State: Revoked, RevokedAt: holdStart, Reason: ReasonCertificateHold, Until: deadline}, nil
		}
		return Status{State: Revoked, RevokedAt: holdStart, Reason: ReasonUnspecified}, nil
	})
	r := newTestResponder(t, p, src, func(c *Config) { c.Now = clock })
	der := mustRequest(t, leaf, p.ca.cert, crypto.SHA1)
	ask := func() *xocsp.Response {
		t.Helper()
		a := r.respond(context.Background(), der)
		if a.e == nil {
			t.Fatalf("no response (status %d)", a.status)
		}
		return parseFor(t, a.e.der, leaf, p.ca.cert)
	}

	first := ask()
	if first.RevocationReason != xocsp.CertificateHold {
		t.Fatalf("reason %d, want certificateHold", first.RevocationReason)
	}
	if want := deadline.Truncate(time.Second).Add(time.Second); !first.NextUpdate.Equal(want) {
		t.Fatalf("nextUpdate %v, want the deadline rounded up (%v), not thisUpdate+Validity", first.NextUpdate, want)
	}
	advance(10 * time.Minute) // still before the deadline: cached
	if got := ask(); !got.ThisUpdate.Equal(first.ThisUpdate) {
		t.Fatal("a response before the deadline was not served from the cache")
	}
	advance(time.Second) // past the deadline, though younger than Refresh
	got := ask()
	if got.RevocationReason == xocsp.CertificateHold {
		t.Fatal("the cached hold was served after its deadline")
	}
	if !got.NextUpdate.Equal(got.ThisUpdate.Add(DefaultValidity)) {
		t.Fatalf("a final status gets the full validity: nextUpdate %v", got.NextUpdate)
	}
}
