package kv

import (
	"bytes"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// sessionTable is a bucket of web sessions by key with an index by owner
// ("<owner>\x00<key>"), so that ending every session of one owner (a
// password change, a reset) is one cursor walk and not a scan, and an
// index by end (the earlier of the idle deadline and the expiry), so that
// the periodic sweep of ended sessions walks only those. The portal's
// sessions belong to holders, the shop's to customers, the console's to
// officers.
type sessionTable[T any] struct {
	bucket, byOwner []byte
	byEnd           expiryIndex
	what            string
	// owner and key read a session's owner and key; neither ever changes.
	owner, key func(*T) string
	// end is when the session ends: its Ended(now) is !now.Before(end).
	end func(*T) time.Time
}

// sessionEnd is the end of a session that ends at whichever of its idle
// deadline and its expiry comes first.
func sessionEnd(idleUntil, expiresAt time.Time) time.Time {
	if idleUntil.Before(expiresAt) {
		return idleUntil
	}
	return expiresAt
}

var portalSessions = sessionTable[storage.PortalSession]{
	bucket: bPortalSessions, byOwner: bPortalByHolder, byEnd: bPortalByEnd, what: "portal session",
	owner: func(s *storage.PortalSession) string { return s.HolderID },
	key:   func(s *storage.PortalSession) string { return s.Key },
	end:   func(s *storage.PortalSession) time.Time { return sessionEnd(s.IdleUntil, s.ExpiresAt) },
}

var customerSessions = sessionTable[storage.CustomerSession]{
	bucket: bCustSessions, byOwner: bCustSessByCust, byEnd: bCustSessByEnd, what: "customer session",
	owner: func(s *storage.CustomerSession) string { return s.CustomerID },
	key:   func(s *storage.CustomerSession) string { return s.Key },
	end:   func(s *storage.CustomerSession) time.Time { return sessionEnd(s.IdleUntil, s.ExpiresAt) },
}

func (t sessionTable[T]) create(tx Tx, s *T) error {
	if err := create(tx, t.bucket, []byte(t.key(s)), s, t.what); err != nil {
		return err
	}
	if err := t.byEnd.add(tx, t.end(s), []byte(t.key(s))); err != nil {
		return err
	}
	return tx.Bucket(t.byOwner).Put(pairKey(t.owner(s), t.key(s)), nil)
}

func (t sessionTable[T]) get(tx Tx, key string) (*T, error) {
	return get[T](tx, t.bucket, []byte(key), t.what)
}

func (t sessionTable[T]) update(tx Tx, key string, fn func(*T) error) error {
	rec, err := t.get(tx, key)
	if err != nil {
		return err
	}
	owner, end := t.owner(rec), t.end(rec)
	if err := fn(rec); err != nil {
		return err
	}
	if t.key(rec) != key || t.owner(rec) != owner {
		return errs.E(errs.Internal, "a "+t.what+"'s key and owner never change")
	}
	if err := t.byEnd.move(tx, end, t.end(rec), []byte(key)); err != nil {
		return err
	}
	return put(tx, t.bucket, []byte(key), rec)
}

// delete removes a session and its index entry; a missing one is no error.
func (t sessionTable[T]) delete(tx Tx, key []byte) error {
	if tx.Bucket(t.bucket).Get(key) == nil {
		return nil
	}
	rec, err := get[T](tx, t.bucket, key, t.what)
	if err != nil {
		return err
	}
	if err := tx.Bucket(t.byOwner).Delete(pairKey(t.owner(rec), t.key(rec))); err != nil {
		return err
	}
	if err := t.byEnd.remove(tx, t.end(rec), key); err != nil {
		return err
	}
	return tx.Bucket(t.bucket).Delete(key)
}

func (t sessionTable[T]) deleteOwner(tx Tx, owner string) (int, error) {
	prefix := []byte(owner + "\x00")
	var keys [][]byte
	c := tx.Bucket(t.byOwner).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k[len(prefix):]))
	}
	return len(keys), t.deleteAll(tx, keys)
}

// deleteEnded walks the index by end up to now.
func (t sessionTable[T]) deleteEnded(tx Tx, now time.Time) (int, error) {
	return t.byEnd.sweep(tx, now, func(key []byte) (time.Time, bool, error) {
		return expiryOf(tx, t.bucket, key, t.what, t.end)
	}, func(key []byte) error { return t.delete(tx, key) })
}

func (t sessionTable[T]) deleteAll(tx Tx, keys [][]byte) error {
	for _, k := range keys {
		if err := t.delete(tx, k); err != nil {
			return err
		}
	}
	return nil
}
