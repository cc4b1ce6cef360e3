package kv

import (
	"bytes"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// sessionTable is a bucket of web sessions by key with an index by owner
// ("<owner>\x00<key>"), so that ending every session of one owner (a
// password change, a reset) is one cursor walk and not a scan. The
// portal's sessions belong to holders, the shop's to customers.
type sessionTable[T any] struct {
	bucket, byOwner []byte
	what            string
	// owner and key read a session's owner and key; neither ever changes.
	owner, key func(*T) string
	ended      func(*T, time.Time) bool
}

var portalSessions = sessionTable[storage.PortalSession]{
	bucket: bPortalSessions, byOwner: bPortalByHolder, what: "portal session",
	owner: func(s *storage.PortalSession) string { return s.HolderID },
	key:   func(s *storage.PortalSession) string { return s.Key },
	ended: (*storage.PortalSession).Ended,
}

var customerSessions = sessionTable[storage.CustomerSession]{
	bucket: bCustSessions, byOwner: bCustSessByCust, what: "customer session",
	owner: func(s *storage.CustomerSession) string { return s.CustomerID },
	key:   func(s *storage.CustomerSession) string { return s.Key },
	ended: (*storage.CustomerSession).Ended,
}

func (t sessionTable[T]) create(tx Tx, s *T) error {
	if err := create(tx, t.bucket, []byte(t.key(s)), s, t.what); err != nil {
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
	owner := t.owner(rec)
	if err := fn(rec); err != nil {
		return err
	}
	if t.key(rec) != key || t.owner(rec) != owner {
		return errs.E(errs.Internal, "a "+t.what+"'s key and owner never change")
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

func (t sessionTable[T]) deleteEnded(tx Tx, now time.Time) (int, error) {
	var ended [][]byte
	if err := scan(tx, t.bucket, nil, func(k []byte, s *T) error {
		if t.ended(s, now) {
			ended = append(ended, bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return 0, err
	}
	return len(ended), t.deleteAll(tx, ended)
}

func (t sessionTable[T]) deleteAll(tx Tx, keys [][]byte) error {
	for _, k := range keys {
		if err := t.delete(tx, k); err != nil {
			return err
		}
	}
	return nil
}
