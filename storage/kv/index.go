package kv

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"
)

// expiryIndex is an index bucket whose keys are "<big-endian expiry>
// <record key>" with empty values: the records due at now are the index's
// first keys, so a periodic sweep is one cursor walk over what is due
// instead of a scan of every record. The index is written in the same
// transaction as the record, by whoever writes the record.
type expiryIndex []byte

// The expiry indexes, then the owner, status and state indexes the
// periodic jobs and owner deletes read (key layout beside each).
var (
	bSADsByExpiry      = expiryIndex("sads_by_expiry")
	bTokensByExpiry    = expiryIndex("tokens_by_expiry")
	bPortalByEnd       = expiryIndex("portal_sessions_by_end")
	bCustSessByEnd     = expiryIndex("customer_sessions_by_end")
	bOfficerSessByEnd  = expiryIndex("officer_sessions_by_end")
	bAppLoginsByExpiry = expiryIndex("app_logins_by_expiry")
	bDevTokensByExpiry = expiryIndex("device_tokens_by_expiry")
	bProofIDsByExpiry  = expiryIndex("dpop_proof_ids_by_expiry")
	bSADsByCredential  = []byte("sads_by_credential")     // "<credential>\x00<SAD key>"
	bTokensByGrant     = []byte("tokens_by_grant")        // "<grant>\x00<token ID>"
	bTokensByHolder    = []byte("tokens_by_holder")       // "<holder>\x00<token ID>"
	bCertsByStatus     = []byte("certificates_by_status") // "<status>\x00<big-endian notAfter><serial>"
	bCertsByCredential = []byte("certificates_by_credential")
	bOrdersByState     = []byte("orders_by_state") // "<state>\x00<number>"
	// bOrdersSealingDue holds the orders written since the evidence job
	// last found their bundle current: number -> mark (a state, not an
	// index: it is not derived from the records alone).
	bOrdersSealingDue   = []byte("orders_sealing_due")
	bHoldersDailyReport = []byte("holders_daily_report") // "<DailyReportSentFor>\x00<holder>" of holders with DailyReport on
)

func init() {
	allBuckets = append(allBuckets,
		[]byte(bSADsByExpiry), []byte(bTokensByExpiry), []byte(bPortalByEnd), []byte(bCustSessByEnd),
		[]byte(bOfficerSessByEnd), []byte(bAppLoginsByExpiry), []byte(bDevTokensByExpiry), []byte(bProofIDsByExpiry),
		bSADsByCredential, bTokensByGrant, bTokensByHolder, bCertsByStatus, bCertsByCredential, bOrdersByState, bOrdersSealingDue, bHoldersDailyReport)
}

var (
	minNano = time.Unix(0, math.MinInt64)
	maxNano = time.Unix(0, math.MaxInt64)
)

// timeOrder encodes t so that byte order is time order: Unix nanoseconds
// with the sign bit flipped (times before 1970 sort first), clamped to
// what int64 nanoseconds hold (the zero time sorts before everything).
func timeOrder(t time.Time) []byte {
	var n int64
	switch {
	case t.Before(minNano):
		n = math.MinInt64
	case t.After(maxNano):
		n = math.MaxInt64
	default:
		n = t.UnixNano()
	}
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(n)^1<<63)
}

func (x expiryIndex) key(t time.Time, key []byte) []byte {
	return append(timeOrder(t), key...)
}

func (x expiryIndex) add(tx Tx, t time.Time, key []byte) error {
	return tx.Bucket(x).Put(x.key(t, key), []byte{})
}

func (x expiryIndex) remove(tx Tx, t time.Time, key []byte) error {
	return tx.Bucket(x).Delete(x.key(t, key))
}

// move re-files key from expiry from to expiry to (a session's idle
// deadline moved on, a record was replaced).
func (x expiryIndex) move(tx Tx, from, to time.Time, key []byte) error {
	if bytes.Equal(timeOrder(from), timeOrder(to)) {
		return nil
	}
	if err := x.remove(tx, from, key); err != nil {
		return err
	}
	return x.add(tx, to, key)
}

// due returns the index entries whose expiry is at or before now, oldest
// first, as (expiry, record key) pairs cloned out of the transaction.
func (x expiryIndex) due(tx Tx, now time.Time) []dueEntry {
	end := timeOrder(now)
	var out []dueEntry
	c := tx.Bucket(x).Cursor()
	for k, _ := c.First(); k != nil && len(k) >= 8 && bytes.Compare(k[:8], end) <= 0; k, _ = c.Next() {
		k = bytes.Clone(k)
		out = append(out, dueEntry{index: k, key: k[8:]})
	}
	return out
}

type dueEntry struct {
	index []byte // the whole index key
	key   []byte // the record's key
}

// sweep deletes the records x says are due at now. For each entry it
// reads the record: expires returns its current expiry (ok false: no such
// record). A record still live (an entry left behind, which the writers
// never leave, but a sweep must not delete a live record on the index's
// word) keeps its record and loses the stale entry. del removes the record
// and all its index entries, x's included. It returns how many records it
// deleted.
func (x expiryIndex) sweep(tx Tx, now time.Time, expires func(key []byte) (time.Time, bool, error), del func(key []byte) error) (int, error) {
	n := 0
	for _, e := range x.due(tx, now) {
		exp, ok, err := expires(e.key)
		if err != nil {
			return n, err
		}
		if !ok || now.Before(exp) || !bytes.Equal(timeOrder(exp), e.index[:8]) {
			// No record, or one filed elsewhere: the entry is stale.
			if err := tx.Bucket(x).Delete(e.index); err != nil {
				return n, err
			}
			if ok && !now.Before(exp) {
				// Due under its own (other) entry too: delete it now.
				if err := del(e.key); err != nil {
					return n, err
				}
				n++
			}
			continue
		}
		if err := del(e.key); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// pairKeyBytes is "<a>\x00<b>" as bytes for an owner index whose second part
// is binary (a SAD key).
func pairKeyBytes(a string, b []byte) []byte {
	k := make([]byte, 0, len(a)+1+len(b))
	k = append(k, a...)
	k = append(k, 0)
	return append(k, b...)
}

// ownedBy returns the second parts of the entries "<owner>\x00..." of an
// owner index, cloned.
func ownedBy(tx Tx, bucket []byte, owner string) [][]byte {
	prefix := []byte(owner + "\x00")
	var out [][]byte
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, bytes.Clone(k[len(prefix):]))
	}
	return out
}
