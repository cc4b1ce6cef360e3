package audit_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage/bolt"
)

// storeLog opens a log kept in a real bbolt store at path.
func storeLog(t *testing.T, path string) (*audit.Log, *bolt.DB) {
	t.Helper()
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.OpenStore(context.Background(), db, nil)
	if err != nil {
		_ = db.Close()
		t.Fatal(err)
	}
	return l, db
}

// TestStoreChainAcknowledgesInOrder: concurrent appends, AppendSoon and
// signature intents chained through Seal in the store's own transaction
// (as storage's UseSAD does) make one chain that verifies, each
// acknowledged record readable at its number; it survives a reopen.
func TestStoreChainAcknowledgesInOrder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "qes.db")
	l, db := storeLog(t, path)
	if !l.InStore() {
		t.Fatal("OpenStore's log says it is not in the store")
	}
	var wg sync.WaitGroup
	seqs := make(chan uint64, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				seq, err := l.Append(ctx, audit.Event{Type: "test.append", Detail: map[string]string{"n": fmt.Sprint(g*10 + i)}})
				if err != nil {
					t.Error(err)
					return
				}
				seqs <- seq
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.AppendAudit(ctx, l.Seal(audit.Event{Type: "signature.intent", Detail: map[string]string{"n": fmt.Sprint(g)}})); err != nil {
				t.Error(err)
			}
		}()
	}
	l.AppendSoon(audit.Event{Type: "test.soon"}, func(err error) { t.Error(err) })
	wg.Wait()
	close(seqs)
	if err := l.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for seq := range seqs {
		rec, ok, err := l.RecordAt(ctx, seq)
		if err != nil || !ok || rec.Type != "test.append" {
			t.Fatalf("RecordAt(%d) = %+v, %v, %v; want the acknowledged append", seq, rec, ok, err)
		}
	}
	rep, err := l.Verify(ctx)
	if err != nil || rep.Problem != "" || rep.Records != 40+8+1 {
		t.Fatalf("Verify = %+v, %v; want 49 intact records", rep, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	l, db = storeLog(t, path)
	defer db.Close()
	defer l.Close()
	if seq, err := l.Append(ctx, audit.Event{Type: "test.after-reopen"}); err != nil || seq != 50 {
		t.Fatalf("append after reopen = %d, %v; want 50", seq, err)
	}
	if rep, err := audit.VerifyChain(ctx, db); err != nil || rep.Problem != "" || rep.Records != 50 {
		t.Fatalf("VerifyChain after reopen = %+v, %v", rep, err)
	}
}

// TestStoreChainVerifyFindsTampering: what someone with write access to
// the database does to the records is named by Verify.
func TestStoreChainVerifyFindsTampering(t *testing.T) {
	key := func(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }
	for _, tc := range []struct {
		name   string
		tamper func(b *bbolt.Bucket) error
		want   string
		from   uint64 // MissingFrom, when records were cut off
	}{
		{"edited", func(b *bbolt.Bucket) error {
			v := strings.Replace(string(b.Get(key(3))), `"n":"3"`, `"n":"9"`, 1)
			return b.Put(key(3), []byte(v))
		}, "record 3 was edited", 0},
		{"deleted", func(b *bbolt.Bucket) error { return b.Delete(key(3)) }, "records 3..3 were removed", 0},
		{"reordered", func(b *bbolt.Bucket) error {
			two, three := append([]byte(nil), b.Get(key(2))...), append([]byte(nil), b.Get(key(3))...)
			if err := b.Put(key(2), three); err != nil {
				return err
			}
			return b.Put(key(3), two)
		}, "reordered", 0},
		{"cut-off", func(b *bbolt.Bucket) error {
			if err := b.Delete(key(6)); err != nil {
				return err
			}
			return b.Delete(key(5))
		}, "records 5..6 acknowledged but missing", 5},
		{"copied", func(b *bbolt.Bucket) error { return b.Put(key(7), b.Get(key(6))) }, "stored as 7 has sequence 6", 0},
		{"head-rewound", func(b *bbolt.Bucket) error {
			// The head moved back to record 5 as if 6 had never been
			// acknowledged: 6 is then beyond it.
			var five struct {
				Hash string `json:"hash"`
			}
			if err := json.Unmarshal(b.Get(key(5)), &five); err != nil {
				return err
			}
			head, _ := json.Marshal(map[string]any{"seq": 5, "hash": five.Hash})
			return b.Tx().Bucket([]byte("meta")).Put([]byte("audit_chain_head"), head)
		}, "records 6..6 are beyond the chain's head 5", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "qes.db")
			l, db := storeLog(t, path)
			for i := range 6 {
				if _, err := l.Append(ctx, audit.Event{Type: "test", Detail: map[string]string{"n": fmt.Sprint(i + 1)}}); err != nil {
					t.Fatal(err)
				}
			}
			_ = l.Close()
			_ = db.Close()
			raw, err := bbolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := raw.Update(func(tx *bbolt.Tx) error { return tc.tamper(tx.Bucket([]byte("audit_chain"))) }); err != nil {
				t.Fatal(err)
			}
			_ = raw.Close()
			l, db = storeLog(t, path)
			defer db.Close()
			defer l.Close()
			rep, err := l.Verify(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(rep.Problem, tc.want) || rep.MissingFrom != tc.from {
				t.Fatalf("Verify = %+v; want a problem naming %q (missing from %d)", rep, tc.want, tc.from)
			}
		})
	}
}

// TestStoreChainFailsClosed: when the store cannot take the records, the
// append is Unavailable and Health says why.
func TestStoreChainFailsClosed(t *testing.T) {
	ctx := context.Background()
	l, db := storeLog(t, filepath.Join(t.TempDir(), "qes.db"))
	defer l.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, audit.Event{Type: "test"}); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("append to a closed store = %v, want Unavailable", err)
	}
	if l.Health() == nil {
		t.Fatal("Health is nil after a failed append")
	}
}

// liveChain is a store in which another node appends while VerifyChain
// reads: each time the records are read, more are appended after them.
type liveChain struct {
	*bolt.DB
	l       *audit.Log
	t       *testing.T
	appends int
}

func (c *liveChain) AuditRecords(ctx context.Context, after uint64, limit int) ([]uint64, [][]byte, error) {
	keys, recs, err := c.DB.AuditRecords(ctx, after, limit)
	if c.appends > 0 {
		c.appends--
		if _, aerr := c.l.Append(ctx, audit.Event{Type: "test.live"}); aerr != nil {
			c.t.Error(aerr)
		}
	}
	return keys, recs, err
}

// TestStoreChainVerifyWhileNodesAppend: records appended by a live node
// while VerifyChain runs are not reported as added outside qes (records
// past every head still are: TestStoreChainVerifyFindsTampering).
func TestStoreChainVerifyWhileNodesAppend(t *testing.T) {
	ctx := context.Background()
	l, db := storeLog(t, filepath.Join(t.TempDir(), "qes.db"))
	defer db.Close()
	defer l.Close()
	for i := range 5 {
		if _, err := l.Append(ctx, audit.Event{Type: "test.before", Detail: map[string]string{"n": fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	live := &liveChain{DB: db, l: l, t: t, appends: 3}
	rep, err := audit.VerifyChain(ctx, live)
	if err != nil || rep.Problem != "" || rep.Records < 6 {
		t.Fatalf("VerifyChain while a node appends = %+v, %v; want intact, past the first head", rep, err)
	}
}
