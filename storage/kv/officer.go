package kv

import (
	"bytes"
	"context"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

var (
	bOfficers        = []byte("officers")
	bOfficerSessions = []byte("officer_sessions")
	bOfficerSessByOf = []byte("officer_sessions_by_officer") // "<user>\x00<key>"
	bReviews         = []byte("reviews")
	bReviewsByOrder  = []byte("reviews_by_order") // "<order>\x00<opened unix nano><seq>" -> ID
)

func init() {
	allBuckets = append(allBuckets, bOfficers, bOfficerSessions, bOfficerSessByOf, bReviews, bReviewsByOrder)
}

var _ storage.OfficerStore = (*DB)(nil)

var officerSessions = sessionTable[storage.OfficerSession]{
	bucket: bOfficerSessions, byOwner: bOfficerSessByOf, byEnd: bOfficerSessByEnd, what: "officer session",
	owner: func(s *storage.OfficerSession) string { return s.User },
	key:   func(s *storage.OfficerSession) string { return s.Key },
	end:   func(s *storage.OfficerSession) time.Time { return sessionEnd(s.IdleUntil, s.ExpiresAt) },
}

// --- officers

func (d *DB) CreateOfficer(ctx context.Context, o *storage.Officer) error {
	if o.User == "" {
		return errs.E(errs.Internal, "an officer needs a user name")
	}
	return d.update(ctx, func(tx Tx) error { return create(tx, bOfficers, []byte(o.User), o, "officer") })
}

func (d *DB) Officer(ctx context.Context, user string) (o *storage.Officer, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		o, err = get[storage.Officer](tx, bOfficers, []byte(user), "officer")
		return err
	})
	return o, err
}

func (d *DB) UpdateOfficer(ctx context.Context, user string, fn func(*storage.Officer) error) error {
	return updateKeeping(d, ctx, bOfficers, []byte(user), "officer", func(o *storage.Officer) string { return o.User }, fn)
}

func (d *DB) ListOfficers(ctx context.Context) (out []*storage.Officer, err error) {
	err = d.view(ctx, func(tx Tx) error {
		return scan(tx, bOfficers, nil, func(_ []byte, o *storage.Officer) error {
			out = append(out, o)
			return nil
		})
	})
	return out, err
}

// --- officer sessions

func (d *DB) PutOfficerSession(ctx context.Context, s *storage.OfficerSession) error {
	return d.update(ctx, func(tx Tx) error { return officerSessions.create(tx, s) })
}

func (d *DB) OfficerSession(ctx context.Context, key string) (s *storage.OfficerSession, err error) {
	err = d.view(ctx, func(tx Tx) error {
		s, err = officerSessions.get(tx, key)
		return err
	})
	return s, err
}

func (d *DB) UpdateOfficerSession(ctx context.Context, key string, fn func(*storage.OfficerSession) error) error {
	return d.update(ctx, func(tx Tx) error { return officerSessions.update(tx, key, fn) })
}

func (d *DB) DeleteOfficerSession(ctx context.Context, key string) error {
	return d.update(ctx, func(tx Tx) error { return officerSessions.delete(tx, []byte(key)) })
}

func (d *DB) DeleteEndedOfficerSessions(ctx context.Context, now time.Time) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n, err = officerSessions.deleteEnded(tx, now)
		return err
	})
	return n, err
}

// --- reviews

func (d *DB) CreateReview(ctx context.Context, r *storage.Review) error {
	if r.ID == "" || r.OrderNumber == "" || r.Officer == "" {
		return errs.E(errs.Internal, "a review needs an ID, an order and an officer")
	}
	return d.update(ctx, func(tx Tx) error {
		if tx.Bucket(bOrders).Get([]byte(r.OrderNumber)) == nil {
			return errs.E(errs.Internal, "a review belongs to a stored order")
		}
		if err := create(tx, bReviews, []byte(r.ID), r, "review"); err != nil {
			return err
		}
		idx := tx.Bucket(bReviewsByOrder)
		seq, err := idx.NextSequence()
		if err != nil {
			return errs.Internalf(err, "review sequence")
		}
		return idx.Put(signatureKey(r.OrderNumber, r.OpenedAt, seq), []byte(r.ID))
	})
}

func (d *DB) Review(ctx context.Context, id string) (r *storage.Review, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		r, err = get[storage.Review](tx, bReviews, []byte(id), "review")
		return err
	})
	return r, err
}

func (d *DB) UpdateReview(ctx context.Context, id string, fn func(*storage.Review) error) error {
	return updateKeeping(d, ctx, bReviews, []byte(id), "review", func(r *storage.Review) string {
		return r.ID + "\x00" + r.OrderNumber + "\x00" + r.IdentificationID + "\x00" + r.Officer
	}, fn)
}

func (d *DB) ReviewsOf(ctx context.Context, orderNumber string) (out []*storage.Review, err error) {
	err = d.view(ctx, func(tx Tx) error {
		prefix := []byte(orderNumber + "\x00")
		c := tx.Bucket(bReviewsByOrder).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			r, err := get[storage.Review](tx, bReviews, v, "review")
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
