package kv

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// bAuditOutbox holds audit records on their way to the log, by ID
// (time-ordered).
var bAuditOutbox = []byte("audit_outbox")

func init() {
	allBuckets = append(allBuckets, bAuditOutbox)
}

// UseSAD joins the signing path's group commit like UpdateSAD, reading
// the credential and certificate and writing the outbox record in the same
// transaction.
func (d *DB) UseSAD(ctx context.Context, u storage.SADUse) error {
	rec := u.Intent
	if rec.ID == "" && u.Chain == nil || u.Check == nil {
		return errs.Internalf(errors.New("SAD use without an intent ID or a check"), "use SAD")
	}
	val, err := json.Marshal(rec)
	if err != nil {
		return errs.Internalf(err, "encode outbox record %s", rec.ID)
	}
	return d.group(ctx, func(tx Tx) error {
		// Everything the use decides from, in one round trip where the
		// engine can.
		prefetch(tx, BucketKey{bSADs, u.Key}, BucketKey{bCredentials, []byte(u.CredentialID)},
			BucketKey{bCertificates, []byte(u.CertificateSerial)}, BucketKey{bMeta, keyAuditHead})
		sad, err := get[storage.SAD](tx, bSADs, u.Key, "SAD")
		if err != nil {
			return Refuse(err)
		}
		cred, err := get[storage.Credential](tx, bCredentials, []byte(u.CredentialID), "credential")
		if err != nil {
			return Refuse(err)
		}
		cert, err := get[storage.Certificate](tx, bCertificates, []byte(u.CertificateSerial), "certificate")
		if errs.Is(err, errs.NotFound) {
			cert, err = nil, nil
		}
		if err != nil {
			return Refuse(err)
		}
		if err := u.Check(sad, cred, cert); err != nil {
			return Refuse(err) // nothing written yet
		}
		if u.Chain != nil {
			if err := appendAudit(tx, u.Chain); err != nil {
				return err
			}
		} else if err := tx.Bucket(bAuditOutbox).Put([]byte(rec.ID), val); err != nil {
			return err
		}
		if sad.Remaining <= 0 {
			return tx.Bucket(bSADs).Delete(u.Key)
		}
		return put(tx, bSADs, u.Key, sad)
	})
}

func (d *DB) OutboxRecords(ctx context.Context, limit int) (out []storage.OutboxRecord, err error) {
	err = d.view(ctx, func(tx Tx) error {
		c := tx.Bucket(bAuditOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			var r storage.OutboxRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return errs.Internalf(err, "decode outbox record %s", k)
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// DeleteOutboxRecords rides along with the next group commit: nobody waits
// for it on a request's path, and a record left by a crash before it ran
// is relayed again at start-up.
func (d *DB) DeleteOutboxRecords(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return d.groupSoon(ctx, func(tx Tx) error {
		b := tx.Bucket(bAuditOutbox)
		for _, id := range ids {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
}
