package ocsp

import (
	"context"
	"crypto"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	xocsp "golang.org/x/crypto/ocsp"
)

// TestColdCacheSignsOnce: concurrent requests for an uncached serial share
// one Source lookup and one signature.
func TestColdCacheSignsOnce(t *testing.T) {
	p := newTestPKI(t)
	var calls atomic.Int64
	slow := SourceFunc(func(context.Context, *big.Int) (Status, error) {
		calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		return Status{State: Good}, nil
	})
	r := newTestResponder(t, p, slow)
	der := mustRequest(t, p.leaves["good"], p.ca.cert, crypto.SHA1)
	var wg sync.WaitGroup
	answers := make([]answer, 32)
	for i := range answers {
		wg.Go(func() { answers[i] = r.respond(context.Background(), der) })
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("Source called %d times for one cold serial, want 1", n)
	}
	for _, a := range answers {
		if a.e == nil || a.e != answers[0].e {
			t.Fatal("concurrent requests did not share the one signed response")
		}
	}
}

// TestInvalidateDuringFill: a fill that read the old status while the CA
// changed it must not be cached over the new status.
func TestInvalidateDuringFill(t *testing.T) {
	p := newTestPKI(t)
	leaf := p.leaves["changing"]
	var mu sync.Mutex
	status := Status{State: Good}
	entered, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	src := SourceFunc(func(context.Context, *big.Int) (Status, error) {
		mu.Lock()
		st := status
		mu.Unlock()
		if first.CompareAndSwap(false, true) {
			close(entered)
			<-release // hold the fill open across the status change
		}
		return st, nil
	})
	r := newTestResponder(t, p, src)
	der := mustRequest(t, leaf, p.ca.cert, crypto.SHA1)
	done := make(chan answer)
	go func() { done <- r.respond(context.Background(), der) }()
	<-entered
	mu.Lock()
	status = Status{State: Revoked, RevokedAt: revokedAt, Reason: ReasonKeyCompromise}
	mu.Unlock()
	r.Invalidate(leaf.SerialNumber)
	close(release)
	<-done

	resp := parseFor(t, r.respond(context.Background(), der).e.der, leaf, p.ca.cert)
	if resp.Status != xocsp.Revoked {
		t.Fatalf("after Invalidate the answer is %d; the stale fill was cached", resp.Status)
	}
}

func TestCacheIsBounded(t *testing.T) {
	p := newTestPKI(t)
	r := newTestResponder(t, p, standardSource(p), func(c *Config) { c.MaxCacheEntries = 3 })
	for _, name := range []string{"good", "revoked", "held", "unknown", "changing", "bench"} {
		r.respond(context.Background(), mustRequest(t, p.leaves[name], p.ca.cert, crypto.SHA1))
	}
	if n := r.cache.len(); n != 3 {
		t.Fatalf("cache holds %d entries, want the bound 3", n)
	}
}
