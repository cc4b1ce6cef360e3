package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/qesproject/qes/internal/testutil/pgtest"
	"github.com/qesproject/qes/storage/kv"
)

// The members queued behind a running group share the next transaction:
// a refusal fails only its own caller, a member that fails after writing
// (or panics) leaves nothing behind and the others commit without it, and
// the members that wrote are all there.
func TestGroupMembersShareATransaction(t *testing.T) {
	ctx := context.Background()
	d := openForGroup(t)
	const n = 12
	queued := make(chan struct{}, n+1)
	d.grp.queued = func() { queued <- struct{}{} }

	leaderIn, release := make(chan struct{}), make(chan struct{})
	leaderDone := make(chan error, 1)
	go func() {
		leaderDone <- d.grp.do(ctx, func(kv.Tx) error { close(leaderIn); <-release; return nil })
	}()
	<-queued
	<-leaderIn
	no := errors.New("no")
	results := make([]chan error, n)
	for i := range n {
		results[i] = make(chan error, 1)
		go func() {
			results[i] <- d.grp.do(ctx, func(tx kv.Tx) error {
				b := tx.Bucket([]byte("grouptest"))
				switch i {
				case 0:
					return kv.Refuse(no)
				case 1:
					_ = b.Put([]byte("dirty"), []byte("half"))
					return fmt.Errorf("member 1: %w", no)
				case 2:
					_ = b.Put([]byte("panic"), []byte("half"))
					panic("member 2 panics")
				}
				return b.Put([]byte(fmt.Sprintf("k%02d", i)), []byte("v"))
			})
		}()
	}
	for range n {
		<-queued // all wait behind the leader
	}
	close(release)
	if err := <-leaderDone; err != nil {
		t.Fatal(err)
	}
	for i := range n {
		err := <-results[i]
		switch i {
		case 0, 1:
			if !errors.Is(err, no) {
				t.Errorf("member %d got %v, want its own error", i, err)
			}
		case 2:
			if err == nil {
				t.Error("the panicking member got no error")
			}
		default:
			if err != nil {
				t.Errorf("member %d got %v: another member's failure failed it", i, err)
			}
		}
	}
	err := engine{pool: d.pool}.View(ctx, func(tx kv.Tx) error {
		b := tx.Bucket([]byte("grouptest"))
		for _, k := range []string{"dirty", "panic"} {
			if b.Get([]byte(k)) != nil {
				t.Errorf("the half change %q of a failed member was committed", k)
			}
		}
		for i := 3; i < n; i++ {
			if b.Get([]byte(fmt.Sprintf("k%02d", i))) == nil {
				t.Errorf("member %d's change is missing", i)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Closing answers the callers still waiting, and later callers, with an
// error instead of leaving them hanging.
func TestGroupClosedAnswersWaiters(t *testing.T) {
	ctx := context.Background()
	d := openForGroup(t)
	queued := make(chan struct{}, 2)
	d.grp.queued = func() { queued <- struct{}{} }
	leaderIn, release := make(chan struct{}), make(chan struct{})
	go func() { _ = d.grp.do(ctx, func(kv.Tx) error { close(leaderIn); <-release; return nil }) }()
	<-queued
	<-leaderIn
	waiter := make(chan error, 1)
	go func() { waiter <- d.grp.do(ctx, func(kv.Tx) error { return nil }) }()
	<-queued
	closed := make(chan struct{})
	go func() { d.grp.close(); close(closed) }()
	close(release)
	<-closed
	if err := <-waiter; err == nil {
		// It may have run in the group after the leader's, before the
		// stop was seen: then it committed, which is also an answer.
		t.Log("the waiter's group ran before the close")
	}
	if err := d.grp.do(ctx, func(kv.Tx) error { return nil }); !errors.Is(err, errGroupClosed) {
		t.Fatalf("a call after close got %v, want the closed error", err)
	}
}

// A doSoon member (an outbox delete, the signing history) rides along with
// the next group of do callers instead of a transaction of its own, and
// with no group coming it still commits, alone.
func TestGroupSoonRidesAlong(t *testing.T) {
	ctx := context.Background()
	d := openForGroup(t)
	queued := make(chan struct{}, 4)
	sizes := make(chan int, 8)
	d.grp.queued = func() { queued <- struct{}{} }
	d.grp.ran = func(n int) { sizes <- n }

	leaderIn, release := make(chan struct{}), make(chan struct{})
	leaderDone := make(chan error, 1)
	go func() {
		leaderDone <- d.grp.do(ctx, func(kv.Tx) error { close(leaderIn); <-release; return nil })
	}()
	<-queued
	<-leaderIn
	if n := <-sizes; n != 1 {
		t.Fatalf("the leader's group has %d members", n)
	}
	put := func(k string) func(kv.Tx) error {
		return func(tx kv.Tx) error { return tx.Bucket([]byte("soontest")).Put([]byte(k), []byte("v")) }
	}
	soonDone, nextDone := make(chan error, 1), make(chan error, 1)
	go func() { soonDone <- d.grp.doSoon(ctx, put("history")) }()
	<-queued
	go func() { nextDone <- d.grp.do(ctx, put("sad")) }()
	<-queued
	close(release)
	for _, ch := range []chan error{leaderDone, soonDone, nextDone} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	if n := <-sizes; n != 2 {
		t.Fatalf("the next group has %d members, want 2: the soon member rides along", n)
	}
	// Alone, it goes by itself.
	if err := d.grp.doSoon(ctx, put("late")); err != nil {
		t.Fatal(err)
	}
	if n := <-sizes; n != 1 {
		t.Fatalf("a lone soon member's group has %d members", n)
	}
}

// openForGroup opens a fresh database whose committer a test drives
// directly; it is closed when the test ends (closing twice is harmless).
func openForGroup(t *testing.T) *DB {
	t.Helper()
	d, err := Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// ViewOne sends one statement without a transaction; a closure that reads
// a second key is run again in a snapshot and sees both; a write is
// refused, as in a read-only transaction.
func TestViewOne(t *testing.T) {
	ctx := context.Background()
	d := openForGroup(t)
	e := engine{pool: d.pool}
	b := []byte("viewone")
	if err := e.Update(ctx, func(tx kv.Tx) error {
		if err := tx.Bucket(b).Put([]byte("a"), []byte("1")); err != nil {
			return err
		}
		return tx.Bucket(b).Put([]byte("b"), []byte("2"))
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		keys     []string
		wantRuns int
		want     string
	}{
		{"one key", []string{"a"}, 1, "1"},
		{"two keys", []string{"a", "b"}, 2, "12"},
		{"missing key", []string{"nope"}, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs, got := 0, ""
			err := e.ViewOne(ctx, func(tx kv.Tx) error {
				runs, got = runs+1, ""
				for _, k := range tc.keys {
					got += string(tx.Bucket(b).Get([]byte(k)))
				}
				return nil
			})
			if err != nil || runs != tc.wantRuns || got != tc.want {
				t.Fatalf("ViewOne read %q in %d runs (%v), want %q in %d", got, runs, err, tc.want, tc.wantRuns)
			}
		})
	}
	err := e.ViewOne(ctx, func(tx kv.Tx) error { return tx.Bucket(b).Put([]byte("c"), []byte("3")) })
	if err == nil {
		t.Fatal("a write in ViewOne was accepted")
	}
	if err := e.View(ctx, func(tx kv.Tx) error {
		if tx.Bucket(b).Get([]byte("c")) != nil {
			t.Error("the refused write reached the database")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
