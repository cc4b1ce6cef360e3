package history_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/history"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
)

// batches reads back what the recorder wrote for holder.
func batches(t *testing.T, db *bolt.DB, holder string) []*storage.SignatureBatch {
	t.Helper()
	var out []*storage.SignatureBatch
	err := db.SignatureBatches(context.Background(), holder, time.Time{}, time.Time{}, func(b *storage.SignatureBatch) error {
		out = append(out, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The recorder writes off the signing path, but Flush and Close are the
// points after which nothing queued is missing, on a real bbolt file: a
// shutdown right after signing must not lose the record ("signing history
// not recorded ... database not open" before the recorder was owned).
func TestRecorderFlushAndClose(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		writers int
		each    int
		close   bool // Close (then reopen the file) instead of Flush
	}{
		{name: "flush one", writers: 1, each: 1},
		{name: "flush concurrent", writers: 8, each: 25},
		{name: "close drains", writers: 8, each: 25, close: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "qes.db")
			db, err := bolt.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			if err := db.CreateClient(ctx, &storage.Client{ID: "c-acme", Name: "Acme Sign"}); err != nil {
				t.Fatal(err)
			}
			rec := history.NewRecorder(db, nil)
			var wg sync.WaitGroup
			for w := range tc.writers {
				wg.Go(func() {
					for i := range tc.each {
						client := ""
						if i%2 == 1 {
							client = "c-acme"
						}
						rec.Signed(ctx, "h1", "cred1", client, w+1, nil, at.Add(time.Duration(i)*time.Second))
					}
				})
			}
			wg.Wait()
			if tc.close {
				if err := rec.Close(); err != nil {
					t.Fatal(err)
				}
				if err := rec.Flush(ctx); !errors.Is(err, history.ErrClosed) {
					t.Fatalf("Flush after Close = %v, want ErrClosed", err)
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				if db, err = bolt.Open(path); err != nil {
					t.Fatal(err)
				}
			} else {
				if err := rec.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = rec.Close() })
			}
			got := batches(t, db, "h1")
			if len(got) != tc.writers*tc.each {
				t.Fatalf("%d batches recorded, want %d", len(got), tc.writers*tc.each)
			}
			sum, want := 0, 0
			for w := range tc.writers {
				want += (w + 1) * tc.each
			}
			for _, b := range got {
				sum += b.Count
				if wantApp := map[string]string{"": history.APIApplication, "c-acme": "Acme Sign"}[b.ClientID]; b.Application != wantApp {
					t.Fatalf("client %q recorded as application %q, want %q", b.ClientID, b.Application, wantApp)
				}
			}
			if sum != want {
				t.Fatalf("%d signatures recorded, want %d", sum, want)
			}
		})
	}
}
