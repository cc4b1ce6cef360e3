package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

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
