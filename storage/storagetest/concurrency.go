package storagetest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// The cases below are what several qesd nodes on one database rely on:
// every caller runs at once, and the store alone decides who wins.

// concurrency is how many callers race in each case: enough to make
// PostgreSQL's serialisable transactions conflict and retry.
const concurrency = 16

// race runs f(i) for i in [0, n) at once and waits for them all.
func race(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// N callers spend the one hash a SAD authorizes: exactly one signs.
func testSADHashSpentOnce(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, s.PutSAD(ctx, &storage.SAD{Key: []byte("one"), Hashes: []string{"h"}, Remaining: 1, ExpiresAt: time.Now().Add(time.Hour)}))
	var mu sync.Mutex
	won := 0
	race(concurrency, func(int) {
		err := s.UpdateSAD(ctx, []byte("one"), func(sad *storage.SAD) error {
			if !slices.Contains(sad.Hashes, "h") || sad.Remaining < 1 {
				return errs.M(errs.HashNotAuthorized, msg.HashNotAuthorized)
			}
			sad.Hashes = slices.DeleteFunc(sad.Hashes, func(x string) bool { return x == "h" })
			sad.Remaining--
			return nil
		})
		switch {
		case err == nil:
			mu.Lock()
			won++
			mu.Unlock()
		case errs.Is(err, errs.NotFound), errs.Is(err, errs.HashNotAuthorized):
		default:
			t.Errorf("spend: %v, want success, NotFound or HashNotAuthorized", err)
		}
	})
	if won != 1 {
		t.Fatalf("%d callers spent the one hash, want exactly 1", won)
	}
	wantKind(t, s.UpdateSAD(ctx, []byte("one"), func(*storage.SAD) error { return nil }), errs.NotFound)
}

// N callers take one token (TakeToken, single use): exactly one gets it.
func testTokenTakenOnce(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, s.PutToken(ctx, &storage.Token{ID: "code-1", Kind: "access", HolderID: "alice", ExpiresAt: time.Now().Add(time.Minute)}))
	var mu sync.Mutex
	got := 0
	race(concurrency, func(int) {
		tok, err := s.TakeToken(ctx, "code-1")
		switch {
		case err == nil:
			if tok.ID != "code-1" || tok.HolderID != "alice" {
				t.Errorf("took %+v", tok)
			}
			mu.Lock()
			got++
			mu.Unlock()
		case !errs.Is(err, errs.NotFound):
			t.Errorf("take: %v, want the token or NotFound", err)
		}
	})
	if got != 1 {
		t.Fatalf("the code was taken %d times, want exactly once", got)
	}
	_, err := s.Token(ctx, "code-1")
	wantKind(t, err, errs.NotFound)
}

// N callers draw CRL numbers: no number twice, and each caller's numbers
// strictly increase (a later CRL never has a smaller number).
func testCRLNumbersConcurrent(t *testing.T, s storage.Store) {
	ctx := context.Background()
	const each = 8
	drawn := make([][]uint64, concurrency)
	race(concurrency, func(i int) {
		for range each {
			n, err := s.NextCRLNumber(ctx)
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
				return
			}
			drawn[i] = append(drawn[i], n)
		}
	})
	seen := map[uint64]int{}
	for i, ns := range drawn {
		for j, n := range ns {
			if j > 0 && n <= ns[j-1] {
				t.Errorf("caller %d drew %d after %d: not strictly increasing", i, n, ns[j-1])
			}
			if prev, dup := seen[n]; dup {
				t.Errorf("CRL number %d drawn by callers %d and %d", n, prev, i)
			}
			seen[n] = i
		}
	}
	next, err := s.NextCRLNumber(ctx)
	must(t, err)
	if want := uint64(concurrency*each + 1); next != want {
		t.Errorf("after %d numbers the next is %d, want %d", concurrency*each, next, want)
	}
}
