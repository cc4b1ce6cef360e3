package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage/kv"
)

// Group commit on PostgreSQL: the Group and GroupSoon callers of this node
// that arrive while a group's transaction is under way run together in the
// next one, one after another, and commit once. Without it, sixteen
// signHash calls spending one SAD abort each other's serializable
// transactions and retry, and every SAD use, audit anchor, outbox delete
// and history batch pays a commit (a WAL flush) of its own.
//
// A caller sees what storage/bolt's group gives it: its fn runs in some
// serial order with the others; a refusal (kv.Refuse) writes nothing and
// fails no one else; a member that fails after writing is dropped and the
// others run again in a fresh transaction; a serialisation failure (another
// node) reruns the whole group, as Update reruns one closure; a commit that
// fails fails every member. fn may therefore run more than once.
type committer struct {
	e engine

	mu      sync.Mutex
	pending []*member
	closed  bool
	// soon holds doSoon members: they ride along with the next group and
	// go in one of their own only when none has come for soonDelay.
	soon  []*member
	timer *time.Timer // armed while soon members wait

	wake chan struct{}
	stop chan struct{}
	done chan struct{}

	// queued, for tests, hears each caller join the pending list (or
	// the soon list); ran hears the size of each group's transaction.
	queued func()
	ran    func(n int)
}

// soonDelay bounds how long a doSoon member waits for company (bbolt's
// group waits as long).
const soonDelay = 10 * time.Millisecond

type member = kv.Member[kv.Tx]

// maxGroup bounds one transaction's members (and so its lock time).
const maxGroup = 64

// groupTimeout bounds one group's transaction: its members' contexts do
// not reach the statements, which run for all of them.
const groupTimeout = 30 * time.Second

var errGroupClosed = errs.M(errs.Unavailable, msg.StoreClosed)

// errDirty ends a group's attempt when a member failed after writing.
var errDirty = errors.New("a group member failed after writing")

func newCommitter(e engine) *committer {
	c := &committer{e: e, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// close answers the waiting callers with errGroupClosed after the group
// under way and stops the committer; the pool may close after it.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
	c.mu.Unlock()
	<-c.done
}

func (c *committer) do(ctx context.Context, fn func(kv.Tx) error) error {
	return c.enqueue(ctx, fn, false)
}

// doSoon is do for writes nobody waits for on a request's path (outbox
// deletes, the signing history): the member joins the next group that
// forms for do's callers instead of paying a commit of its own, and goes
// alone only when none has come within soonDelay.
func (c *committer) doSoon(ctx context.Context, fn func(kv.Tx) error) error {
	return c.enqueue(ctx, fn, true)
}

func (c *committer) enqueue(ctx context.Context, fn func(kv.Tx) error, soon bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m := kv.NewMember(ctx, fn)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errGroupClosed
	}
	if soon {
		c.soon = append(c.soon, m)
		if c.timer == nil {
			c.timer = time.AfterFunc(soonDelay, c.soonDue)
		}
	} else {
		c.pending = append(c.pending, m)
	}
	c.mu.Unlock()
	if c.queued != nil {
		c.queued()
	}
	if !soon {
		c.signal()
	}
	return <-m.Done
}

func (c *committer) signal() {
	select {
	case c.wake <- struct{}{}:
	default: // a wake-up is waiting already
	}
}

// soonDue lets the soon members that found no group go in one of their own.
func (c *committer) soonDue() {
	c.mu.Lock()
	c.timer = nil
	c.pending = append(c.pending, c.soon...)
	c.soon = nil
	c.mu.Unlock()
	c.signal()
}

func (c *committer) loop() {
	defer close(c.done)
	for {
		select {
		case <-c.wake:
		case <-c.stop:
			c.mu.Lock()
			left := append(c.pending, c.soon...)
			c.pending, c.soon = nil, nil
			if c.timer != nil {
				c.timer.Stop()
				c.timer = nil
			}
			c.mu.Unlock()
			for _, m := range left {
				m.Done <- errGroupClosed
			}
			return
		}
		for {
			c.mu.Lock()
			n := min(len(c.pending), maxGroup)
			batch := append([]*member(nil), c.pending[:n]...)
			c.pending = append(c.pending[:0], c.pending[n:]...)
			if n > 0 {
				k := min(len(c.soon), maxGroup-n)
				batch = append(batch, c.soon[:k]...)
				c.soon = append(c.soon[:0], c.soon[k:]...)
			}
			c.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			if c.ran != nil {
				c.ran(len(batch))
			}
			c.run(batch)
		}
	}
}

// run commits batch in one transaction and answers every member.
func (c *committer) run(batch []*member) {
	live := kv.Live(batch)
	for len(live) > 0 {
		dirty := -1
		ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
		err := c.e.runGroup(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx kv.Tx) error {
			for i, m := range live {
				m.Err = m.Call(tx)
				var r kv.Refusal
				if m.Err != nil && !errors.As(m.Err, &r) {
					dirty = i
					return errDirty
				}
			}
			return nil
		})
		cancel()
		if errors.Is(err, errDirty) {
			live[dirty].Done <- live[dirty].Err
			live = append(live[:dirty:dirty], live[dirty+1:]...)
			continue
		}
		for _, m := range live {
			if err != nil {
				m.Done <- err
			} else {
				m.Done <- m.Err
			}
		}
		return
	}
}
