// Package kv is every aggregate of storage.Store written once, over an
// ordered key-value transaction shaped like bbolt's (buckets of byte keys
// kept in byte order, cursors, per-bucket sequences). A back end is an
// Engine that runs such transactions: storage/bolt over one bbolt file,
// storage/postgres over one table. What a record looks like, which indexes
// it keeps and which errors a rule returns is decided here, so the back ends
// cannot drift apart.
//
// Closures given to an Engine may run more than once (a serialisation
// failure on PostgreSQL, a group retried without its failing member on
// bbolt): they decide from what they read in the transaction and the values
// they captured, keep no other state between runs (assigning the outcome to
// a captured variable is fine: the last run is the one that commits), and
// never call the store themselves.
package kv

import (
	"context"
	"errors"

	"github.com/qesproject/qes/storage"
)

// Tx is one transaction: read-only inside View, read-write otherwise.
type Tx interface {
	// Bucket returns a bucket of Buckets(); it never returns nil for one
	// of them.
	Bucket(name []byte) Bucket
}

// Bucket is an ordered map of byte keys to byte values. Values returned by
// Get and by cursors are valid only inside the transaction (bbolt hands
// out its own memory): clone what outlives it.
type Bucket interface {
	// Get returns the value, or nil if the key is absent; a present key
	// with an empty value is a non-nil empty slice.
	Get(key []byte) []byte
	Put(key, value []byte) error
	Delete(key []byte) error
	Cursor() Cursor
	// NextSequence returns the bucket's next sequence number (from 1),
	// rolled back with the transaction.
	NextSequence() (uint64, error)
	// ForEach calls fn for every pair in key order.
	ForEach(fn func(k, v []byte) error) error
}

// Prefetcher is a Tx that can read several keys in one round trip
// (PostgreSQL: one batch of statements); later Gets of those keys are
// answered from what it read. Reads are the same either way.
type Prefetcher interface {
	Prefetch(keys ...BucketKey)
}

// BucketKey names one key of one bucket.
type BucketKey struct{ Bucket, Key []byte }

// prefetch reads keys ahead when tx can do it in one go.
func prefetch(tx Tx, keys ...BucketKey) {
	if p, ok := tx.(Prefetcher); ok {
		p.Prefetch(keys...)
	}
}

// Cursor walks a bucket in key order; a nil key is the end.
type Cursor interface {
	First() (k, v []byte)
	// Seek moves to the first key >= seek.
	Seek(seek []byte) (k, v []byte)
	Next() (k, v []byte)
}

// Engine runs transactions. Every method checks ctx before it starts one.
type Engine interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits when it
	// returns nil; an error from fn rolls back and is returned as is.
	Update(ctx context.Context, fn func(Tx) error) error
	// Group is Update for the signing path's writes: the engine may commit
	// fn together with concurrent Group callers (bbolt does, see
	// storage/bolt's group.go). fn returns Refuse(err) for a refusal
	// decided before it wrote anything; the engine answers the caller
	// with err (either wrapped or not) and writes nothing of fn's.
	Group(ctx context.Context, fn func(Tx) error) error
	// GroupSoon is Group for writes nobody waits for on a request's
	// path: the engine may hold fn back a little to join the next group.
	GroupSoon(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// DB is a storage.Store over an Engine.
type DB struct {
	e Engine
}

var _ storage.Store = (*DB)(nil)

// New returns the store over e; Close closes e.
func New(e Engine) *DB { return &DB{e: e} }

// Close closes the engine.
func (d *DB) Close() error { return d.e.Close() }

// Buckets is every bucket the aggregates use; an engine that must create
// buckets (bbolt) creates these at open. The slice is a copy.
func Buckets() [][]byte {
	out := make([][]byte, len(allBuckets))
	copy(out, allBuckets)
	return out
}

func (d *DB) view(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.e.View(ctx, fn)
}

// OneReader is an Engine with a cheaper way to run a view that reads one
// key (PostgreSQL: one statement, no transaction around it).
type OneReader interface {
	// ViewOne is View for fn that reads one key and only assigns what it
	// read: it may stop fn at a second read and run it again in View.
	ViewOne(ctx context.Context, fn func(Tx) error) error
}

// viewOne is view for a closure that reads one key and only assigns the
// outcome (so that it can run again).
func (d *DB) viewOne(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if o, ok := d.e.(OneReader); ok {
		return o.ViewOne(ctx, fn)
	}
	return d.e.View(ctx, fn)
}

func (d *DB) update(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.e.Update(ctx, fn)
}

func (d *DB) group(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return Unrefuse(d.e.Group(ctx, fn))
}

func (d *DB) groupSoon(ctx context.Context, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return Unrefuse(d.e.GroupSoon(ctx, fn))
}

// Refusal marks an error returned by a Group closure before it wrote
// anything in the transaction: a group engine may go on with the other
// members in the same transaction.
type Refusal struct{ Err error }

func (r Refusal) Error() string { return r.Err.Error() }
func (r Refusal) Unwrap() error { return r.Err }

// Refuse wraps err (nil stays nil) to say that the closure wrote nothing.
func Refuse(err error) error {
	if err == nil {
		return nil
	}
	return Refusal{err}
}

// Unrefuse returns the error a Refusal carries, or err itself: the caller
// sees the closure's own error whichever engine ran it.
func Unrefuse(err error) error {
	var r Refusal
	if errors.As(err, &r) {
		return r.Err
	}
	return err
}
