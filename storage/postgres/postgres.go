// Package postgres is the networked storage back end: storage/kv's
// aggregates over one PostgreSQL table (bucket, key, value), so that several
// qesd processes can share one database. Every read-write transaction is
// SERIALIZABLE and retried on a serialisation failure or deadlock: kv's
// closures are pure (they may run more than once), so a retry is the same
// request run again on the newer state, and two nodes spending the same SAD
// hash cannot both commit.
package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/kv"
)

// DB is a storage.Store in a PostgreSQL database.
type DB struct {
	*kv.DB
	pool *pgxpool.Pool
	grp  *committer
}

var _ storage.Store = (*DB)(nil)

// defaultMaxConns is the pool size unless the DSN sets pool_max_conns.
const defaultMaxConns = 16

// Open connects to the database dsn names (a libpq URL or key=value
// string), applies the schema migrations this binary carries and returns
// the store. A database whose schema is newer than the binary is refused.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The DSN may hold a password, and pgx's error quotes it: neither
		// is repeated.
		return nil, errs.M(errs.InvalidRequest, msg.StoreDSNInvalid)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// pgx's default (the CPU count, at least 4) queues a busy node's
		// requests behind few connections; a DSN's pool_max_conns wins.
		cfg.MaxConns = max(cfg.MaxConns, defaultMaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.StoreUnavailable)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, errs.WrapM(err, errs.Unavailable, msg.StoreUnavailable)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	e := engine{pool: pool, grp: new(*committer), conflict: new(atomic.Int64)}
	*e.grp = newCommitter(e)
	d := &DB{pool: pool, grp: *e.grp}
	// A database written before an index existed gets it built now (once).
	if d.DB, err = kv.Open(ctx, e); err != nil {
		d.grp.close()
		pool.Close()
		return nil, err
	}
	return d, nil
}

// Close stops the group committer (after the group under way) and closes
// the connection pool.
func (d *DB) Close() error {
	d.grp.close()
	d.pool.Close()
	return nil
}

// Pool is the connection pool (readiness checks, metrics).
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

// engine is kv.Engine over the pool; Group and GroupSoon go through the
// node's group committer (group.go).
type engine struct {
	pool     *pgxpool.Pool
	grp      **committer   // set once at Open; engine is copied by value
	conflict *atomic.Int64 // when a group last met a conflict (Unix ns)
}

func (e engine) View(ctx context.Context, fn func(kv.Tx) error) error {
	// A read-only snapshot: what bbolt's View gives; no serialisation
	// failure is possible, so no retry.
	return e.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// ViewOne is kv.OneReader: a view of one key (a token, a credential, a
// holder) is one statement, a consistent snapshot by itself, sent without
// BEGIN and COMMIT, two round trips fewer on every request's reads. A
// closure that reads a second key anyway is stopped there and runs again
// in View.
func (e engine) ViewOne(ctx context.Context, fn func(kv.Tx) error) error {
	t := &pgTx{ctx: ctx, tx: e.pool, single: true}
	ferr := fn(t)
	switch {
	case errors.Is(t.err, errNeedTx):
		return e.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
	case t.err != nil && ctx.Err() != nil:
		return ctx.Err()
	case t.err != nil:
		return mapErr(t.err)
	}
	return ferr
}

func (e engine) Update(ctx context.Context, fn func(kv.Tx) error) error {
	return e.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, fn)
}

func (e engine) Group(ctx context.Context, fn func(kv.Tx) error) error { return (*e.grp).do(ctx, fn) }

func (e engine) GroupSoon(ctx context.Context, fn func(kv.Tx) error) error {
	return (*e.grp).doSoon(ctx, fn)
}

func (e engine) Close() error {
	(*e.grp).close()
	e.pool.Close()
	return nil
}

// maxAttempts bounds the retries of one transaction; each failed attempt
// means another transaction committed, so the system made progress.
const maxAttempts = 64

// groupLock is the advisory lock key a group transaction takes under
// contention (migrationLock is another). Each group reads and writes the
// audit chain's head, so two nodes' groups running at once always
// conflict: under SERIALIZABLE one of them does its work, fails at commit
// and starts again, and under load may keep failing. Taken before BEGIN
// (so the snapshot is taken after the other node's commit), the groups
// wait their turn instead. The lock goes out with BEGIN and comes back
// with COMMIT (lazyTx), one round trip more than a group without it: a
// lone node, whose groups run one at a time, does not take it. A node
// takes it for every group for contendedFor after one of its groups met
// a conflict, and for the retries of that group.
const groupLock int64 = 0x7165735f67727570 // "qes_grup"

const contendedFor = 10 * time.Second

// run runs fn in a transaction, again from the start after a
// serialisation failure or a deadlock, with a short jittered back-off.
func (e engine) run(ctx context.Context, opts pgx.TxOptions, fn func(kv.Tx) error) error {
	return e.runOn(ctx, opts, false, fn)
}

// runGroup runs a group's transaction, under groupLock if the node's
// groups met a conflict lately.
func (e engine) runGroup(ctx context.Context, opts pgx.TxOptions, fn func(kv.Tx) error) error {
	return e.runOn(ctx, opts, true, fn)
}

func (e engine) runOn(ctx context.Context, opts pgx.TxOptions, group bool, fn func(kv.Tx) error) error {
	backoff := time.Millisecond
	for attempt := 1; ; attempt++ {
		var lock int64
		if group && e.conflict != nil && time.Since(time.Unix(0, e.conflict.Load())) < contendedFor {
			lock = groupLock
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		err, dbErr := e.once(ctx, opts, lock, fn)
		if err == nil {
			return nil
		}
		if !dbErr {
			return err // fn's own error, as is
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !retryable(err) {
			return mapErr(err)
		}
		if attempt == maxAttempts {
			return errs.WrapM(err, errs.Unavailable, msg.StoreBusy)
		}
		if group && e.conflict != nil {
			// The next attempt waits for the lock, not for a timer.
			e.conflict.Store(time.Now().UnixNano())
			continue
		}
		t := time.NewTimer(backoff/2 + rand.N(backoff))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, 50*time.Millisecond)
	}
}

// once runs one attempt; dbErr says the error came from the database
// (begin, a statement, commit) and not from fn.
func (e engine) once(ctx context.Context, opts pgx.TxOptions, lock int64, fn func(kv.Tx) error) (err error, dbErr bool) {
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return err, true
	}
	defer conn.Release()
	lt := &lazyTx{conn: conn.Conn(), begin: beginSQL(opts), lock: lock}
	tx := &pgTx{ctx: ctx, tx: lt}
	defer func() {
		if err != nil {
			// The rollback must happen even when ctx has ended, or the
			// connection would go back to the pool mid-transaction.
			lt.rollback(context.WithoutCancel(ctx))
		}
	}()
	ferr := fn(tx)
	if ferr == nil {
		_ = tx.commit() // the held-back writes and COMMIT; a failure is in tx.err
	}
	// A statement that failed aborted the transaction and may be why fn
	// failed (a Get that found "nothing"): the database's error wins.
	if tx.err != nil {
		return tx.err, true
	}
	if ferr != nil {
		return ferr, false
	}
	return nil, false
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return true
		}
	}
	return false
}

// mapErr turns a database error into one of qes's: a server that cannot be
// reached is Unavailable (nothing was changed, try again), anything else
// internal.
func mapErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "08", "53", "57": // connection exception, insufficient resources, operator intervention
			return errs.WrapM(err, errs.Unavailable, msg.StoreUnavailable)
		}
		return errs.Internalf(err, "database")
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) || errors.Is(err, pgx.ErrTxClosed) {
		return errs.WrapM(err, errs.Unavailable, msg.StoreUnavailable)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return errs.WrapM(err, errs.Unavailable, msg.StoreUnavailable)
	}
	return errs.Internalf(err, "database")
}
