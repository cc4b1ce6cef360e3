package kv

import (
	"context"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

var bBundles = []byte("evidence_bundles") // order number -> EvidenceBundle

func init() {
	allBuckets = append(allBuckets, bBundles)
}

var _ storage.EvidenceBundles = (*DB)(nil)

func (d *DB) AddBundleVersion(ctx context.Context, orderNumber, outcome string, retainUntil time.Time, v storage.BundleVersion) (out *storage.EvidenceBundle, err error) {
	if orderNumber == "" || v.Manifest.SHA256 == "" || v.Seal.SHA256 == "" {
		return nil, errs.E(errs.Internal, "a bundle version needs its order, manifest and seal")
	}
	err = d.update(ctx, func(tx Tx) error {
		key := []byte(orderNumber)
		b := &storage.EvidenceBundle{OrderNumber: orderNumber}
		if tx.Bucket(bBundles).Get(key) != nil {
			var err error
			if b, err = get[storage.EvidenceBundle](tx, bBundles, key, "evidence bundle"); err != nil {
				return err
			}
		}
		v.Version = len(b.Versions) + 1
		b.Versions = append(b.Versions, v)
		b.Outcome, b.RetainUntil = outcome, retainUntil
		out = b
		return put(tx, bBundles, key, b)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (d *DB) EvidenceBundle(ctx context.Context, orderNumber string) (b *storage.EvidenceBundle, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		b, err = get[storage.EvidenceBundle](tx, bBundles, []byte(orderNumber), "evidence bundle")
		return err
	})
	return b, err
}

// ListEvidenceBundles reads every entry first and calls fn outside the
// transaction, so that fn may use the store (purge deletes as it goes).
func (d *DB) ListEvidenceBundles(ctx context.Context, fn func(*storage.EvidenceBundle) error) error {
	var all []*storage.EvidenceBundle
	err := d.view(ctx, func(tx Tx) error {
		return scan(tx, bBundles, nil, func(_ []byte, b *storage.EvidenceBundle) error {
			all = append(all, b)
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, b := range all {
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) DeleteEvidenceBundle(ctx context.Context, orderNumber string) error {
	return d.update(ctx, func(tx Tx) error {
		key := []byte(orderNumber)
		if tx.Bucket(bBundles).Get(key) == nil {
			return errs.M(errs.NotFound, msg.StoreNotFound, "evidence bundle")
		}
		return tx.Bucket(bBundles).Delete(key)
	})
}
