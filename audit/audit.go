// Package audit keeps the append-only, hash-chained record of what qes did
// with holders' keys. Each record carries the SHA-256 of its predecessor, so
// editing, removing or reordering any record breaks the chain; an anchor kept
// outside the file (the newest sequence number and hash, in the database)
// exposes records cut off the end. Callers write an "intent" record before
// acting and refuse to act if that write fails.
//
// The guarantee. Append returns success only after its record is fsync'd AND
// the anchor has been saved at or beyond it: requests are answered only
// after the anchor covers their batch (the anchor is saved once per group of
// batches that are durable, overlapping with the next batch's write). So after
// a crash at any point, Verify either passes, and then every record a caller
// saw acknowledged is in the file, or it names the exact loss: "records
// N+1..M were acknowledged but are missing". Records after the anchor may be
// present or not; none of them was acknowledged.
//
// Failing closed. When the anchor cannot be saved, the batch's records are
// already on disk and chained, but Append returns an Unavailable error: the
// caller must treat the record as not written and not act on it. Such a
// record stays in the file (an intent for an action that did not happen,
// which the audit trail tolerates: a failed intent is never a signature),
// and the failure is logged and reported by Health until a later anchor
// save succeeds (Ready retries it). A log whose file ends before its
// anchor at Open is refused for writing (every Append is Unavailable) so that
// new records can never be chained over the loss and hide it; the loss stays
// visible to Verify and Health.
package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Event is what happened. It must never contain a secret (PIN, PUK, password,
// OTP, SAD): only identifiers, counts and outcomes.
type Event struct {
	Type       string            `json:"type"` // e.g. "credential.authorize", "signature.intent"
	Holder     string            `json:"holder,omitempty"`
	Credential string            `json:"credential,omitempty"`
	Client     string            `json:"client,omitempty"`
	Outcome    string            `json:"outcome,omitempty"` // "ok", "denied", "error", or empty for intents
	Detail     map[string]string `json:"detail,omitempty"`
}

// Record is one line of the log.
type Record struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Event
	Prev string `json:"prev"` // hex SHA-256 of the previous record ("" for the first)
	Hash string `json:"hash"` // hex SHA-256 of this record with Hash empty
}

// Anchor stores the newest (seq, hash) away from the log file.
type Anchor interface {
	SaveAuditAnchor(ctx context.Context, seq uint64, hash []byte) error
	AuditAnchor(ctx context.Context) (seq uint64, hash []byte, err error)
}

// HeadAnchor is an Anchor whose save may wait for a commit shared with
// other writers (storage/bolt's group commit). Instead of the head known
// when it was asked, it saves the newest durable head when its
// transaction runs (head is called inside it, possibly more than once)
// and returns what it saved: one save then covers every batch that was
// fsync'd while it waited, instead of leaving them for the next save.
type HeadAnchor interface {
	SaveAuditAnchorHead(ctx context.Context, head func() (seq uint64, hash []byte)) (seq uint64, hash []byte, err error)
}

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("audit log is closed")

// Option configures Open.
type Option func(*Log)

// WithLogger sends the log's own failures (anchor writes) to lg instead of
// slog.Default().
func WithLogger(lg *slog.Logger) Option { return func(l *Log) { l.log = lg } }

// WithObserver has observe called after every Append with the event, the
// time the caller waited for it to be acknowledged and the outcome, so
// that the composition root can measure the log without this package
// knowing how (internal/metrics). observe must be quick and must not
// append.
func WithObserver(observe func(ev Event, took time.Duration, err error)) Option {
	return func(l *Log) { l.observe = observe }
}

// Log appends records to one file. Concurrent appends are grouped into one
// write and one fsync.
type Log struct {
	path   string
	anchor Anchor
	// chain, when set, keeps the log in the store instead of the file
	// (OpenStore): no file, no anchorer.
	chain Chain
	now   func() time.Time
	log   *slog.Logger
	// observe, when set, is told of every Append (WithObserver).
	observe func(Event, time.Duration, error)

	reqs chan appendReq
	// durable carries written batches from the writer to the anchorer,
	// which answers them once the anchor covers them.
	durable chan durableBatch
	// soon holds records that need not be on disk before their caller goes
	// on; they ride along with the next fsync, or are flushed after
	// soonDelay.
	soon chan appendReq
	done chan struct{}
	wg   sync.WaitGroup

	// durableHead is the newest record the writer has fsync'd (never
	// moves back): what a HeadAnchor may anchor.
	durableHead atomic.Pointer[head]
	// onDurable, for tests, sees each fsync'd head.
	onDurable func(seq uint64)

	mu     sync.Mutex // guards closed and health
	closed bool
	// health is why the log cannot acknowledge records now (a failed write,
	// a failed anchor save, a loss found at Open), nil when it can.
	health error
}

type head struct {
	seq  uint64
	hash string
}

type appendReq struct {
	ev    Event
	reply chan appendResult
	// onErr, from AppendSoon, is called by the writer itself: no goroutine
	// outlives the request waiting for its outcome.
	onErr func(error)
	// flush marks a Flush request: nothing is written for it, it only
	// forces what is waiting to disk.
	flush bool
	// soon marks an AppendSoon record: nobody waits for it, so a batch of
	// these alone does not pay for an anchor save.
	soon bool
	// onDone, from AppendRelayed, is told the outcome once the anchor
	// covers the record (or it failed); called by the writer side, it must
	// not block.
	onDone func(seq uint64, err error)
}

// answer tells whoever waits for r its outcome.
func (r appendReq) answer(res appendResult) {
	r.reply <- res
	if r.onDone != nil {
		r.onDone(res.seq, res.err)
	}
	if res.err != nil && r.onErr != nil {
		r.onErr(res.err)
	}
}

type appendResult struct {
	seq uint64
	err error
}

// Open opens the log at path, creating it if needed, and continues the chain
// from its last record. now may be nil (time.Now). When the file ends before
// the anchor, Open succeeds but the log refuses every Append (see the
// package comment), so that Verify can still report the loss.
func Open(path string, anchor Anchor, now func() time.Time, opts ...Option) (*Log, error) {
	if now == nil {
		now = time.Now
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return nil, errs.Internalf(err, "open audit log %s", path)
	}
	if cut, err := cutTornTail(f); err != nil {
		_ = f.Close()
		return nil, err
	} else if cut > 0 {
		slog.Warn("audit log ended with a torn record from an interrupted write; cut it off (it was never acknowledged)", "path", path, "bytes", cut)
	}
	last, err := lastRecord(f)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	l := &Log{
		path: path, anchor: anchor, now: now, log: slog.Default(),
		reqs:    make(chan appendReq, 256),
		soon:    make(chan appendReq, 1024),
		done:    make(chan struct{}),
		durable: make(chan durableBatch, 16),
	}
	for _, o := range opts {
		o(l)
	}
	c := &chain{f: f}
	if st, err := f.Stat(); err != nil {
		_ = f.Close()
		return nil, errs.Internalf(err, "stat audit log %s", path)
	} else {
		c.size = st.Size()
	}
	behind := false
	if last != nil {
		c.seq, c.prev = last.Seq, last.Hash
	}
	if anchor != nil {
		aSeq, aHash, err := anchor.AuditAnchor(context.Background())
		if err != nil {
			_ = f.Close()
			return nil, errs.Internalf(err, "read audit anchor")
		}
		switch {
		case aSeq > c.seq:
			c.failed = errs.WrapM(fmt.Errorf("file ends at record %d, anchor at %d", c.seq, aSeq), errs.Unavailable,
				msg.AuditLogLostRecords, path, c.seq+1, aSeq)
		case aSeq == c.seq && aSeq > 0 && hex.EncodeToString(aHash) != c.prev:
			c.failed = errs.WrapM(fmt.Errorf("record %d differs from the anchored one", aSeq), errs.Unavailable,
				msg.AuditLogRewritten, path)
		case aSeq < c.seq:
			// A crash fell between a batch's fsync and its anchor save: those
			// records were never acknowledged; anchor them before anything new.
			behind = true
		}
		if c.failed != nil {
			l.health = c.failed
			l.log.Error("audit log refuses appends", "path", path, "err", c.failed)
		}
	}
	l.durableHead.Store(&head{c.seq, c.prev})
	l.wg.Add(2)
	go l.anchorer(c.seq, c.prev, behind)
	go l.writer(c)
	return l, nil
}

// cutTornTail removes a last line that has no newline: a write that a
// crash or a full disk interrupted. Every record is written with its newline
// in the same write and acknowledged only after fsync, so such a line was
// never acknowledged to anyone. A damaged line that ends with a newline is
// not touched: that is for `qesctl audit verify` to report.
func cutTornTail(f *os.File) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, errs.Internalf(err, "stat audit log")
	}
	if st.Size() == 0 {
		return 0, nil
	}
	const tail = 64 << 10
	off := max(st.Size()-tail, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return 0, errs.Internalf(err, "read audit log tail")
	}
	if buf[len(buf)-1] == '\n' {
		return 0, nil
	}
	i := bytes.LastIndexByte(buf, '\n')
	if i < 0 && off > 0 {
		return 0, errs.Internalf(errors.New("no line end in the last 64 KiB"), "audit log %s ends with a damaged record; run `qesctl audit verify`", f.Name())
	}
	keep := off + int64(i+1)
	if err := f.Truncate(keep); err != nil {
		return 0, errs.Internalf(err, "cut the torn end of audit log %s", f.Name())
	}
	if err := f.Sync(); err != nil {
		return 0, errs.Internalf(err, "sync audit log %s", f.Name())
	}
	return st.Size() - keep, nil
}

// lastRecord reads the tail of the file to continue the chain without
// reading the whole history.
func lastRecord(f *os.File) (*Record, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, errs.Internalf(err, "stat audit log")
	}
	if st.Size() == 0 {
		return nil, nil
	}
	const tail = 64 << 10
	off := max(st.Size()-tail, 0)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, errs.Internalf(err, "read audit log tail")
	}
	buf = bytes.TrimRight(buf, "\n")
	if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
		buf = buf[i+1:]
	}
	var r Record
	if err := json.Unmarshal(buf, &r); err != nil {
		return nil, errs.Internalf(err, "audit log %s ends with a damaged record; run `qesctl audit verify`", f.Name())
	}
	if want := r.computeHash(); want != r.Hash {
		return nil, errs.Internalf(fmt.Errorf("hash mismatch at seq %d", r.Seq), "audit log %s has been altered; run `qesctl audit verify`", f.Name())
	}
	return &r, nil
}

func (r *Record) computeHash() string {
	c := *r
	c.Hash = ""
	b, _ := json.Marshal(c) // a Record always marshals
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// soonDelay bounds how long a record from AppendSoon waits for company.
const soonDelay = 50 * time.Millisecond

// AppendSoon queues ev to be written with the next Append's fsync (or on
// its own within 50 ms) and returns at once. It is for records whose loss
// in a crash would cost information but never safety, such as the result
// of an action whose intent Append already made durable. Errors go to
// onErr (which may be nil), called from the writer.
func (l *Log) AppendSoon(ev Event, onErr func(error)) {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	reply := make(chan appendResult, 1)
	if closed {
		if onErr != nil {
			onErr(errs.WrapM(ErrClosed, errs.Unavailable, msg.AuditLogUnavailable))
		}
		return
	}
	select {
	case l.soon <- appendReq{ev: ev, reply: reply, onErr: onErr, soon: true}:
	case <-l.done:
		if onErr != nil {
			onErr(errs.WrapM(ErrClosed, errs.Unavailable, msg.AuditLogUnavailable))
		}
	}
}

// AppendRelayed queues ev in order with the Appends, without waiting. It
// is for records already durable elsewhere (the store's audit outbox):
// done, if not nil, is told the outcome once the record is on disk and
// anchored, so that the other copy can be dropped; it is called from the
// log's own goroutines and must not block. With done nil nobody waits and
// the record costs no anchor save of its own (like AppendSoon, but it
// keeps its place after the relayed records queued before it).
func (l *Log) AppendRelayed(ev Event, done func(seq uint64, err error)) {
	req := appendReq{ev: ev, reply: make(chan appendResult, 1), onDone: done, soon: done == nil}
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if !closed {
		select {
		case l.reqs <- req:
			return
		case <-l.done:
		}
	}
	if done != nil {
		done(0, errs.WrapM(ErrClosed, errs.Unavailable, msg.AuditLogUnavailable))
	}
}

// Append writes ev and returns once it is on disk.
func (l *Log) Append(ctx context.Context, ev Event) (uint64, error) {
	if l.observe == nil {
		return l.send(ctx, appendReq{ev: ev})
	}
	start := time.Now()
	seq, err := l.send(ctx, appendReq{ev: ev})
	l.observe(ev, time.Since(start), err)
	return seq, err
}

// Flush returns once every record queued before it, by Append or
// AppendSoon, is on disk: tests and shutdown paths wait on it instead of
// on the 50 ms AppendSoon delay.
func (l *Log) Flush(ctx context.Context) error {
	_, err := l.send(ctx, appendReq{flush: true})
	return err
}

func (l *Log) send(ctx context.Context, req appendReq) (uint64, error) {
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return 0, errs.WrapM(ErrClosed, errs.Unavailable, msg.AuditLogUnavailable)
	}
	req.reply = make(chan appendResult, 1)
	select {
	case l.reqs <- req:
	case <-l.done:
		return 0, errs.WrapM(ErrClosed, errs.Unavailable, msg.AuditLogUnavailable)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	// Once queued, the record will be written; wait for the outcome even if
	// ctx ends, so the caller never acts on an unknown audit state.
	res := <-req.reply
	return res.seq, res.err
}

func (l *Log) writer(c *chain) {
	defer l.wg.Done()
	if c != nil {
		defer c.f.Close()
		defer close(l.durable) // after the last batch: the anchorer then returns
	}
	var waiting []appendReq // from AppendSoon
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		var batch []appendReq
		select {
		case r := <-l.reqs:
			// Records waiting from AppendSoon ride along with this fsync.
		soonDrain:
			for {
				select {
				case w := <-l.soon:
					waiting = append(waiting, w)
				default:
					break soonDrain
				}
			}
			batch = append(waiting, r)
			waiting = nil
			timer.Stop()
		case r := <-l.soon:
			if len(waiting) == 0 {
				timer.Reset(soonDelay)
			}
			waiting = append(waiting, r)
			continue
		case <-timer.C:
			batch, waiting = waiting, nil
		case <-l.done:
			for len(l.soon) > 0 {
				waiting = append(waiting, <-l.soon)
			}
			l.commit(c, waiting, true)
			// Refuse what was queued for Append after Close.
			for {
				select {
				case r := <-l.reqs:
					r.answer(appendResult{err: errs.WrapM(ErrClosed, errs.Unavailable, msg.AuditLogUnavailable)})
				default:
					return
				}
			}
		}
	drain:
		for len(batch) < 512 {
			select {
			case r := <-l.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		l.commit(c, batch, false)
	}
}

// durableBatch is a batch the writer has written and fsync'd (or failed
// to), waiting for the anchor.
type durableBatch struct {
	batch []appendReq
	seqs  []uint64
	err   error  // the write failed: nothing to anchor, answer this
	seq   uint64 // the chain's head after this batch
	hash  string
	need  bool // someone waits for this batch (Append, Flush, Close)
}

// commit makes batch durable and hands it to the anchorer, which answers
// it. The writer goes on with the next batch meanwhile, so the log's fsync
// and the anchor's database commit overlap under load.
func (l *Log) commit(c *chain, batch []appendReq, force bool) {
	if l.chain != nil {
		if len(batch) > 0 {
			l.commitStore(batch)
		}
		return
	}
	seqs, err := c.write(batch, l.now)
	need := force
	for _, r := range batch {
		need = need || !r.soon
	}
	if len(batch) == 0 && !need {
		return
	}
	if err == nil {
		l.durableHead.Store(&head{c.seq, c.prev})
		if l.onDurable != nil {
			l.onDurable(c.seq)
		}
	}
	l.durable <- durableBatch{batch: batch, seqs: seqs, err: err, seq: c.seq, hash: c.prev, need: need}
}

// anchorer saves the anchor at the newest durable head, once for every
// group of batches waiting (group commit for the anchor too), and only then
// answers them: an acknowledged record is always at or before the anchor.
// head..behind describe the file at Open. A HeadAnchor gets headAnchorer
// instead.
func (l *Log) anchorer(headSeq uint64, headHash string, behind bool) {
	defer l.wg.Done()
	if _, ok := l.anchor.(HeadAnchor); ok {
		l.headAnchorer(headSeq, headHash, behind)
		return
	}
	var group []durableBatch
	if behind {
		// A crash fell between a fsync and its anchor: anchor those
		// unacknowledged records before anything new is acknowledged.
		group = append(group, durableBatch{seq: headSeq, hash: headHash, need: true})
	}
	for {
		if len(group) == 0 {
			d, ok := <-l.durable
			if !ok {
				return
			}
			group = append(group, d)
		}
	drain:
		for {
			select {
			case d, ok := <-l.durable:
				if !ok {
					break drain
				}
				group = append(group, d)
			default:
				break drain
			}
		}
		need := false
		var writeErr error
		for _, d := range group {
			need = need || d.need
			if d.err != nil {
				writeErr = d.err
			} else if d.seq > headSeq {
				headSeq, headHash, behind = d.seq, d.hash, true
			}
		}
		var anchorErr error
		if l.anchor == nil {
			behind = false
		} else if need && behind {
			h, _ := hex.DecodeString(headHash) // our own hex
			if err := l.anchor.SaveAuditAnchor(context.Background(), headSeq, h); err != nil {
				anchorErr = errs.WrapM(err, errs.Unavailable, msg.AuditSaveAnchor, headSeq)
				l.log.Error("audit anchor not saved: appends fail until it is", "seq", headSeq, "err", anchorErr)
			} else {
				behind = false
			}
		}
		switch {
		case writeErr != nil:
			l.setHealth(writeErr)
		case need:
			l.setHealth(anchorErr)
		}
		for _, d := range group {
			err := d.err
			if err == nil {
				err = anchorErr
			}
			for i, r := range d.batch {
				res := appendResult{err: err}
				if err == nil {
					res.seq = d.seqs[i]
				}
				r.answer(res)
			}
		}
		group = group[:0]
	}
}

// saveResult is the outcome of one HeadAnchor save.
type saveResult struct {
	target uint64 // the newest waiting batch when it was asked
	seq    uint64 // the head it saved
	hash   string
	err    error
}

// headAnchorer is the anchorer for a HeadAnchor, whose saves wait for a
// commit shared with other writers. The plain anchorer waits for each
// save, so batches fsync'd while a save is being committed wait for it to
// end and then for a whole further commit. This one does not wait: as
// soon as a save's commit has begun it may ask for the next one, which
// joins the next commit and anchors the newest durable head then (so at
// most one save waits for a commit, and one is being committed).
// Each batch is answered once an anchor save covers it (or with the error
// of the save meant for it). Saves commit in order and each reads a head
// at least as new as the one before, so the anchor never moves back.
func (l *Log) headAnchorer(headSeq uint64, headHash string, behind bool) {
	ha := l.anchor.(HeadAnchor)
	var (
		waiting  []durableBatch // fsync'd batches someone waits for, not yet anchored
		anchored uint64         // the anchor covers records up to here
		asked    uint64         // the newest target of a save under way
		inFlight int            // saves asked for and not yet answered
		queued   int            // of these, saves whose commit has not begun
		results  = make(chan saveResult, 4)
		begun    = make(chan uint64, 4) // a save's commit began; the head it read
		durable  = l.durable
	)
	anchored = headSeq
	if behind {
		// A crash fell between a fsync and its anchor: anchor those
		// unacknowledged records before anything new is acknowledged.
		anchored = 0
		waiting = append(waiting, durableBatch{seq: headSeq, hash: headHash, need: true})
	}
	answer := func(d durableBatch, err error) {
		for i, r := range d.batch {
			res := appendResult{err: err}
			if err == nil {
				res.seq = d.seqs[i]
			}
			r.answer(res)
		}
	}
	// settle answers the waiting batches the anchor now covers, or, when
	// a save failed, those it was meant for.
	settle := func(upTo uint64, err error) {
		keep := waiting[:0]
		for _, d := range waiting {
			if d.seq <= upTo {
				answer(d, err)
			} else {
				keep = append(keep, d)
			}
		}
		waiting = keep
	}
	for durable != nil || inFlight > 0 || len(waiting) > 0 {
		if n := len(waiting); n > 0 && queued == 0 && waiting[n-1].seq > asked {
			target := waiting[n-1]
			asked, inFlight, queued = target.seq, inFlight+1, queued+1
			go func() {
				var saved head
				var once sync.Once
				_, _, err := ha.SaveAuditAnchorHead(context.Background(), func() (uint64, []byte) {
					saved = head{target.seq, target.hash}
					if d := l.durableHead.Load(); d.seq > saved.seq {
						saved = *d
					}
					// The commit that will carry it has begun; a re-run
					// reads a head at least as new.
					once.Do(func() { begun <- saved.seq })
					h, _ := hex.DecodeString(saved.hash) // our own hex
					return saved.seq, h
				})
				once.Do(func() { begun <- 0 }) // a save that failed before it began
				results <- saveResult{target: target.seq, seq: saved.seq, hash: saved.hash, err: err}
			}()
		}
		select {
		case d, ok := <-durable:
			switch {
			case !ok:
				durable = nil
			case d.err != nil:
				l.setHealth(d.err)
				answer(d, d.err)
			case !d.need:
				// AppendSoon records alone: nobody waits for the anchor.
				answer(d, nil)
			case d.seq <= anchored:
				l.setHealth(nil)
				answer(d, nil)
			default:
				waiting = append(waiting, d)
			}
		case seq := <-begun:
			// What arrived up to seq needs no save of its own.
			queued, asked = queued-1, max(asked, seq)
		case r := <-results:
			inFlight--
			if r.err != nil {
				err := errs.WrapM(r.err, errs.Unavailable, msg.AuditSaveAnchor, r.target)
				l.log.Error("audit anchor not saved: appends fail until it is", "seq", r.target, "err", err)
				l.setHealth(err)
				// It was meant for its target and for the head it read.
				settle(max(r.target, r.seq), err)
			} else {
				anchored = max(anchored, r.seq)
				l.setHealth(nil)
				settle(anchored, nil)
			}
			if inFlight == 0 {
				// Nothing under way: whatever waits, or comes, above the
				// anchor needs a save of its own.
				asked = anchored
			}
		}
	}
}

func (l *Log) setHealth(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.health == nil && err != nil || l.health != nil && err == nil {
		l.log.Info("audit log health changed", "ok", err == nil, "err", err)
	}
	l.health = err
}

// Health reports why the log cannot acknowledge records now: it is
// closed, or a failed write, a failed anchor save, or a loss found at
// Open; nil when it can. It reads the state the last batch left.
func (l *Log) Health() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errs.WrapM(ErrClosed, errs.Unavailable, msg.AuditLogUnavailable)
	}
	return l.health
}

// Ready is Health after a round through the writer, which retries a failed
// anchor save even when no record is waiting: an idle log recovers from a
// transient anchor failure without an append.
func (l *Log) Ready(ctx context.Context) error {
	if err := l.Flush(ctx); err != nil {
		return err
	}
	return l.Health()
}

// chain is the writer's end of the log: the file and the last link.
type chain struct {
	f    *os.File
	size int64 // bytes of whole, durable records: where a failed write is cut back to
	seq  uint64
	prev string
	buf  bytes.Buffer
	// failed is set when a failed write could not be cut back: the file may
	// end with a torn record, so nothing more is chained onto it.
	failed error
}

// write appends batch with one write and one fsync and returns the
// sequence number of each request (0 for a Flush).
func (c *chain) write(batch []appendReq, now func() time.Time) ([]uint64, error) {
	if c.failed != nil {
		return nil, c.failed
	}
	c.buf.Reset()
	startSeq, startPrev := c.seq, c.prev
	seqs := make([]uint64, len(batch))
	for i, r := range batch {
		if r.flush {
			continue
		}
		c.seq++
		rec := Record{Seq: c.seq, Time: now().UTC(), Event: r.ev, Prev: c.prev}
		rec.Hash = rec.computeHash()
		b, err := json.Marshal(rec)
		if err != nil {
			c.failed = errs.Internalf(err, "encode audit record")
			break
		}
		c.buf.Write(b)
		c.buf.WriteByte('\n')
		c.prev = rec.Hash
		seqs[i] = c.seq
	}
	if c.failed != nil {
		c.seq, c.prev = startSeq, startPrev
		return nil, c.failed
	}
	if c.buf.Len() == 0 {
		// Earlier batches are already synced: a batch of Flushes alone has
		// nothing to write.
		return seqs, nil
	}
	var failure error
	if _, err := c.f.Write(c.buf.Bytes()); err != nil {
		failure = errs.WrapM(err, errs.Unavailable, msg.AuditWriteAuditLog)
	} else if err := c.f.Sync(); err != nil {
		failure = errs.WrapM(err, errs.Unavailable, msg.AuditSyncAuditLog)
	}
	if failure != nil {
		// Nothing of this batch was acknowledged: cut the file back to its
		// last whole record, so that a full disk leaves no torn record and
		// the next batch (once space returns) chains on as if this one had
		// never been tried. Only if that fails too is the log stopped.
		c.seq, c.prev = startSeq, startPrev
		if err := c.f.Truncate(c.size); err != nil {
			c.failed = errors.Join(failure, errs.WrapM(err, errs.Unavailable, msg.AuditTruncateAfterFailedWrite))
		} else if err := c.f.Sync(); err != nil {
			c.failed = errors.Join(failure, errs.WrapM(err, errs.Unavailable, msg.AuditSyncAfterFailedWrite))
		}
		return nil, failure
	}
	c.size += int64(c.buf.Len())
	return seqs, nil
}

// Close writes what AppendSoon left waiting, anchors it and closes the
// file. Appends after Close fail.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.done)
	l.wg.Wait()
	return nil
}

// Report is the outcome of Verify.
type Report struct {
	Records uint64
	Problem string // empty when the chain is intact
	// MissingFrom..MissingTo are the acknowledged records absent from the
	// file (the file ends before the anchor); both 0 when none are.
	MissingFrom, MissingTo uint64
}

// Verify reads the whole log at path and checks every link, and, when an
// anchor is given, that no record after it was cut off.
func Verify(ctx context.Context, path string, anchor Anchor) (Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return Report{}, errs.Internalf(err, "open audit log %s", path)
	}
	defer f.Close()
	var rep Report
	var anchorSeq uint64
	var anchorHash []byte
	if anchor != nil {
		if anchorSeq, anchorHash, err = anchor.AuditAnchor(ctx); err != nil {
			return rep, err
		}
	}
	prev, hashAtAnchor := "", ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		line++
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			rep.Problem = fmt.Sprintf("line %d is not a valid record: %v", line, err)
			if !sc.Scan() && anchorSeq > rep.Records {
				// A torn last line before the anchor: name the loss exactly.
				rep.MissingFrom, rep.MissingTo = rep.Records+1, anchorSeq
				rep.Problem = fmt.Sprintf("records %d..%d acknowledged but missing: the log ends at record %d with a torn line %d, its anchor at %d", rep.Records+1, anchorSeq, rep.Records, line, anchorSeq)
			}
			return rep, nil
		}
		switch {
		case r.Seq != rep.Records+1:
			rep.Problem = fmt.Sprintf("line %d has sequence %d, want %d: a record was removed or reordered", line, r.Seq, rep.Records+1)
		case r.Prev != prev:
			rep.Problem = fmt.Sprintf("record %d does not chain to record %d: a record was removed, inserted or edited", r.Seq, r.Seq-1)
		case r.computeHash() != r.Hash:
			rep.Problem = fmt.Sprintf("record %d was edited (its hash does not match its content)", r.Seq)
		}
		if rep.Problem != "" {
			return rep, nil
		}
		rep.Records = r.Seq
		prev = r.Hash
		if r.Seq == anchorSeq {
			hashAtAnchor = r.Hash
		}
	}
	if err := sc.Err(); err != nil {
		return rep, errs.Internalf(err, "read audit log")
	}
	if anchorSeq > rep.Records {
		rep.MissingFrom, rep.MissingTo = rep.Records+1, anchorSeq
		rep.Problem = fmt.Sprintf("records %d..%d acknowledged but missing: the log ends at record %d, its anchor at %d (cut off the end)", rep.Records+1, anchorSeq, rep.Records, anchorSeq)
	} else if anchorSeq > 0 && hashAtAnchor != hex.EncodeToString(anchorHash) {
		rep.Problem = fmt.Sprintf("record %d differs from the anchored one: the log was rewritten", anchorSeq)
	}
	return rep, nil
}
