package app_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/app"
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
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx, ln) }()

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
