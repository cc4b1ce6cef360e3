package kv

import (
	"context"
	"encoding/json"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

var (
	bAppLogins    = []byte("app_logins")
	bDevices      = []byte("devices")
	bDeviceTokens = []byte("device_tokens")
	bProofIDs     = []byte("dpop_proof_ids") // key -> expiry (RFC 3339)
)

func init() {
	allBuckets = append(allBuckets, bAppLogins, bDevices, bDeviceTokens, bProofIDs)
}

var _ storage.Devices = (*DB)(nil)

// Each of the app's short-lived records (logins, tokens, proof IDs) is
// filed in an expiry index of its own, written with the record, which
// the periodic cleanup walks up to now.
type expiring struct {
	bucket []byte
	index  expiryIndex
	what   string
	// expires decodes a record's expiry.
	expires func(v []byte) (time.Time, error)
	// byOwner, when set, is an owner index ("<owner>\x00<key>") of the
	// records owner names (a record without one is not filed).
	byOwner []byte
	owner   func(v []byte) (string, error)
}

var (
	appLogins = expiring{bucket: bAppLogins, index: bAppLoginsByExpiry, what: "app login", expires: func(v []byte) (time.Time, error) {
		var l storage.AppLogin
		err := json.Unmarshal(v, &l)
		return l.ExpiresAt, err
	}}
	deviceTokens = expiring{bucket: bDeviceTokens, index: bDevTokensByExpiry, what: "device token", expires: func(v []byte) (time.Time, error) {
		var t storage.DeviceToken
		err := json.Unmarshal(v, &t)
		return t.ExpiresAt, err
	}}
	proofIDs = expiring{bucket: bProofIDs, index: bProofIDsByExpiry, what: "proof ID", expires: func(v []byte) (time.Time, error) {
		var t time.Time
		err := json.Unmarshal(v, &t)
		return t, err
	}}
)

// expiry returns the expiry of the record at key (ok false: none).
func (e expiring) expiry(tx Tx, key []byte) (time.Time, bool, error) {
	v := tx.Bucket(e.bucket).Get(key)
	if v == nil {
		return time.Time{}, false, nil
	}
	t, err := e.expires(v)
	if err != nil {
		return time.Time{}, false, errs.Internalf(err, "decode %s record", e.bucket)
	}
	return t, true, nil
}

// put writes rec at key, re-filing the index entry of a record it
// replaces.
func (e expiring) put(tx Tx, key []byte, rec any, expires time.Time) error {
	if err := e.delete(tx, key); err != nil { // the record it replaces, with its entries
		return err
	}
	if err := put(tx, e.bucket, key, rec); err != nil {
		return err
	}
	if err := e.addOwner(tx, key); err != nil {
		return err
	}
	return e.index.add(tx, expires, key)
}

// addOwner files the record at key in the owner index, if e has one.
func (e expiring) addOwner(tx Tx, key []byte) error {
	if e.byOwner == nil {
		return nil
	}
	o, err := e.owner(tx.Bucket(e.bucket).Get(key))
	if err != nil {
		return errs.Internalf(err, "decode %s record", e.bucket)
	}
	if o == "" {
		return nil
	}
	return tx.Bucket(e.byOwner).Put(pairKeyBytes(o, key), []byte{})
}

// delete removes the record at key with its index entries; a missing one
// is no error.
func (e expiring) delete(tx Tx, key []byte) error {
	exp, ok, err := e.expiry(tx, key)
	if err != nil || !ok {
		return err
	}
	if err := e.index.remove(tx, exp, key); err != nil {
		return err
	}
	if e.byOwner != nil {
		o, err := e.owner(tx.Bucket(e.bucket).Get(key))
		if err != nil {
			return errs.Internalf(err, "decode %s record", e.bucket)
		}
		if o != "" {
			if err := tx.Bucket(e.byOwner).Delete(pairKeyBytes(o, key)); err != nil {
				return err
			}
		}
	}
	return tx.Bucket(e.bucket).Delete(key)
}

// deleteOwner deletes every record the owner index files under owner.
func (e expiring) deleteOwner(tx Tx, owner string) (n int, err error) {
	for _, key := range ownedBy(tx, e.byOwner, owner) {
		if tx.Bucket(e.bucket).Get(key) != nil {
			n++
		}
		if err := e.delete(tx, key); err != nil {
			return n, err
		}
		// An entry without its record (none is ever left) goes too.
		if err := tx.Bucket(e.byOwner).Delete(pairKeyBytes(owner, key)); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (e expiring) sweep(tx Tx, now time.Time) (int, error) {
	return e.index.sweep(tx, now, func(key []byte) (time.Time, bool, error) { return e.expiry(tx, key) },
		func(key []byte) error { return e.delete(tx, key) })
}

func (d *DB) PutAppLogin(ctx context.Context, l *storage.AppLogin) error {
	return d.update(ctx, func(tx Tx) error {
		if tx.Bucket(bAppLogins).Get([]byte(l.Key)) != nil {
			return errs.M(errs.Conflict, msg.StoreAlreadyExists, "app login")
		}
		return appLogins.put(tx, []byte(l.Key), l, l.ExpiresAt)
	})
}

func (d *DB) AppLogin(ctx context.Context, key string) (l *storage.AppLogin, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		l, err = get[storage.AppLogin](tx, bAppLogins, []byte(key), "app login")
		return err
	})
	return l, err
}

func (d *DB) TakeAppLogin(ctx context.Context, key string) (l *storage.AppLogin, err error) {
	err = d.update(ctx, func(tx Tx) error {
		if l, err = get[storage.AppLogin](tx, bAppLogins, []byte(key), "app login"); err != nil {
			return err
		}
		return appLogins.delete(tx, []byte(key))
	})
	return l, err
}

func (d *DB) CreateDevice(ctx context.Context, dev *storage.Device) error {
	if dev.ID == "" || dev.CustomerID == "" || dev.JKT == "" {
		return errs.E(errs.Internal, "a device needs an ID, a customer and a key thumbprint")
	}
	return d.update(ctx, func(tx Tx) error { return create(tx, bDevices, []byte(dev.ID), dev, "device") })
}

func (d *DB) Device(ctx context.Context, id string) (dev *storage.Device, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		dev, err = get[storage.Device](tx, bDevices, []byte(id), "device")
		return err
	})
	return dev, err
}

func (d *DB) PutDeviceToken(ctx context.Context, t *storage.DeviceToken) error {
	return d.update(ctx, func(tx Tx) error {
		if tx.Bucket(bDeviceTokens).Get([]byte(t.Key)) != nil {
			return errs.M(errs.Conflict, msg.StoreAlreadyExists, "device token")
		}
		return deviceTokens.put(tx, []byte(t.Key), t, t.ExpiresAt)
	})
}

func (d *DB) DeviceToken(ctx context.Context, key string) (t *storage.DeviceToken, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		t, err = get[storage.DeviceToken](tx, bDeviceTokens, []byte(key), "device token")
		return err
	})
	return t, err
}

func (d *DB) TakeDeviceToken(ctx context.Context, key string) (t *storage.DeviceToken, err error) {
	err = d.update(ctx, func(tx Tx) error {
		if t, err = get[storage.DeviceToken](tx, bDeviceTokens, []byte(key), "device token"); err != nil {
			return err
		}
		return deviceTokens.delete(tx, []byte(key))
	})
	return t, err
}

func (d *DB) UseProofID(ctx context.Context, key string, now, expires time.Time) error {
	return d.update(ctx, func(tx Tx) error {
		b := tx.Bucket(bProofIDs)
		// A recorded ID is a replay until its record expires (the janitor
		// removes expired ones later).
		if v := b.Get([]byte(key)); v != nil {
			var until time.Time
			if err := json.Unmarshal(v, &until); err != nil || now.Before(until) {
				return errs.M(errs.Conflict, msg.StoreAlreadyExists, "proof")
			}
		}
		return proofIDs.put(tx, []byte(key), expires.UTC(), expires.UTC())
	})
}

func (d *DB) DeleteExpiredDeviceRecords(ctx context.Context, now time.Time) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n = 0
		for _, e := range []expiring{appLogins, deviceTokens, proofIDs} {
			m, err := e.sweep(tx, now)
			n += m
			if err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
