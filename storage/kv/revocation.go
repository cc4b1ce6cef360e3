package kv

import (
	"bytes"
	"context"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
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

// DeleteCredentialSADs walks sads_by_credential.
func (d *DB) DeleteCredentialSADs(ctx context.Context, credentialID string) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n = 0
		for _, key := range ownedBy(tx, bSADsByCredential, credentialID) {
			if tx.Bucket(bSADs).Get(key) != nil {
				n++
			}
			if err := deleteSAD(tx, key); err != nil {
				return err
			}
			if err := tx.Bucket(bSADsByCredential).Delete(pairKeyBytes(credentialID, key)); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
