package sam

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// The signing path's durable write, for a log kept in a file (a log kept
// in the store chains the intent in the SAD use's transaction itself). A signature's intent must be on disk
// before the HSM signs, and so must the SAD's use. Both go into the store
// in one transaction (UseSAD: the intent in the audit outbox), which the
// store commits together with the concurrent requests' (group commit): one
// durable commit on the path instead of a log fsync, an anchor commit and
// a SAD commit one after another. The relay then moves the intent into
// the hash-chained log, in order with everything else, and deletes it from
// the outbox once the log's anchor covers it. A crash in between leaves it
// in the outbox, and RelayAuditOutbox puts it in the log at the next
// start, marked "recovered" (it may then be in the log twice, once before
// the crash beyond the anchor and once recovered: an intent is never a
// signature, and both carry the same "intent" ID).

// maxRelaying bounds the intents between the outbox and the log: when the
// log falls that far behind, signing requests wait (or give up with their
// context) instead of growing the outbox without limit.
const maxRelaying = 4096

type relay struct {
	slots   chan struct{}
	pending sync.WaitGroup
	// stuck says a relay failed: intents wait in the outbox.
	stuck atomic.Bool
	// recovering serialises the relays of what is stuck.
	recovering sync.Mutex
}

func newRelay() *relay { return &relay{slots: make(chan struct{}, maxRelaying)} }

// outboxIntent stores intent with the SAD's use, after u.Check accepts it
// in the same transaction, and relays it to the audit log; the caller may
// sign once it returns nil.
func (s *Service) outboxIntent(ctx context.Context, u storage.SADUse, intent audit.Event) error {
	id, err := outboxID(s.now())
	if err != nil {
		return err
	}
	detail := make(map[string]string, len(intent.Detail)+1)
	for k, v := range intent.Detail {
		detail[k] = v
	}
	detail["intent"] = id
	intent.Detail = detail
	if seal := s.audit.Seal(intent); seal != nil {
		// The log is the store's chain: the intent is chained in the SAD
		// use's own transaction, nothing to relay.
		u.Chain = seal
		err := s.store.UseSAD(ctx, u)
		if errs.Is(err, errs.Unavailable) {
			return errs.WrapM(err, errs.Unavailable, msg.SignatureNotAudited)
		}
		return err
	}
	raw, err := json.Marshal(intent)
	if err != nil {
		return errs.Internalf(err, "encode signature intent")
	}
	u.Intent = storage.OutboxRecord{ID: id, Event: raw, At: s.now()}
	if s.audit.Health() != nil || s.relay.stuck.Load() {
		return s.intentDirect(ctx, u, intent)
	}
	select {
	case s.relay.slots <- struct{}{}:
	case <-ctx.Done():
		return errs.WrapM(ctx.Err(), errs.Unavailable, msg.SignatureNotAudited)
	}
	s.relay.pending.Add(1)
	if err := s.store.UseSAD(ctx, u); err != nil {
		s.relayed()
		return err
	}
	s.audit.AppendRelayed(intent, func(_ uint64, err error) {
		if err != nil {
			// The intent stays in the outbox, durable; the next signature
			// (or the next start) relays it.
			s.relay.stuck.Store(true)
			s.log.Error("signature intent not relayed to the audit log; kept in the outbox", "intent", id, "err", err)
			s.relayed()
			return
		}
		go func() {
			defer s.relayed()
			if err := s.store.DeleteOutboxRecords(context.Background(), []string{id}); err != nil {
				s.log.Warn("relayed signature intent not deleted from the outbox; the next start relays it again", "intent", id, "err", err)
			}
		}()
	})
	return nil
}

// intentDirect is the path while the log fails or intents are stuck in
// the outbox: relay those first, then append this intent and wait for it,
// as before the outbox existed. It fails closed while the log cannot
// write, and its append is what finds out that the log writes again (a
// full disk freed), without a restart. The SAD is spent by the same
// UseSAD (so the same checks run in its transaction); the outbox copy of
// an intent already in the log is dropped at once.
func (s *Service) intentDirect(ctx context.Context, u storage.SADUse, intent audit.Event) error {
	s.relay.recovering.Lock()
	if s.relay.stuck.Load() {
		if _, err := s.RelayAuditOutbox(ctx); err != nil {
			s.relay.recovering.Unlock()
			return errs.WrapM(err, errs.Unavailable, msg.SignatureNotAudited)
		}
		s.relay.stuck.Store(false)
	}
	s.relay.recovering.Unlock()
	if _, err := s.audit.Append(ctx, intent); err != nil {
		return errs.WrapM(err, errs.Unavailable, msg.SignatureNotAudited)
	}
	if err := s.store.UseSAD(ctx, u); err != nil {
		return err
	}
	if err := s.store.DeleteOutboxRecords(ctx, []string{u.Intent.ID}); err != nil {
		s.log.Warn("outbox copy of an appended intent not deleted; the next start appends it again", "intent", u.Intent.ID, "err", err)
	}
	return nil
}

func (s *Service) relayed() {
	<-s.relay.slots
	s.relay.pending.Done()
}

// DrainAuditRelay waits until every intent relayed so far is in the log
// and out of the outbox: shutdown calls it before closing the log.
func (s *Service) DrainAuditRelay(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.relay.pending.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("drain the audit relay: %w", ctx.Err())
	}
}

// RelayAuditOutbox appends to the log what a crash left in the outbox, in
// order, marked "recovered", and empties it. Start-up runs it before
// serving, so that the log is whole before anything new is signed.
func (s *Service) RelayAuditOutbox(ctx context.Context) (n int, err error) {
	for {
		recs, err := s.store.OutboxRecords(ctx, 256)
		if err != nil {
			return n, fmt.Errorf("read the audit outbox: %w", err)
		}
		if len(recs) == 0 {
			return n, nil
		}
		ids := make([]string, 0, len(recs))
		for _, r := range recs {
			var ev audit.Event
			if err := json.Unmarshal(r.Event, &ev); err != nil {
				return n, errs.Internalf(err, "decode audit outbox record %s", r.ID)
			}
			if ev.Detail == nil {
				ev.Detail = map[string]string{}
			}
			ev.Detail["recovered"] = "true"
			ev.Detail["intent"] = r.ID
			if _, err := s.audit.Append(ctx, ev); err != nil {
				return n, fmt.Errorf("relay audit outbox record %s: %w", r.ID, err)
			}
			ids = append(ids, r.ID)
			n++
		}
		if err := s.store.DeleteOutboxRecords(ctx, ids); err != nil {
			return n, fmt.Errorf("empty the audit outbox: %w", err)
		}
	}
}

// outboxID orders records by time and cannot collide across nodes.
func outboxID(now time.Time) (string, error) {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", errs.Internalf(err, "draw an outbox record ID")
	}
	return fmt.Sprintf("%016x-%s", now.UnixNano(), hex.EncodeToString(r[:])), nil
}

// sadKeys remembers the store key of SADs seen recently: the key is an
// HMAC in the token, and a SAD authorized for 100 one-hash signHash calls
// would otherwise cost the token 100 HMACs besides the 100 signatures. It
// is keyed by the SAD's SHA-256 (never the SAD), bounded, and its entries
// end with the SAD's longest lifetime.
type sadKeys struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]sadKeyEntry
}

type sadKeyEntry struct {
	key     []byte
	expires time.Time
}

const maxSADKeys = 1 << 16

func (m *sadKeys) get(sad string, now time.Time) ([]byte, bool) {
	id := sha256.Sum256([]byte(sad))
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[id]
	if !ok || now.After(e.expires) {
		return nil, false
	}
	return e.key, true
}

func (m *sadKeys) put(sad string, key []byte, expires, now time.Time) {
	id := sha256.Sum256([]byte(sad))
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = make(map[[sha256.Size]byte]sadKeyEntry)
	}
	if len(m.entries) >= maxSADKeys {
		for k, e := range m.entries {
			if now.After(e.expires) {
				delete(m.entries, k)
			}
		}
		if len(m.entries) >= maxSADKeys {
			return // full of live SADs: the token computes the rest
		}
	}
	m.entries[id] = sadKeyEntry{key: key, expires: expires}
}
