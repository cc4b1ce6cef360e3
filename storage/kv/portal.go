package kv

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

var (
	bPortalSessions = []byte("portal_sessions")
	// bPortalByHolder indexes sessions by holder ("<holder>\x00<key>") so
	// that a password change ends them all without a full scan.
	bPortalByHolder = []byte("portal_sessions_by_holder")
	// bSignatures is the signing history, keyed "<holder>\x00<unix ns
	// big-endian><sequence>" so that a holder's date range is one cursor
	// walk in time order.
	bSignatures = []byte("signatures")
)

// Each aggregate's file adds its buckets to allBuckets (Buckets), which
// an engine that needs them created (bbolt) creates at open.
func init() {
	allBuckets = append(allBuckets, bPortalSessions, bPortalByHolder, bSignatures)
}

// --- portal sessions (sessions.go)

func (d *DB) PutPortalSession(ctx context.Context, s *storage.PortalSession) error {
	return d.update(ctx, func(tx Tx) error { return portalSessions.create(tx, s) })
}

func (d *DB) PortalSession(ctx context.Context, key string) (s *storage.PortalSession, err error) {
	err = d.view(ctx, func(tx Tx) error {
		s, err = portalSessions.get(tx, key)
		return err
	})
	return s, err
}

func (d *DB) UpdatePortalSession(ctx context.Context, key string, fn func(*storage.PortalSession) error) error {
	return d.update(ctx, func(tx Tx) error { return portalSessions.update(tx, key, fn) })
}

func (d *DB) DeletePortalSession(ctx context.Context, key string) error {
	return d.update(ctx, func(tx Tx) error { return portalSessions.delete(tx, []byte(key)) })
}

func (d *DB) DeleteHolderPortalSessions(ctx context.Context, holderID string) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n, err = portalSessions.deleteOwner(tx, holderID)
		return err
	})
	return n, err
}

func (d *DB) DeleteEndedPortalSessions(ctx context.Context, now time.Time) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n, err = portalSessions.deleteEnded(tx, now)
		return err
	})
	return n, err
}

// DeleteHolderTokens walks tokens_by_holder and oauth_codes_by_holder: a
// password change costs the holder's tokens and codes, not every token.
func (d *DB) DeleteHolderTokens(ctx context.Context, holderID string) (n int, err error) {
	if holderID == "" {
		return 0, nil
	}
	err = d.update(ctx, func(tx Tx) error {
		if n, err = deleteOwnedTokens(tx, bTokensByHolder, holderID); err != nil {
			return err
		}
		codes, err := authCodes.deleteOwner(tx, holderID)
		n += codes
		return err
	})
	return n, err
}

// --- signing history

func signatureKey(holderID string, at time.Time, seq uint64) []byte {
	k := make([]byte, 0, len(holderID)+17)
	k = append(k, holderID...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, uint64(at.UnixNano()))
	return binary.BigEndian.AppendUint64(k, seq)
}

// signatureTie orders one process's batches of the same instant as they
// were added (the counter, high bits) and keeps two processes' keys apart
// (a random process tag, low bits).
var (
	signatureTie    atomic.Uint64
	signatureTieTag = rand.Uint64() & (1<<24 - 1)
)

func nextSignatureTie() uint64 { return signatureTie.Add(1)<<24 | signatureTieTag }

func (d *DB) AddSignatureBatch(ctx context.Context, b *storage.SignatureBatch) error {
	if b.HolderID == "" || b.At.IsZero() {
		return errs.E(errs.Internal, "a signature batch needs a holder and a time")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// History records come after every signHash; they ride along with
	// the next group commit of the signing path's SAD uses and audit
	// anchors (Engine.GroupSoon; storage/bolt's group.go) instead of taking the writer lock for
	// commits of their own in front of the next requests' SAD commits.
	// The key's tie-breaker is taken here, outside the transaction: a
	// group re-run writes the same key again (no duplicate), and no
	// shared sequence row serialises every node's history writes.
	key := signatureKey(b.HolderID, b.At, nextSignatureTie())
	val, err := json.Marshal(b)
	if err != nil {
		return errs.Internalf(err, "encode signature batch")
	}
	return d.groupSoon(ctx, func(tx Tx) error {
		return tx.Bucket(bSignatures).Put(key, val)
	})
}

func (d *DB) SignatureBatches(ctx context.Context, holderID string, from, to time.Time, fn func(*storage.SignatureBatch) error) error {
	return d.view(ctx, func(tx Tx) error {
		prefix := []byte(holderID + "\x00")
		start := prefix
		if !from.IsZero() && from.UnixNano() > 0 {
			start = signatureKey(holderID, from, 0)
		}
		var end []byte
		if !to.IsZero() {
			end = signatureKey(holderID, to, 0)
		}
		c := tx.Bucket(bSignatures).Cursor()
		for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if end != nil && bytes.Compare(k, end) >= 0 {
				break
			}
			var b storage.SignatureBatch
			if err := json.Unmarshal(v, &b); err != nil {
				return errs.Internalf(err, "decode signature batch")
			}
			if err := fn(&b); err != nil {
				return err
			}
		}
		return nil
	})
}
