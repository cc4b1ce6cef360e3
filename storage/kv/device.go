package kv

import (
	"bytes"
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

func (d *DB) PutAppLogin(ctx context.Context, l *storage.AppLogin) error {
	return d.update(ctx, func(tx Tx) error { return create(tx, bAppLogins, []byte(l.Key), l, "app login") })
}

func (d *DB) AppLogin(ctx context.Context, key string) (l *storage.AppLogin, err error) {
	err = d.view(ctx, func(tx Tx) error {
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
		return tx.Bucket(bAppLogins).Delete([]byte(key))
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
	err = d.view(ctx, func(tx Tx) error {
		dev, err = get[storage.Device](tx, bDevices, []byte(id), "device")
		return err
	})
	return dev, err
}

func (d *DB) PutDeviceToken(ctx context.Context, t *storage.DeviceToken) error {
	return d.update(ctx, func(tx Tx) error { return create(tx, bDeviceTokens, []byte(t.Key), t, "device token") })
}

func (d *DB) DeviceToken(ctx context.Context, key string) (t *storage.DeviceToken, err error) {
	err = d.view(ctx, func(tx Tx) error {
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
		return tx.Bucket(bDeviceTokens).Delete([]byte(key))
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
		return put(tx, bProofIDs, []byte(key), expires.UTC())
	})
}

func (d *DB) DeleteExpiredDeviceRecords(ctx context.Context, now time.Time) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n = 0
		for _, b := range []struct {
			bucket  []byte
			expires func([]byte) (time.Time, error)
		}{
			{bAppLogins, func(v []byte) (time.Time, error) {
				var l storage.AppLogin
				err := json.Unmarshal(v, &l)
				return l.ExpiresAt, err
			}},
			{bDeviceTokens, func(v []byte) (time.Time, error) {
				var t storage.DeviceToken
				err := json.Unmarshal(v, &t)
				return t.ExpiresAt, err
			}},
			{bProofIDs, func(v []byte) (time.Time, error) {
				var t time.Time
				err := json.Unmarshal(v, &t)
				return t, err
			}},
		} {
			var doomed [][]byte
			c := tx.Bucket(b.bucket).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				exp, err := b.expires(v)
				if err != nil {
					return errs.Internalf(err, "decode %s record", b.bucket)
				}
				if !now.Before(exp) {
					doomed = append(doomed, bytes.Clone(k))
				}
			}
			for _, k := range doomed {
				if err := tx.Bucket(b.bucket).Delete(k); err != nil {
					return err
				}
			}
			n += len(doomed)
		}
		return nil
	})
	return n, err
}
