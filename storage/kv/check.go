package kv

import (
	"context"
	"fmt"
	"slices"
)

// indexBuckets is every index bucket buildIndexes writes: an index is
// derived from its records alone, so it can be rebuilt and checked.
var indexBuckets = [][]byte{
	[]byte(bSADsByExpiry), []byte(bTokensByExpiry), []byte(bPortalByEnd), []byte(bCustSessByEnd),
	[]byte(bOfficerSessByEnd), []byte(bAppLoginsByExpiry), []byte(bDevTokensByExpiry), []byte(bProofIDsByExpiry),
	bSADsByCredential, bTokensByGrant, bTokensByHolder, bCertsByStatus, bCertsByCredential, bOrdersByState,
	bHoldersDailyReport,
}

// IndexBuckets returns the names of the buckets built at open when
// missing (the indexes and the sealing-due marks; a copy), so that a back end's tests can remove them and open
// a store as an older binary left it.
func IndexBuckets() [][]byte {
	out := make([][]byte, len(indexBuckets), len(indexBuckets)+1)
	copy(out, indexBuckets)
	return append(out, bOrdersSealingDue)
}

// IndexVersionKey is the meta key the backfill is guarded by, and
// MetaBucket the bucket it lives in (for the same tests).
func IndexVersionKey() (bucket, key []byte) { return bMeta, keyIndexVersion }

// CheckIndexes compares every index with what its records say it should
// hold, and reports entries missing and entries left behind (a record
// deleted or moved without its entry) with their counts. The conformance
// tests call it after each sweep case; it reads everything, so it is
// not for production paths.
func (d *DB) CheckIndexes(ctx context.Context) error {
	return d.view(ctx, func(tx Tx) error {
		want := captureTx{Tx: tx, puts: map[string]map[string]bool{}}
		if err := buildIndexes(want); err != nil {
			return err
		}
		var problems []string
		for _, b := range indexBuckets {
			have := map[string]bool{}
			if err := tx.Bucket(b).ForEach(func(k, _ []byte) error {
				have[string(k)] = true
				return nil
			}); err != nil {
				return err
			}
			missing, stale := 0, 0
			for k := range want.puts[string(b)] {
				if !have[k] {
					missing++
				}
			}
			for k := range have {
				if !want.puts[string(b)][k] {
					stale++
				}
			}
			if missing > 0 || stale > 0 {
				problems = append(problems, fmt.Sprintf("%s: %d entries, want %d (%d missing, %d stale)",
					b, len(have), len(want.puts[string(b)]), missing, stale))
			}
		}
		if len(problems) > 0 {
			slices.Sort(problems)
			return fmt.Errorf("indexes out of step with their records: %v", problems)
		}
		return nil
	})
}

// captureTx is a read-only view of a transaction in which the index
// buckets collect what is put in them instead of storing it.
type captureTx struct {
	Tx
	puts map[string]map[string]bool
}

func (c captureTx) Bucket(name []byte) Bucket {
	if !slices.ContainsFunc(indexBuckets, func(b []byte) bool { return string(b) == string(name) }) {
		return c.Tx.Bucket(name)
	}
	m := c.puts[string(name)]
	if m == nil {
		m = map[string]bool{}
		c.puts[string(name)] = m
	}
	return captureBucket{Bucket: c.Tx.Bucket(name), m: m}
}

type captureBucket struct {
	Bucket
	m map[string]bool
}

func (b captureBucket) Put(k, _ []byte) error {
	b.m[string(k)] = true
	return nil
}
