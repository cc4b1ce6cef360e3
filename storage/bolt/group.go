package bolt

import (
	"context"
	"errors"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage/kv"
)

// Group commit. Every bbolt commit costs two fsyncs, and bbolt runs one
// writer at a time, so concurrent signHash requests that each commit their
// own SAD use wait in line for each other's fsyncs while the HSM idles. The
// group runs the changes of all callers that arrived while the previous
// commit was on its way to disk in one read-write transaction and one
// commit, and answers each caller only after that commit.
//
// Unlike bbolt's DB.Batch it never waits for company: a lone caller commits
// at once (no MaxBatchDelay added to a single request), and a group forms
// only from callers that would otherwise have queued on bbolt's writer lock.
//
// What a caller sees is what a transaction of its own would have given it,
// in some serial order of the group's members:
//
//   - A member that refuses (returns a refusal, see refuse) has written
//     nothing; it gets its own error and the others go on in the same
//     transaction, unaffected.
//   - A member that fails in any other way (or panics) may have written
//     half of its change: the transaction is rolled back, that member gets
//     its error, and the remaining members run again from the start in a
//     fresh transaction. A member's fn may therefore run more than once; it
//     must decide from what it reads in tx alone and keep no state of its
//     own between runs (assigning the outcome to a captured variable is
//     fine: the last run wins, and it is the one that commits). It runs
//     on the committer's goroutine and must not call the store itself
//     (that would wait for the group it is part of).
//   - If the commit fails, nothing of the group is applied and every member
//     gets the commit's error, refusals included (they were decided on
//     changes that never reached the disk).
//   - A member whose context ended before its turn is answered with the
//     context's error and never runs; once its fn has run it waits for the
//     commit, so that the caller never acts on an unknown outcome.
//
// One goroutine, the committer, runs the groups back to back: when a
// commit ends it answers that group and takes the next at once, so no
// caller has to be woken up to lead the next group (on a busy machine that
// wake-up would sit on every member's path).
type group struct {
	db *bolt.DB
	// max bounds a group, so that one commit does not hold a flood of
	// callers behind a single transaction's page writes.
	max int

	mu      sync.Mutex
	pending []*member
	busy    bool // the committer is running a group
	closed  bool
	// soon holds members from doSoon: they ride along with the next group
	// and start one of their own only when none has come for soonDelay.
	soon    []*member
	soonDue bool        // soonDelay passed: the soon members go alone
	timer   *time.Timer // armed while soon members wait and no group runs

	wake chan struct{} // something to commit
	stop chan struct{} // closed by close
	done chan struct{} // closed when the committer has stopped

	hooks groupHooks
}

// groupHooks let tests wait for what happens inside a group instead of
// sleeping; all nil outside tests.
type groupHooks struct {
	queued    func()      // a caller waits behind a running group, or a doSoon caller for one
	ran       func()      // a member's fn ran
	committed func(n int) // a group of n members committed
}

type member = kv.Member[*bolt.Tx]

// maxGroup bounds the members of one commit.
const maxGroup = 256

// errGroupClosed answers callers once the store is closing.
var errGroupClosed = errs.M(errs.Unavailable, msg.StoreClosed)

func newGroup(db *bolt.DB) *group {
	g := &group{db: db, max: maxGroup, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go g.commit()
	return g
}

// close answers whoever waits with errGroupClosed, after the group under
// way, and stops the committer; the bbolt file can close after it.
func (g *group) close() {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		<-g.done
		return
	}
	g.closed = true
	g.mu.Unlock()
	close(g.stop)
	<-g.done
}

// refusal marks an error returned before fn wrote anything in tx: the
// transaction stays clean and the other members go on in it. It is kv's,
// so that the aggregates (storage/kv) refuse the same way on every engine.
type refusal = kv.Refusal

// refuse wraps err (nil stays nil) to say that the member wrote nothing.
func refuse(err error) error { return kv.Refuse(err) }

// do runs fn in a read-write transaction shared with the concurrent
// callers of do, and returns once that transaction has committed (or
// failed). See the comment on group for what a caller may rely on.
func (g *group) do(ctx context.Context, fn func(*bolt.Tx) error) error {
	return g.enqueue(ctx, fn, false)
}

// soonDelay bounds how long a doSoon member waits for a group to ride
// along with (bbolt's own MaxBatchDelay).
const soonDelay = 10 * time.Millisecond

// doSoon is do for writes nobody waits for on a request's path (the
// signing history, written after the response): the member joins the
// next group that forms for do's callers, so that it costs no commit of
// its own in front of them, and goes in a group of its own only when none
// has come within soonDelay. Same semantics as do once it runs.
func (g *group) doSoon(ctx context.Context, fn func(*bolt.Tx) error) error {
	return g.enqueue(ctx, fn, true)
}

func (g *group) enqueue(ctx context.Context, fn func(*bolt.Tx) error, soon bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := kv.NewMember(ctx, fn)
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return errGroupClosed
	}
	behind := g.busy
	if soon {
		g.soon = append(g.soon, m)
		behind = true
		if !g.busy && g.timer == nil {
			g.timer = time.AfterFunc(soonDelay, g.soonTimer)
		}
	} else {
		g.pending = append(g.pending, m)
	}
	g.mu.Unlock()
	if behind && g.hooks.queued != nil {
		g.hooks.queued()
	}
	if !soon {
		g.signal()
	}
	return <-m.Done
}

func (g *group) signal() {
	select {
	case g.wake <- struct{}{}:
	default: // the committer has a wake-up waiting already
	}
}

// soonTimer lets the waiting doSoon members go in a group of their own.
func (g *group) soonTimer() {
	g.mu.Lock()
	g.timer = nil
	g.soonDue = len(g.soon) > 0
	g.mu.Unlock()
	g.signal()
}

// commit is the committer: it runs the oldest pending members (and the
// waiting doSoon members) as one group, as long as there are any.
func (g *group) commit() {
	defer close(g.done)
	for {
		select {
		case <-g.wake:
		case <-g.stop:
			g.mu.Lock()
			left := append(g.pending, g.soon...)
			g.pending, g.soon = nil, nil
			if g.timer != nil {
				g.timer.Stop()
			}
			g.mu.Unlock()
			for _, m := range left {
				m.Done <- errGroupClosed
			}
			return
		}
		for {
			g.mu.Lock()
			n := min(len(g.pending), g.max)
			batch := append([]*member(nil), g.pending[:n]...)
			g.pending = append(g.pending[:0], g.pending[n:]...)
			if n > 0 || g.soonDue {
				k := min(len(g.soon), g.max-n)
				batch = append(batch, g.soon[:k]...)
				g.soon = append(g.soon[:0], g.soon[k:]...)
				g.soonDue = len(g.soon) > 0 && g.soonDue
			}
			g.busy = len(batch) > 0
			if !g.busy && len(g.soon) > 0 && g.timer == nil {
				g.timer = time.AfterFunc(soonDelay, g.soonTimer)
			}
			g.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			g.run(batch)
		}
	}
}

// run commits batch in one transaction and answers every member.
func (g *group) run(batch []*member) {
	live := kv.Live(batch)
	var answered []*member // failed members, answered after the commit
	for len(live) > 0 {
		tx, err := g.db.Begin(true)
		if err != nil {
			err = errs.Internalf(err, "begin a group transaction")
			for _, m := range append(answered, live...) {
				m.Done <- err
			}
			return
		}
		dirty := -1
		for i, m := range live {
			m.Err = g.call(m, tx)
			var r refusal
			switch {
			case m.Err == nil:
			case errors.As(m.Err, &r):
				m.Err = r.Err
			default:
				dirty = i
			}
			if dirty >= 0 {
				break
			}
		}
		if dirty >= 0 {
			// The failing member may have written half its change: drop
			// the whole transaction and run the others again without it.
			_ = tx.Rollback()
			answered = append(answered, live[dirty])
			live = append(live[:dirty:dirty], live[dirty+1:]...)
			continue
		}
		if err := tx.Commit(); err != nil {
			err = errs.WrapM(err, errs.Unavailable, msg.StoreCommitGroup, len(live))
			for _, m := range append(answered, live...) {
				m.Done <- err
			}
			return
		}
		if g.hooks.committed != nil {
			g.hooks.committed(len(live))
		}
		break
	}
	for _, m := range append(answered, live...) {
		m.Done <- m.Err
	}
}

// call runs one member's fn (see kv.Member.Call) under the test hook.
func (g *group) call(m *member, tx *bolt.Tx) error {
	if g.hooks.ran != nil {
		g.hooks.ran()
	}
	return m.Call(tx)
}
