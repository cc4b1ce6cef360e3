package kv

import (
	"bytes"
	"context"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// --- CRLs

func (d *DB) PutCRL(ctx context.Context, issuer string, der []byte) error {
	return d.update(ctx, func(tx Tx) error { return tx.Bucket(bCRLs).Put([]byte(issuer), der) })
}

func (d *DB) CRL(ctx context.Context, issuer string) (der []byte, err error) {
	err = d.view(ctx, func(tx Tx) error {
		v := tx.Bucket(bCRLs).Get([]byte(issuer))
		if v == nil {
			return errs.M(errs.NotFound, msg.StoreNoCRLYet, issuer)
		}
		der = bytes.Clone(v) // bbolt's memory is valid only inside the transaction
		return nil
	})
	return der, err
}

// DeleteCredentialSADs scans the SADs, which are few: each lives minutes.
func (d *DB) DeleteCredentialSADs(ctx context.Context, credentialID string) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		var doomed [][]byte
		if err := scan(tx, bSADs, nil, func(k []byte, s *storage.SAD) error {
			if s.CredentialID == credentialID {
				doomed = append(doomed, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range doomed {
			if err := tx.Bucket(bSADs).Delete(k); err != nil {
				return err
			}
		}
		n = len(doomed)
		return nil
	})
	return n, err
}
