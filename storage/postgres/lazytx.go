package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// lazyTx is a transaction on one connection whose BEGIN goes out with its
// first statement and whose COMMIT goes out with its last writes
// (pgTx.commit), in one pipelined batch each. A signature's transaction
// is then two round trips (BEGIN and the batched reads; the writes and
// COMMIT) instead of four, and a transaction that sent nothing costs
// none. PostgreSQL takes a transaction's snapshot at its first statement,
// not at BEGIN, so sending them together changes nothing in what the
// transaction sees.
type lazyTx struct {
	conn  *pgx.Conn
	begin string // the BEGIN statement, with the isolation level
	begun bool   // BEGIN was sent: the connection may be in a transaction
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

// withBegin returns b with BEGIN first if it has not been sent yet.
func (l *lazyTx) withBegin(b *pgx.Batch) *pgx.Batch {
	if l.begun {
		return b
	}
	l.begun = true
	q := make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+1)
	q = append(q, &pgx.QueuedQuery{SQL: l.begin})
	return &pgx.Batch{QueuedQueries: append(q, b.QueuedQueries...)}
}

// SendBatch sends b, after BEGIN in the same round trip if it is the
// transaction's first statement. The BEGIN's result is read here, so the
// caller reads b's results as if b were sent alone.
func (l *lazyTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	first := !l.begun
	br := l.conn.SendBatch(ctx, l.withBegin(b))
	if first {
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
		l.begun = true
		if _, err := l.conn.Exec(ctx, l.begin); err != nil {
			return nil, err
		}
	}
	return l.conn.Query(ctx, sql, args...)
}

// rollback ends a transaction that failed. A connection whose rollback
// failed is closed, so it never goes back to the pool inside a
// transaction (the pool would also drop it: its status is not idle).
func (l *lazyTx) rollback(ctx context.Context) {
	if !l.begun {
		return
	}
	l.begun = false
	if _, err := l.conn.Exec(ctx, `ROLLBACK`); err != nil {
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

// connSource gives a transaction its connection: one from the pool per
// attempt, or the connection that holds groupLock.
type connSource interface {
	acquire(ctx context.Context) (conn *pgx.Conn, release func(), err error)
}

type poolSource struct{ pool *pgxpool.Pool }

func (p poolSource) acquire(ctx context.Context) (*pgx.Conn, func(), error) {
	c, err := p.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c.Conn(), c.Release, nil
}

type heldConn struct{ c *pgxpool.Conn }

func (h heldConn) acquire(context.Context) (*pgx.Conn, func(), error) {
	return h.c.Conn(), func() {}, nil
}
