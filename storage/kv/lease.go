package kv

import (
	"context"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

var bLeases = []byte("leases")

func init() { allBuckets = append(allBuckets, bLeases) }

var _ storage.Leases = (*DB)(nil)

type lease struct {
	Holder string    `json:"holder"`
	Until  time.Time `json:"until"`
}

func (d *DB) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (held bool, err error) {
	err = d.update(ctx, func(tx Tx) error {
		held = false
		cur, err := get[lease](tx, bLeases, []byte(name), "lease")
		switch {
		case err == nil && cur.Holder != holder && now.Before(cur.Until):
			return nil // another node's, still running
		case err != nil && !errs.Is(err, errs.NotFound):
			return err
		}
		held = true
		return put(tx, bLeases, []byte(name), &lease{Holder: holder, Until: now.Add(ttl)})
	})
	return held, err
}

func (d *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	return d.update(ctx, func(tx Tx) error {
		cur, err := get[lease](tx, bLeases, []byte(name), "lease")
		if errs.Is(err, errs.NotFound) || (err == nil && cur.Holder != holder) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.Bucket(bLeases).Delete([]byte(name))
	})
}
