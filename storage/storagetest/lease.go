package storagetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/storage"
)

// testLeases: one holder at a time, renewal by the holder, takeover after
// expiry or release, and exactly one winner among concurrent nodes.
func testLeases(t *testing.T, s storage.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ttl := 3 * time.Minute
	steps := []struct {
		holder string
		at     time.Duration
		want   bool
	}{
		{"a", 0, true},                  // free: a takes it
		{"b", time.Minute, false},       // a's, running
		{"a", 2 * time.Minute, true},    // a renews, until 5m
		{"b", 4 * time.Minute, false},   // still a's after the renewal
		{"b", 5*time.Minute + 1, true},  // expired: b takes over
		{"a", 5*time.Minute + 2, false}, // a's is gone
	}
	for i, st := range steps {
		got, err := s.AcquireLease(ctx, "job/lifecycle", st.holder, t0.Add(st.at), ttl)
		must(t, err)
		if got != st.want {
			t.Fatalf("step %d: %s acquires at %v = %v, want %v", i, st.holder, st.at, got, st.want)
		}
	}
	// Another job's lease is independent.
	if got, err := s.AcquireLease(ctx, "job/janitor", "a", t0.Add(5*time.Minute+3), ttl); err != nil || !got {
		t.Fatalf("a second lease: %v %v", got, err)
	}
	// Releasing someone else's lease does nothing; releasing one's own frees it.
	must(t, s.ReleaseLease(ctx, "job/lifecycle", "a"))
	if got, _ := s.AcquireLease(ctx, "job/lifecycle", "a", t0.Add(6*time.Minute), ttl); got {
		t.Fatal("a release by a non-holder freed the lease")
	}
	must(t, s.ReleaseLease(ctx, "job/lifecycle", "b"))
	if got, err := s.AcquireLease(ctx, "job/lifecycle", "a", t0.Add(6*time.Minute), ttl); err != nil || !got {
		t.Fatalf("after b's release a acquires = %v %v", got, err)
	}

	// Concurrent nodes on a free lease: exactly one wins.
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			got, err := s.AcquireLease(ctx, "job/race", fmt.Sprintf("node%d", i), t0, ttl)
			if err != nil {
				t.Errorf("node%d: %v", i, err)
			}
			if got {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d nodes hold the same lease, want 1", won.Load())
	}
}
