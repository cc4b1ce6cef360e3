package kv

import (
	"context"
	"encoding/json"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// The authorization server's records, each kind in a bucket of its own
// with its expiry index (index.go), written with the record.
var (
	bPushedRequests   = []byte("oauth_pushed_requests")
	bOAuthTxns        = []byte("oauth_transactions")
	bAuthCodes        = []byte("oauth_codes")
	bPushedByExpiry   = expiryIndex("oauth_pushed_requests_by_expiry")
	bOAuthTxnByExpiry = expiryIndex("oauth_transactions_by_expiry")
	bAuthCodeByExpiry = expiryIndex("oauth_codes_by_expiry")
	bAuthCodeByHolder = []byte("oauth_codes_by_holder") // "<holder>\x00<code key>"
)

func init() {
	allBuckets = append(allBuckets, bPushedRequests, bOAuthTxns, bAuthCodes,
		[]byte(bPushedByExpiry), []byte(bOAuthTxnByExpiry), []byte(bAuthCodeByExpiry), bAuthCodeByHolder)
	indexBuckets = append(indexBuckets, []byte(bPushedByExpiry), []byte(bOAuthTxnByExpiry), []byte(bAuthCodeByExpiry), bAuthCodeByHolder)
}

var _ storage.OAuthRecords = (*DB)(nil)

func expiresOf[T any](expiry func(*T) time.Time) func([]byte) (time.Time, error) {
	return func(v []byte) (time.Time, error) {
		var rec T
		err := json.Unmarshal(v, &rec)
		return expiry(&rec), err
	}
}

var (
	pushedRequests = expiring{bucket: bPushedRequests, index: bPushedByExpiry, what: "pushed request",
		expires: expiresOf(func(r *storage.PushedRequest) time.Time { return r.ExpiresAt })}
	oauthTxns = expiring{bucket: bOAuthTxns, index: bOAuthTxnByExpiry, what: "OAuth transaction",
		expires: expiresOf(func(t *storage.OAuthTransaction) time.Time { return t.ExpiresAt })}
	// A code is filed by holder too: a password change ends the holder's
	// codes with the tokens (DeleteHolderTokens).
	authCodes = expiring{bucket: bAuthCodes, index: bAuthCodeByExpiry, what: "authorization code",
		expires: expiresOf(func(c *storage.AuthorizationCode) time.Time { return c.ExpiresAt }),
		byOwner: bAuthCodeByHolder, owner: func(v []byte) (string, error) {
			var c storage.AuthorizationCode
			err := json.Unmarshal(v, &c)
			return c.HolderID, err
		}}
)

// createExpiring stores rec under key unless the key is taken.
func createExpiring(tx Tx, e expiring, key string, rec any, expires time.Time) error {
	if tx.Bucket(e.bucket).Get([]byte(key)) != nil {
		return errs.M(errs.Conflict, msg.StoreAlreadyExists, e.what)
	}
	return e.put(tx, []byte(key), rec, expires)
}

// takeExpiring returns the record at key and deletes it, in one
// transaction: of concurrent takers exactly one gets it.
func takeExpiring[T any](d *DB, ctx context.Context, e expiring, key string) (rec *T, err error) {
	err = d.update(ctx, func(tx Tx) error {
		if rec, err = get[T](tx, e.bucket, []byte(key), e.what); err != nil {
			return err
		}
		return e.delete(tx, []byte(key))
	})
	return rec, err
}

func (d *DB) PutPushedRequest(ctx context.Context, r *storage.PushedRequest) error {
	return d.update(ctx, func(tx Tx) error { return createExpiring(tx, pushedRequests, r.ID, r, r.ExpiresAt) })
}

func (d *DB) TakePushedRequest(ctx context.Context, id string) (*storage.PushedRequest, error) {
	return takeExpiring[storage.PushedRequest](d, ctx, pushedRequests, id)
}

func (d *DB) PutOAuthTransaction(ctx context.Context, t *storage.OAuthTransaction) error {
	return d.update(ctx, func(tx Tx) error { return oauthTxns.put(tx, []byte(t.ID), t, t.ExpiresAt) })
}

func (d *DB) OAuthTransaction(ctx context.Context, id string) (t *storage.OAuthTransaction, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		t, err = get[storage.OAuthTransaction](tx, bOAuthTxns, []byte(id), oauthTxns.what)
		return err
	})
	return t, err
}

func (d *DB) DeleteOAuthTransaction(ctx context.Context, id string) error {
	return d.update(ctx, func(tx Tx) error { return oauthTxns.delete(tx, []byte(id)) })
}

func (d *DB) PutAuthorizationCode(ctx context.Context, c *storage.AuthorizationCode) error {
	return d.update(ctx, func(tx Tx) error { return createExpiring(tx, authCodes, c.Key, c, c.ExpiresAt) })
}

func (d *DB) TakeAuthorizationCode(ctx context.Context, key string) (*storage.AuthorizationCode, error) {
	return takeExpiring[storage.AuthorizationCode](d, ctx, authCodes, key)
}

func (d *DB) DeleteAuthorizationCode(ctx context.Context, key string) error {
	return d.update(ctx, func(tx Tx) error { return authCodes.delete(tx, []byte(key)) })
}

func (d *DB) DeleteExpiredOAuthRecords(ctx context.Context, now time.Time) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n = 0
		for _, e := range []expiring{pushedRequests, oauthTxns, authCodes} {
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
