package postgres

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/qesproject/qes/storage/kv"
)

// roundTrips records what each round trip to the server carried: one
// entry per query or batch, the statements' first words.
type roundTrips struct {
	mu   sync.Mutex
	sent [][]string
}

func firstWord(sql string) string { return strings.ToUpper(strings.Fields(sql)[0]) }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, []string{firstWord(d.SQL)})
	return ctx
}

func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	var words []string
	for _, q := range d.Batch.QueuedQueries {
		words = append(words, firstWord(q.SQL))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, words)
	return ctx
}

func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func (r *roundTrips) take() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sent
	r.sent = nil
	return s
}

// A transaction's BEGIN goes out with its first statement and its COMMIT
// with its last writes; one that sent nothing costs no round trip; one
// that failed (in fn, or in a statement) is rolled back, leaves nothing
// behind and gives back a connection the next transaction can use (the
// pool has one).
func TestTransactionRoundTrips(t *testing.T) {
	ctx := context.Background()
	// The schema, through Open; the traced pool is a second one on the
	// same database.
	cfg, err := pgxpool.ParseConfig(openForGroup(t).pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	trace := &roundTrips{}
	cfg.ConnConfig.Tracer = trace
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	e := engine{pool: pool}
	b := []byte("lazytx")
	fail := errors.New("fn failed")

	cases := []struct {
		name    string
		fn      func(tx kv.Tx) error
		wantErr bool
		sent    [][]string
		stored  []string // keys present afterwards
	}{
		{"nothing sent", func(kv.Tx) error { return nil }, false, nil, nil},
		{"writes only: one round trip", func(tx kv.Tx) error {
			return tx.Bucket(b).Put([]byte("w"), []byte("1"))
		}, false, [][]string{{"BEGIN", "INSERT", "COMMIT"}}, []string{"w"}},
		{"batched reads, then writes: two round trips", func(tx kv.Tx) error {
			tx.(kv.Prefetcher).Prefetch(kv.BucketKey{Bucket: b, Key: []byte("w")}, kv.BucketKey{Bucket: b, Key: []byte("x")})
			if got := tx.Bucket(b).Get([]byte("w")); string(got) != "1" {
				return errors.New("w not read")
			}
			return tx.Bucket(b).Put([]byte("x"), []byte("2"))
		}, false, [][]string{{"BEGIN", "SELECT", "SELECT"}, {"INSERT", "COMMIT"}}, []string{"w", "x"}},
		{"one read: BEGIN with it; nothing to write: COMMIT alone", func(tx kv.Tx) error {
			_ = tx.Bucket(b).Get([]byte("w"))
			return nil
		}, false, [][]string{{"BEGIN", "SELECT"}, {"COMMIT"}}, []string{"w", "x"}},
		{"fn fails after a read: rolled back", func(tx kv.Tx) error {
			_ = tx.Bucket(b).Get([]byte("w"))
			_ = tx.Bucket(b).Put([]byte("y"), []byte("3"))
			return fail
		}, true, [][]string{{"BEGIN", "SELECT"}, {"ROLLBACK"}}, []string{"w", "x"}},
		{"a statement fails in the commit batch: rolled back", func(tx kv.Tx) error {
			_ = tx.Bucket(b).Put([]byte("z"), []byte("4"))
			// PostgreSQL text cannot hold NUL: this insert fails.
			return tx.Bucket([]byte("bad\x00bucket")).Put([]byte("k"), []byte("v"))
		}, true, [][]string{{"BEGIN", "INSERT", "INSERT", "COMMIT"}, {"ROLLBACK"}}, []string{"w", "x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			trace.take()
			err := e.Update(ctx, c.fn)
			if (err != nil) != c.wantErr {
				t.Fatalf("Update: %v, want error %v", err, c.wantErr)
			}
			if got := trace.take(); !slices.EqualFunc(got, c.sent, slices.Equal) {
				t.Fatalf("round trips %q, want %q", got, c.sent)
			}
			var keys []string
			if err := e.View(ctx, func(tx kv.Tx) error {
				return tx.Bucket(b).ForEach(func(k, _ []byte) error { keys = append(keys, string(k)); return nil })
			}); err != nil {
				t.Fatalf("the next transaction on the one connection: %v", err)
			}
			if !slices.Equal(keys, c.stored) {
				t.Fatalf("stored %q, want %q", keys, c.stored)
			}
		})
	}
}

// Under contention a group transaction takes groupLock before its
// snapshot: a second node's group that starts while the first holds the
// lock reads what the first committed and runs once, where without the
// lock it would read the old value and fail at commit. The lock is given
// back with the COMMIT.
func TestGroupUnderContentionWaitsForTheLock(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := openForGroup(t)
	other, err := Open(ctx, d.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = other.Close() })
	nodeA := engine{pool: d.pool, conflict: new(atomic.Int64)}
	nodeB := engine{pool: other.pool, conflict: new(atomic.Int64)}
	b, head := []byte("lockedgroup"), []byte("head")
	if err := nodeA.Update(ctx, func(tx kv.Tx) error { return tx.Bucket(b).Put(head, []byte{1}) }); err != nil {
		t.Fatal(err)
	}
	for _, e := range []engine{nodeA, nodeB} {
		e.conflict.Store(time.Now().UnixNano()) // both nodes have met a conflict lately
	}
	bump := func(tx kv.Tx) error {
		v := tx.Bucket(b).Get(head)
		if len(v) != 1 {
			return errors.New("no head")
		}
		return tx.Bucket(b).Put(head, []byte{v[0] + 1})
	}
	aRead, release, aDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	var releaseOnce sync.Once
	letAGo := func() { releaseOnce.Do(func() { close(release) }) }
	defer letAGo() // a failed test still lets A finish and give back its connection
	go func() {
		aDone <- nodeA.runGroup(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx kv.Tx) error {
			_ = tx.Bucket(b).Get(head) // the first statement: the lock is held from here
			close(aRead)
			<-release
			return bump(tx)
		})
	}()
	<-aRead
	var bRuns atomic.Int32
	bDone := make(chan error, 1)
	go func() {
		bDone <- nodeB.runGroup(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx kv.Tx) error {
			bRuns.Add(1)
			return bump(tx)
		})
	}()
	// B is waiting on the lock (its first statement), not failing: A
	// commits only after B's wait has been seen in pg_locks.
	waitForLockWaiter(ctx, t, d)
	letAGo()
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	if err := <-bDone; err != nil {
		t.Fatal(err)
	}
	if n := bRuns.Load(); n != 1 {
		t.Fatalf("node B's group ran %d times, want once (its snapshot after A's commit)", n)
	}
	var got []byte
	if err := nodeA.View(ctx, func(tx kv.Tx) error { got = tx.Bucket(b).Get(head); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != 3 {
		t.Fatalf("head %v, want 3: each group's bump counted once", got)
	}
	var held int
	if err := d.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted`).Scan(&held); err != nil {
		t.Fatal(err)
	}
	if held != 0 {
		t.Fatalf("%d advisory locks still held after both groups committed", held)
	}
}

// waitForLockWaiter returns once a session waits for an advisory lock.
func waitForLockWaiter(ctx context.Context, t *testing.T, d *DB) {
	t.Helper()
	for {
		var waiting int
		if err := d.pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		if ctx.Err() != nil {
			t.Fatal("no session waited for the group lock")
		}
		runtime.Gosched()
	}
}
