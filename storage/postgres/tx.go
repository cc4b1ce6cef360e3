package postgres

import (
	"bytes"
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/qesproject/qes/storage/kv"
)

// pgTx is kv.Tx over one PostgreSQL transaction. kv's interface is
// bbolt's, where reads cannot fail: the first failed statement is kept in
// err, every later call does nothing, and the engine returns err (and
// retries if it is a serialisation failure) whatever fn made of it.
//
// Reads are kept and writes held back until the next cursor or the
// commit, which send them in one round trip: a group's members (group.go)
// read the same SAD, credential and certificate, and each round trip to
// the server costs more than the statement itself.
type pgTx struct {
	ctx context.Context
	tx  querier
	err error
	// single is a View run outside a transaction: its one statement is a
	// snapshot of its own, and a second statement stops the run with
	// errNeedTx (see engine.View).
	single bool
	ran    int // statements sent

	seen   map[string]seenValue // by bucket and key: read or written here
	writes []write              // not yet sent, in order
}

type seenValue struct {
	v       []byte
	present bool
}

type write struct {
	bucket     string
	key, value []byte
	del        bool
}

// querier is a transaction, or the pool for a single-statement View.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// errNeedTx stops a single-statement View that needs a second statement:
// it runs again in a read-only transaction.
var errNeedTx = errors.New("the view needs a transaction")

// errViewWrite refuses a write in a single-statement View, whose
// statements are not in a transaction (a read-only transaction refuses it
// too, as bbolt's View does).
var errViewWrite = errors.New("write in a read-only view")

// statement says whether a statement may be sent now; in a
// single-statement View only the first may.
func (t *pgTx) statement() bool {
	if t.err != nil {
		return false
	}
	if t.single && t.ran > 0 {
		t.err = errNeedTx
		return false
	}
	t.ran++
	return true
}

func seenKey(bucket string, key []byte) string { return bucket + "\x00" + string(key) }

func (t *pgTx) remember(bucket string, key, v []byte, present bool) {
	if t.seen == nil {
		t.seen = make(map[string]seenValue)
	}
	t.seen[seenKey(bucket, key)] = seenValue{v: v, present: present}
}

// flush sends the held-back writes in one batch, in their order.
func (t *pgTx) flush() error { return t.send(false) }

// commit sends the held-back writes and COMMIT in one batch. A
// transaction that never sent a statement began nothing and commits
// nothing.
func (t *pgTx) commit() error {
	lt, ok := t.tx.(*lazyTx)
	if !ok {
		return t.flush()
	}
	if len(t.writes) == 0 && !lt.begun {
		return t.err
	}
	if err := t.send(true); err != nil {
		return err
	}
	lt.begun = false
	return nil
}

func (t *pgTx) send(commit bool) error {
	if t.err != nil || (len(t.writes) == 0 && !commit) {
		return t.err
	}
	var batch pgx.Batch
	for _, w := range t.writes {
		if w.del {
			batch.Queue(`DELETE FROM kv WHERE bucket = $1 AND key = $2`, w.bucket, w.key)
		} else {
			batch.Queue(`INSERT INTO kv (bucket, key, value) VALUES ($1, $2, $3)
				ON CONFLICT (bucket, key) DO UPDATE SET value = EXCLUDED.value`, w.bucket, w.key, w.value)
		}
	}
	end := 0
	lt, _ := t.tx.(*lazyTx)
	if commit {
		batch.Queue(`COMMIT`)
		end = lt.endQueries(&batch)
	}
	n := len(t.writes)
	t.writes = nil
	br := t.tx.SendBatch(t.ctx, &batch)
	for range n {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return t.fail(err)
		}
	}
	if commit {
		// A transaction that failed answers COMMIT with ROLLBACK, no error.
		tag, err := br.Exec()
		if err == nil && tag.String() != "COMMIT" {
			err = errCommitRolledBack
		}
		for range end {
			if err == nil {
				_, err = br.Exec()
			}
		}
		if err != nil {
			_ = br.Close()
			return t.fail(err)
		}
	}
	if err := br.Close(); err != nil {
		return t.fail(err)
	}
	return nil
}

// Prefetch is kv.Prefetcher: the keys not read or written yet in this
// transaction are read in one batch and remembered.
func (t *pgTx) Prefetch(keys ...kv.BucketKey) {
	if t.err != nil || t.single {
		return
	}
	var batch pgx.Batch
	var want []kv.BucketKey
	for _, k := range keys {
		if _, ok := t.seen[seenKey(string(k.Bucket), k.Key)]; ok {
			continue
		}
		batch.Queue(`SELECT value FROM kv WHERE bucket = $1 AND key = $2`, string(k.Bucket), k.Key)
		want = append(want, k)
	}
	if len(want) == 0 {
		return
	}
	if t.flush() != nil { // the reads must see this transaction's writes
		return
	}
	br := t.tx.SendBatch(t.ctx, &batch)
	for _, k := range want {
		var v []byte
		err := br.QueryRow().Scan(&v)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			t.remember(string(k.Bucket), bytes.Clone(k.Key), nil, false)
		case err != nil:
			_ = br.Close()
			t.fail(err)
			return
		default:
			if v == nil {
				v = []byte{}
			}
			t.remember(string(k.Bucket), bytes.Clone(k.Key), v, true)
		}
	}
	if err := br.Close(); err != nil {
		t.fail(err)
	}
}

func (t *pgTx) Bucket(name []byte) kv.Bucket { return &bucket{t: t, name: string(name)} }

func (t *pgTx) fail(err error) error {
	if t.err == nil {
		t.err = err
	}
	return t.err
}

type bucket struct {
	t    *pgTx
	name string
}

func (b *bucket) Get(key []byte) []byte {
	if b.t.err != nil {
		return nil
	}
	if s, ok := b.t.seen[seenKey(b.name, key)]; ok {
		if !s.present {
			return nil
		}
		return s.v
	}
	if !b.t.statement() {
		return nil
	}
	var v []byte
	err := b.t.tx.QueryRow(b.t.ctx, `SELECT value FROM kv WHERE bucket = $1 AND key = $2`, b.name, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		b.t.remember(b.name, key, nil, false)
		return nil
	}
	if err != nil {
		b.t.fail(err)
		return nil
	}
	if v == nil {
		v = []byte{} // present with an empty value, as bbolt says it
	}
	b.t.remember(b.name, key, v, true)
	return v
}

func (b *bucket) Put(key, value []byte) error {
	if b.t.err != nil {
		return b.t.err
	}
	if b.t.single {
		return b.t.fail(errViewWrite)
	}
	// Copies: bbolt lets the caller reuse its slices after Put.
	key, value = bytes.Clone(key), append([]byte{}, value...)
	b.t.writes = append(b.t.writes, write{bucket: b.name, key: key, value: value})
	b.t.remember(b.name, key, value, true)
	return nil
}

func (b *bucket) Delete(key []byte) error {
	if b.t.err != nil {
		return b.t.err
	}
	if b.t.single {
		return b.t.fail(errViewWrite)
	}
	key = bytes.Clone(key)
	b.t.writes = append(b.t.writes, write{bucket: b.name, key: key, del: true})
	b.t.remember(b.name, key, nil, false)
	return nil
}

func (b *bucket) NextSequence() (uint64, error) {
	if b.t.err != nil {
		return 0, b.t.err
	}
	if b.t.single {
		return 0, b.t.fail(errViewWrite)
	}
	var n int64
	err := b.t.tx.QueryRow(b.t.ctx, `INSERT INTO kv_sequences (bucket, value) VALUES ($1, 1)
		ON CONFLICT (bucket) DO UPDATE SET value = kv_sequences.value + 1 RETURNING value`, b.name).Scan(&n)
	if err != nil {
		return 0, b.t.fail(err)
	}
	return uint64(n), nil
}

func (b *bucket) ForEach(fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return b.t.err
}

func (b *bucket) Cursor() kv.Cursor { return &cursor{b: b} }

// pageSize is how many rows a cursor reads per query: a walk over a large
// bucket holds one page in memory, not the bucket.
const pageSize = 256

// cursor walks a bucket a page at a time, each page the keys after the
// last one seen, in the primary key's (bytewise) order.
type cursor struct {
	b    *bucket
	page []pair
	i    int
	more bool // the last query filled its page: there may be more rows
}

type pair struct{ k, v []byte }

func (c *cursor) First() (k, v []byte) { return c.load(`>=`, []byte{}) }

func (c *cursor) Seek(seek []byte) (k, v []byte) {
	if seek == nil {
		seek = []byte{}
	}
	return c.load(`>=`, seek)
}

func (c *cursor) Next() (k, v []byte) {
	if c.i+1 < len(c.page) {
		c.i++
		return c.at()
	}
	if !c.more || len(c.page) == 0 {
		c.page, c.i = nil, 0
		return nil, nil
	}
	return c.load(`>`, bytes.Clone(c.page[len(c.page)-1].k))
}

func (c *cursor) at() ([]byte, []byte) {
	p := c.page[c.i]
	return p.k, p.v
}

// load reads the page of keys from on (op ">=") or after it (op ">").
func (c *cursor) load(op string, from []byte) (k, v []byte) {
	c.page, c.i, c.more = nil, 0, false
	t := c.b.t
	if t.flush() != nil { // the rows must include this transaction's writes
		return nil, nil
	}
	if !t.statement() {
		return nil, nil
	}
	rows, err := t.tx.Query(t.ctx, `SELECT key, value FROM kv WHERE bucket = $1 AND key `+op+` $2 ORDER BY key LIMIT $3`,
		c.b.name, from, pageSize)
	if err != nil {
		t.fail(err)
		return nil, nil
	}
	page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pair, error) {
		var p pair
		err := r.Scan(&p.k, &p.v)
		if p.v == nil {
			p.v = []byte{}
		}
		return p, err
	})
	if err != nil {
		t.fail(err)
		return nil, nil
	}
	c.page, c.more = page, len(page) == pageSize
	if len(page) == 0 {
		return nil, nil
	}
	return c.at()
}
