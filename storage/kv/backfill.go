package kv

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// keyIndexVersion in the meta bucket says which indexes the database's
// writers have maintained since its records were written: a database
// written before an index existed gets it built once, at open.
var keyIndexVersion = []byte("index_version")

// indexVersion is the newest layout: 1 adds the expiry, owner, status and
// state indexes of index.go, and moves OAuth's pushed requests,
// transactions and codes out of the tokens bucket into records of their
// own (oauth.go), and marks every order due for the evidence job
// (orders_sealing_due).
const indexVersion = 1

// Open returns the store over e after building the indexes a database
// written by an older binary lacks (backfill); Close closes e.
func Open(ctx context.Context, e Engine) (*DB, error) {
	d := New(e)
	if err := d.backfill(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// IndexVersion returns the index version the database records (0: none
// yet), for tests and diagnostics.
func (d *DB) IndexVersion(ctx context.Context) (v int, err error) {
	err = d.view(ctx, func(tx Tx) error {
		v, err = readIndexVersion(tx)
		return err
	})
	return v, err
}

func readIndexVersion(tx Tx) (int, error) {
	b := tx.Bucket(bMeta).Get(keyIndexVersion)
	if b == nil {
		return 0, nil
	}
	v, err := strconv.Atoi(string(b))
	if err != nil {
		return 0, errs.Internalf(err, "decode the index version")
	}
	return v, nil
}

// backfill builds every index from the records, in one transaction, when
// the database's version is older than indexVersion. Building is
// idempotent (index entries are keys put again), so nodes sharing a
// PostgreSQL database may race at open: the loser's transaction reruns
// and finds the version set.
func (d *DB) backfill(ctx context.Context) error {
	v, err := d.IndexVersion(ctx)
	if err != nil {
		return err
	}
	if v >= indexVersion {
		return nil
	}
	return d.update(ctx, func(tx Tx) error {
		if v, err := readIndexVersion(tx); err != nil || v >= indexVersion {
			return err
		}
		if err := buildIndexes(tx); err != nil {
			return fmt.Errorf("build the store's indexes: %w", err)
		}
		if err := moveOAuthTokens(tx); err != nil {
			return fmt.Errorf("move OAuth records out of the tokens: %w", err)
		}
		// Every order is due once: the evidence job checks each a last time
		// the old way, and from then on only the orders written since.
		if err := scan(tx, bOrders, nil, func(_ []byte, o *storage.Order) error { return markSealingDue(tx, o) }); err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(keyIndexVersion, []byte(strconv.Itoa(indexVersion)))
	})
}

func buildIndexes(tx Tx) error {
	if err := scan(tx, bSADs, nil, func(_ []byte, s *storage.SAD) error { return putSADIndexes(tx, s) }); err != nil {
		return err
	}
	if err := scan(tx, bTokens, nil, func(_ []byte, t *storage.Token) error { return putTokenIndexes(tx, t) }); err != nil {
		return err
	}
	if err := buildSessionIndex(tx, portalSessions); err != nil {
		return err
	}
	if err := buildSessionIndex(tx, customerSessions); err != nil {
		return err
	}
	if err := buildSessionIndex(tx, officerSessions); err != nil {
		return err
	}
	for _, e := range []expiring{appLogins, deviceTokens, proofIDs, pushedRequests, oauthTxns, authCodes} {
		var keys [][]byte
		c := tx.Bucket(e.bucket).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
		}
		for _, k := range keys {
			exp, _, err := e.expiry(tx, k)
			if err != nil {
				return err
			}
			if err := e.index.add(tx, exp, k); err != nil {
				return err
			}
			if err := e.addOwner(tx, k); err != nil {
				return err
			}
		}
	}
	if err := scan(tx, bCertificates, nil, func(_ []byte, c *storage.Certificate) error { return putCertIndexes(tx, c) }); err != nil {
		return err
	}
	if err := scan(tx, bOrders, nil, func(_ []byte, o *storage.Order) error {
		return tx.Bucket(bOrdersByState).Put(pairKey(o.State, o.Number), []byte{})
	}); err != nil {
		return err
	}
	return scan(tx, bHolders, nil, func(_ []byte, h *storage.Holder) error { return putHolderIndexes(tx, h) })
}

func buildSessionIndex[T any](tx Tx, t sessionTable[T]) error {
	return scan(tx, t.bucket, nil, func(k []byte, s *T) error { return t.byEnd.add(tx, t.end(s), k) })
}

// moveOAuthTokens moves the pushed requests ("par:<id>"), OAuth
// transactions ("txn:<id>") and codes ("code:<MAC>") an older binary kept
// as tokens into their own records, so that an authorization under way
// while qesd was upgraded completes.
func moveOAuthTokens(tx Tx) error {
	var legacy []*storage.Token
	if err := scan(tx, bTokens, nil, func(_ []byte, t *storage.Token) error {
		switch t.Kind {
		case "par", "oauth-txn", "code":
			legacy = append(legacy, t)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, t := range legacy {
		var err error
		switch t.Kind {
		case "par":
			id := strings.TrimPrefix(t.ID, "par:")
			err = pushedRequests.put(tx, []byte(id), &storage.PushedRequest{ID: id, ClientID: t.ClientID, Request: t.Data, ExpiresAt: t.ExpiresAt}, t.ExpiresAt)
		case "oauth-txn":
			id := strings.TrimPrefix(t.ID, "txn:")
			err = oauthTxns.put(tx, []byte(id), &storage.OAuthTransaction{ID: id, ClientID: t.ClientID, Data: t.Data, ExpiresAt: t.ExpiresAt}, t.ExpiresAt)
		case "code":
			key := strings.TrimPrefix(t.ID, "code:")
			err = authCodes.put(tx, []byte(key), &storage.AuthorizationCode{Key: key, HolderID: t.HolderID, ClientID: t.ClientID,
				Scope: t.Scope, Data: t.Data, ExpiresAt: t.ExpiresAt}, t.ExpiresAt)
		}
		if err != nil {
			return err
		}
		if err := deleteToken(tx, []byte(t.ID)); err != nil {
			return err
		}
	}
	return nil
}
