package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Chain is a store that keeps the chain itself (storage.AuditChain, named
// here in plain types so that audit imports no storage). A log kept there
// is one chain for every qesd process sharing the store: the records and
// the head are written in one transaction, and the store serialises
// concurrent appenders on the head. The head is then the anchor: it lives
// with the records, in the same database.
type Chain interface {
	AppendAudit(ctx context.Context, seal func(seq uint64, prev string) ([][]byte, string, error)) error
	AuditHead(ctx context.Context) (seq uint64, hash string, err error)
	AuditRecords(ctx context.Context, after uint64, limit int) ([]uint64, [][]byte, error)
}

// storeTimeout bounds one append's transaction: a store that hangs fails
// the appends instead of holding their callers forever.
const storeTimeout = 30 * time.Second

// OpenStore opens the log kept in chain. Appends are grouped like the
// file log's (one transaction for what arrived while the previous one
// ran), and each is acknowledged once its transaction has committed.
func OpenStore(ctx context.Context, chain Chain, now func() time.Time, opts ...Option) (*Log, error) {
	if now == nil {
		now = time.Now
	}
	if _, _, err := chain.AuditHead(ctx); err != nil {
		return nil, errs.Internalf(err, "read the audit chain's head")
	}
	l := &Log{
		chain: chain, now: now, log: slog.Default(),
		reqs:    make(chan appendReq, 256),
		soon:    make(chan appendReq, 1024),
		done:    make(chan struct{}),
		durable: make(chan durableBatch), // unused: no anchorer
	}
	for _, o := range opts {
		o(l)
	}
	l.wg.Add(1)
	go l.writer(nil)
	return l, nil
}

// sealRecords chains evs after (seq, prev), all stamped at, and returns
// the encoded records, the new head's hash and each event's number.
func sealRecords(evs []Event, at time.Time, seq uint64, prev string) ([][]byte, string, []uint64, error) {
	out := make([][]byte, 0, len(evs))
	seqs := make([]uint64, 0, len(evs))
	for _, ev := range evs {
		seq++
		rec := Record{Seq: seq, Time: at, Event: ev, Prev: prev}
		rec.Hash = rec.computeHash()
		b, err := json.Marshal(rec)
		if err != nil {
			return nil, "", nil, errs.Internalf(err, "encode audit record")
		}
		out = append(out, b)
		seqs = append(seqs, seq)
		prev = rec.Hash
	}
	return out, prev, seqs, nil
}

// commitStore writes batch in one store transaction and answers it.
func (l *Log) commitStore(batch []appendReq) {
	var evs []Event
	for _, r := range batch {
		if !r.flush {
			evs = append(evs, r.ev)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	var err error
	var seqs []uint64
	if len(evs) == 0 {
		// Only Flushes (Ready): a read of the head tells whether the store
		// answers, so that an idle log notices it recovered.
		_, _, err = l.chain.AuditHead(ctx)
	} else {
		at := l.now().UTC()
		err = l.chain.AppendAudit(ctx, func(seq uint64, prev string) ([][]byte, string, error) {
			recs, head, s, err := sealRecords(evs, at, seq, prev)
			seqs = s // the last run is the one that commits
			return recs, head, err
		})
	}
	if err != nil {
		err = errs.WrapM(err, errs.Unavailable, msg.AuditWriteAuditLog)
		l.log.Error("audit records not stored", "records", len(evs), "err", err)
	}
	l.setHealth(err)
	i := 0
	for _, r := range batch {
		res := appendResult{err: err}
		if !r.flush {
			if err == nil {
				res.seq = seqs[i]
			}
			i++
		}
		r.answer(res)
	}
}

// Seal returns, for a log kept in a store, the seal that chains ev as one
// record: the store's signing path writes it in the same transaction as
// the SAD use it records (storage.SADUse.Chain). For a file log it
// returns nil: the file is written by this process alone.
func (l *Log) Seal(ev Event) func(seq uint64, prev string) ([][]byte, string, error) {
	if l.chain == nil {
		return nil
	}
	at := l.now().UTC()
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	return func(seq uint64, prev string) ([][]byte, string, error) {
		if closed {
			// Fail closed like Append: no signature without its record.
			return nil, "", errs.WrapM(ErrClosed, errs.Unavailable, msg.AuditLogUnavailable)
		}
		recs, head, _, err := sealRecords([]Event{ev}, at, seq, prev)
		return recs, head, err
	}
}

// InStore reports whether the log is kept in the store (OpenStore).
func (l *Log) InStore() bool { return l.chain != nil }

// verifyPage is how many records VerifyChain reads per transaction.
const verifyPage = 1000

// VerifyChain checks every link of a chain kept in a store and that its
// head names its last record: an edited, removed, reordered, inserted or
// cut-off record is reported like Verify reports them in a file.
//
// Live nodes may append while it runs. Records and head are written in
// one transaction and the head never moves back, so records found past
// the head read at the start are checked against a head read after
// them: only records that head does not cover were added outside qes.
func VerifyChain(ctx context.Context, chain Chain) (Report, error) {
	var rep Report
	headSeq, headHash, err := chain.AuditHead(ctx)
	if err != nil {
		return rep, errs.Internalf(err, "read the audit chain's head")
	}
	prev, hashAtHead := "", ""
	for {
		keys, recs, err := chain.AuditRecords(ctx, rep.Records, verifyPage)
		if err != nil {
			return rep, errs.Internalf(err, "read audit records after %d", rep.Records)
		}
		if len(recs) == 0 {
			break
		}
		for i, raw := range recs {
			key := keys[i]
			var r Record
			if err := json.Unmarshal(raw, &r); err != nil {
				rep.Problem = fmt.Sprintf("record %d is not a valid record: %v", key, err)
				return rep, nil
			}
			switch {
			case key != rep.Records+1:
				rep.Problem = fmt.Sprintf("record %d follows record %d: records %d..%d were removed", key, rep.Records, rep.Records+1, key-1)
			case r.Seq != key:
				rep.Problem = fmt.Sprintf("the record stored as %d has sequence %d: records were reordered", key, r.Seq)
			case r.Prev != prev:
				rep.Problem = fmt.Sprintf("record %d does not chain to record %d: a record was removed, inserted or edited", r.Seq, r.Seq-1)
			case r.computeHash() != r.Hash:
				rep.Problem = fmt.Sprintf("record %d was edited (its hash does not match its content)", r.Seq)
			}
			if rep.Problem != "" {
				return rep, nil
			}
			rep.Records, prev = r.Seq, r.Hash
			if r.Seq == headSeq {
				hashAtHead = r.Hash
			}
		}
	}
	switch {
	case headSeq > rep.Records:
		rep.MissingFrom, rep.MissingTo = rep.Records+1, headSeq
		rep.Problem = fmt.Sprintf("records %d..%d acknowledged but missing: the chain ends at record %d, its head at %d (cut off the end)", rep.Records+1, headSeq, rep.Records, headSeq)
	case headSeq > 0 && hashAtHead != headHash:
		rep.Problem = fmt.Sprintf("record %d differs from the head's: the chain was rewritten", headSeq)
	case headSeq < rep.Records:
		later, _, err := chain.AuditHead(ctx)
		if err != nil {
			return rep, errs.Internalf(err, "read the audit chain's head again")
		}
		if later < rep.Records {
			rep.Problem = fmt.Sprintf("records %d..%d are beyond the chain's head %d: they were added outside qes", later+1, rep.Records, later)
		}
	}
	return rep, nil
}

// recordInChain is RecordAt for a chain kept in a store.
func recordInChain(ctx context.Context, chain Chain, seq uint64) (*Record, bool, error) {
	if seq == 0 {
		return nil, false, nil
	}
	keys, recs, err := chain.AuditRecords(ctx, seq-1, 1)
	if err != nil {
		return nil, false, errs.Internalf(err, "read audit record %d", seq)
	}
	if len(recs) == 0 || keys[0] != seq {
		return nil, false, nil
	}
	var r Record
	if err := json.Unmarshal(recs[0], &r); err != nil {
		return nil, false, errs.Internalf(err, "decode audit record %d", seq)
	}
	if r.Seq != seq || r.computeHash() != r.Hash {
		return nil, true, errs.Ef(errs.Internal, "audit record %d was edited (its hash does not match its content)", seq)
	}
	return &r, true, nil
}

// Verify checks the whole log: the file's chain against its anchor, or
// the store's chain against its head.
func (l *Log) Verify(ctx context.Context) (Report, error) {
	if l.chain != nil {
		return VerifyChain(ctx, l.chain)
	}
	return Verify(ctx, l.path, l.anchor)
}

// RecordAt reads record seq back, its own hash checked (see the package
// function RecordAt); ok is false when there is none.
func (l *Log) RecordAt(ctx context.Context, seq uint64) (*Record, bool, error) {
	if l.chain != nil {
		return recordInChain(ctx, l.chain, seq)
	}
	return RecordAt(ctx, l.path, seq)
}
