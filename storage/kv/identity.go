package kv

import (
	"context"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

var (
	bIdentifications = []byte("identifications")
	bIdentByOrder    = []byte("identifications_by_order") // "<order>\x00<created unix nano><seq>" -> ID
)

func init() {
	allBuckets = append(allBuckets, bIdentifications, bIdentByOrder)
}

func (d *DB) CreateIdentification(ctx context.Context, s *storage.Identification) error {
	if s.ID == "" || s.OrderNumber == "" || s.CustomerID == "" {
		return errs.E(errs.Internal, "an identification needs an ID, an order and a customer")
	}
	return d.update(ctx, func(tx Tx) error {
		if tx.Bucket(bOrders).Get([]byte(s.OrderNumber)) == nil {
			return errs.E(errs.Internal, "an identification belongs to a stored order")
		}
		if err := create(tx, bIdentifications, []byte(s.ID), s, "identification"); err != nil {
			return err
		}
		idx := tx.Bucket(bIdentByOrder)
		seq, err := idx.NextSequence()
		if err != nil {
			return errs.Internalf(err, "identification sequence")
		}
		return idx.Put(signatureKey(s.OrderNumber, s.CreatedAt, seq), []byte(s.ID))
	})
}

func (d *DB) Identification(ctx context.Context, id string) (s *storage.Identification, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		s, err = get[storage.Identification](tx, bIdentifications, []byte(id), "identification")
		return err
	})
	return s, err
}

func (d *DB) UpdateIdentification(ctx context.Context, id string, fn func(*storage.Identification) error) error {
	return updateKeeping(d, ctx, bIdentifications, []byte(id), "identification",
		func(s *storage.Identification) string { return s.ID + "\x00" + s.OrderNumber + "\x00" + s.CustomerID }, fn)
}

func (d *DB) IdentificationsOf(ctx context.Context, orderNumber string) (out []*storage.Identification, err error) {
	err = d.view(ctx, func(tx Tx) error {
		c := tx.Bucket(bIdentByOrder).Cursor()
		prefix := []byte(orderNumber + "\x00")
		for k, v := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			s, err := get[storage.Identification](tx, bIdentifications, v, "identification")
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return nil
	})
	return out, err
}
