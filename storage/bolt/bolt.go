// Package bolt is the embedded storage back end: one bbolt file, fsync on
// every commit, so that what a transaction guards (a used SAD, a PIN failure)
// survives a crash that happens right after. The aggregates are storage/kv's;
// this package is the engine under them and the group commit of the signing
// path's writes (group.go).
package bolt

import (
	"context"
	"errors"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/kv"
)

// DB is a storage.Store in one bbolt file.
type DB struct {
	*kv.DB
	db *bolt.DB
	// grp group-commits the writes of the signing path (SAD use, audit
	// anchor, signing history), see group.go.
	grp *group
}

var _ storage.Store = (*DB)(nil)

// Option adjusts Open.
type Option func(*options)

type options struct{ rerun bool }

// RerunClosures runs every read-write closure twice, the first run rolled
// back (kv.Rerun): for tests that hold callers to storage's contract that
// a closure may run more than once, as PostgreSQL does on a conflict.
func RerunClosures() Option { return func(o *options) { o.rerun = true } }

// Open opens (creating if needed) the database file at path. It fails fast
// if another process holds the file.
func Open(path string, opts ...Option) (*DB, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, FreelistType: bolt.FreelistMapType, NoFreelistSync: true})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, errs.WrapM(err, errs.Unavailable, msg.StoreDatabaseInUse, path)
		}
		return nil, errs.Internalf(err, "open database %s", path)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range kv.Buckets() {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, errs.Internalf(err, "initialise database %s", path)
	}
	d := &DB{db: db, grp: newGroup(db)}
	var e kv.Engine = engine{d}
	if o.rerun {
		e = kv.Rerun(e)
	}
	// A file written before an index existed gets it built now (once).
	if d.DB, err = kv.Open(context.Background(), e); err != nil {
		d.grp.close()
		_ = db.Close()
		return nil, errs.Internalf(err, "index database %s", path)
	}
	return d, nil
}

// Close stops the group commit (after the group under way; callers still
// waiting get an Unavailable error) and closes the file.
func (d *DB) Close() error {
	d.grp.close()
	return d.db.Close()
}

// Path is the file behind the store.
func (d *DB) Path() string { return d.db.Path() }

// engine is kv.Engine over the file and its group.
type engine struct{ d *DB }

func (e engine) View(ctx context.Context, fn func(kv.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return e.d.db.View(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (e engine) Update(ctx context.Context, fn func(kv.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return noSpace(e.d.db.Update(func(tx *bolt.Tx) error { return fn(boltTx{tx}) }))
}

func (e engine) Group(ctx context.Context, fn func(kv.Tx) error) error {
	return e.d.grp.do(ctx, func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (e engine) GroupSoon(ctx context.Context, fn func(kv.Tx) error) error {
	return e.d.grp.doSoon(ctx, func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (e engine) Close() error { return e.d.Close() }

// noSpace makes a commit that failed on a full filesystem Unavailable
// (nothing was written; it may work once space returns) instead of an
// internal error, whichever write of a request happens to need the new
// page.
func noSpace(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return errs.WrapM(err, errs.Unavailable, msg.StoreNoSpace)
	}
	return err
}

// boltTx, boltBucket and boltCursor adapt bbolt's types to kv's
// interfaces (bbolt's Cursor method returns its own cursor type).
type boltTx struct{ tx *bolt.Tx }

func (t boltTx) Bucket(name []byte) kv.Bucket { return boltBucket{t.tx.Bucket(name)} }

type boltBucket struct{ b *bolt.Bucket }

func (b boltBucket) Get(key []byte) []byte                    { return b.b.Get(key) }
func (b boltBucket) Put(key, value []byte) error              { return b.b.Put(key, value) }
func (b boltBucket) Delete(key []byte) error                  { return b.b.Delete(key) }
func (b boltBucket) Cursor() kv.Cursor                        { return b.b.Cursor() }
func (b boltBucket) NextSequence() (uint64, error)            { return b.b.NextSequence() }
func (b boltBucket) ForEach(fn func(k, v []byte) error) error { return b.b.ForEach(fn) }
