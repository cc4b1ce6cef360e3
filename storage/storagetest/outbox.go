package storagetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// testAuditOutbox: a SAD use and its audit record are durable together or
// not at all, each hash is spent once under concurrent callers, and every
// winner (and only a winner) leaves exactly one outbox record.
func testAuditOutbox(t *testing.T, s storage.Store) {
	ctx := context.Background()
	const n = 32
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = fmt.Sprintf("h%02d", i)
	}
	must(t, s.PutSAD(ctx, &storage.SAD{Key: []byte("sad"), Hashes: hashes, Remaining: n, ExpiresAt: time.Now().Add(time.Hour)}))
	take := func(h string) func(*storage.SAD) error {
		return func(sad *storage.SAD) error {
			for i, x := range sad.Hashes {
				if x == h {
					sad.Hashes = append(sad.Hashes[:i:i], sad.Hashes[i+1:]...)
					sad.Remaining--
					return nil
				}
			}
			return errs.M(errs.HashNotAuthorized, msg.HashNotAuthorized)
		}
	}

	// A missing SAD and a refusing fn write nothing.
	err := s.UseSAD(ctx, []byte("nope"), take("h00"), storage.OutboxRecord{ID: "0-missing", Event: []byte(`{}`)})
	wantKind(t, err, errs.NotFound)
	err = s.UseSAD(ctx, []byte("sad"), take("stranger"), storage.OutboxRecord{ID: "0-refused", Event: []byte(`{}`)})
	wantKind(t, err, errs.HashNotAuthorized)
	if recs, err := s.OutboxRecords(ctx, 10); err != nil || len(recs) != 0 {
		t.Fatalf("outbox after refusals = %v, %v; want empty", recs, err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	won := map[string]string{} // record ID -> hash
	for i, h := range hashes {
		for copy := range 2 { // every hash asked for twice
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("%04d-%d", i, copy)
				err := s.UseSAD(ctx, []byte("sad"), take(h), storage.OutboxRecord{ID: id, Event: []byte(`{"hash":"` + h + `"}`), At: time.Now()})
				switch {
				case err == nil:
					mu.Lock()
					won[id] = h
					mu.Unlock()
				case !errs.Is(err, errs.HashNotAuthorized) && !errs.Is(err, errs.NotFound):
					t.Errorf("use %s: %v", h, err)
				}
			}()
		}
	}
	wg.Wait()
	spent := map[string]int{}
	for _, h := range won {
		spent[h]++
	}
	for _, h := range hashes {
		if spent[h] != 1 {
			t.Errorf("hash %s spent %d times, want once", h, spent[h])
		}
	}
	// The last hash spent the SAD to zero: it is gone.
	wantKind(t, s.UpdateSAD(ctx, []byte("sad"), func(*storage.SAD) error { return nil }), errs.NotFound)

	all, err := s.OutboxRecords(ctx, 1000)
	must(t, err)
	if len(all) != len(won) {
		t.Fatalf("outbox holds %d records, %d uses won", len(all), len(won))
	}
	for i, r := range all {
		if _, ok := won[r.ID]; !ok {
			t.Errorf("outbox record %s belongs to no winning use", r.ID)
		}
		if i > 0 && all[i-1].ID >= r.ID {
			t.Errorf("outbox not in ID order: %s before %s", all[i-1].ID, r.ID)
		}
	}
	first, err := s.OutboxRecords(ctx, 5)
	must(t, err)
	if len(first) != 5 || first[0].ID != all[0].ID {
		t.Fatalf("OutboxRecords(5) = %d records starting %v", len(first), first)
	}

	ids := []string{"unknown"}
	for _, r := range first {
		ids = append(ids, r.ID)
	}
	must(t, s.DeleteOutboxRecords(ctx, ids))
	rest, err := s.OutboxRecords(ctx, 1000)
	must(t, err)
	if len(rest) != len(all)-5 || rest[0].ID != all[5].ID {
		t.Fatalf("after deleting 5 of %d: %d left starting %s", len(all), len(rest), rest[0].ID)
	}
}
