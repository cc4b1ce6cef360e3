package postgres

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// lazyTx is a transaction on one connection whose BEGIN goes out with its
// first statement and whose COMMIT goes out with its last writes
// (pgTx.commit), in one pipelined batch each. A signature's transaction
// is then two round trips (BEGIN and the batched reads; the writes and
// COMMIT) instead of four, and a transaction that sent nothing costs
// none. PostgreSQL takes a transaction's snapshot at its first statement,
// not at BEGIN, so sending them together changes nothing in what the
// transaction sees.
//
// A group's transaction under contention (lock != 0) takes the session
// advisory lock before BEGIN, in one round trip with it, and gives it back
// with its COMMIT: the snapshot is then taken after the lock is granted,
// so the groups of several nodes, which all move the audit chain's head,
// wait their turn instead of failing at commit.
type lazyTx struct {
	conn  *pgx.Conn
	begin string // the BEGIN statement, with the isolation level
	lock  int64  // the advisory lock taken before BEGIN, or 0
	begun bool   // BEGIN (and the lock) were sent: the connection may be in a transaction or hold the lock
}

// beginSQL is the BEGIN of a transaction with opts.
func beginSQL(opts pgx.TxOptions) string {
	if opts.AccessMode == pgx.ReadOnly {
		return `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`
	}
	return `BEGIN ISOLATION LEVEL SERIALIZABLE`
}

// errCommitRolledBack is a COMMIT that PostgreSQL answered with ROLLBACK:
// the transaction had failed, so nothing of it was written.
var errCommitRolledBack = errors.New("commit rolled back")

// withBegin returns b with BEGIN first if it has not been sent yet, and
// how many results that adds.
func (l *lazyTx) withBegin(ctx context.Context, b *pgx.Batch) (*pgx.Batch, int, error) {
	if l.begun {
		return b, 0, nil
	}
	l.begun = true
	if l.lock != 0 {
		// The lock is taken in a pipeline step of its own before BEGIN:
		// in one step with BEGIN, its SELECT would already have taken
		// the transaction's snapshot, before the wait.
		return b, 0, l.lockAndBegin(ctx)
	}
	q := make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+1)
	q = append(q, &pgx.QueuedQuery{SQL: l.begin})
	return &pgx.Batch{QueuedQueries: append(q, b.QueuedQueries...)}, 1, nil
}

// lockAndBegin takes the advisory lock and begins, two pipeline steps in
// one round trip.
func (l *lazyTx) lockAndBegin(ctx context.Context) error {
	p := l.conn.PgConn().StartPipeline(ctx)
	p.SendQueryParams(`SELECT pg_advisory_lock($1)`, [][]byte{strconv.AppendInt(nil, l.lock, 10)},
		[]uint32{pgtype.Int8OID}, nil, nil)
	p.SendPipelineSync()
	p.SendQueryParams(l.begin, nil, nil, nil, nil)
	p.SendPipelineSync()
	err := p.Flush()
	for step := 0; err == nil && step < 4; step++ {
		var res any
		res, err = p.GetResults()
		if rr, ok := res.(*pgconn.ResultReader); ok && err == nil {
			_, err = rr.Close()
		}
	}
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	return err
}

// SendBatch sends b, after BEGIN in the same round trip if it is the
// transaction's first statement. Its result is read here, so the caller
// reads b's results as if b were sent alone.
func (l *lazyTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	sent, prefix, err := l.withBegin(ctx, b)
	if err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	if len(sent.QueuedQueries) == 0 {
		return pgx.FailedBatchResults(b, nil)
	}
	br := l.conn.SendBatch(ctx, sent)
	for range prefix {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return pgx.FailedBatchResults(b, err)
		}
	}
	return br
}

// QueryRow is one statement; the first goes out in a batch after BEGIN.
func (l *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if l.begun {
		return l.conn.QueryRow(ctx, sql, args...)
	}
	var b pgx.Batch
	b.Queue(sql, args...)
	br := l.SendBatch(ctx, &b)
	return batchRow{row: br.QueryRow(), br: br}
}

// Query reads rows (a cursor's page): rare enough on the signing path
// that a first statement here pays for its own BEGIN.
func (l *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if !l.begun {
		if err := l.SendBatch(ctx, &pgx.Batch{}).Close(); err != nil {
			return nil, err
		}
	}
	return l.conn.Query(ctx, sql, args...)
}

// endQueries are what follows COMMIT in the commit batch: the lock's
// release.
func (l *lazyTx) endQueries(b *pgx.Batch) int {
	if l.lock == 0 {
		return 0
	}
	b.Queue(`SELECT pg_advisory_unlock($1)`, l.lock)
	return 1
}

// rollback ends a transaction that failed and gives back its lock. A
// connection whose rollback failed is closed, which ends both, so it
// never goes back to the pool inside a transaction or holding the lock.
func (l *lazyTx) rollback(ctx context.Context) {
	if !l.begun {
		return
	}
	l.begun = false
	var b pgx.Batch
	b.Queue(`ROLLBACK`)
	if l.lock != 0 {
		b.Queue(`SELECT pg_advisory_unlock_all()`)
	}
	if err := l.conn.SendBatch(ctx, &b).Close(); err != nil {
		_ = l.conn.Close(ctx)
	}
}

// batchRow is the row of a one-statement batch: scanning it also closes
// the batch, which frees the connection.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
