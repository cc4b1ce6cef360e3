package kv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

var (
	bHolders       = []byte("holders")
	bCredentials   = []byte("credentials")
	bCredByHolder  = []byte("credentials_by_holder")
	bSADs          = []byte("sads")
	bOTPs          = []byte("otps")
	bTokens        = []byte("tokens")
	bAuthorities   = []byte("authorities")
	bCertificates  = []byte("certificates")
	bMeta          = []byte("meta")
	bClients       = []byte("clients")
	bCRLs          = []byte("crls")
	allBuckets     = [][]byte{bHolders, bCredentials, bCredByHolder, bSADs, bOTPs, bTokens, bAuthorities, bCertificates, bMeta, bClients, bCRLs}
	keyCRLNumber   = []byte("crl_number")
	keyAuditAnchor = []byte("audit_anchor")
	keyCertEpoch   = []byte("certificate_epoch")
)

func get[T any](tx Tx, bucket, key []byte, what string) (*T, error) {
	v := tx.Bucket(bucket).Get(key)
	if v == nil {
		return nil, errs.M(errs.NotFound, msg.StoreNotFound, what)
	}
	var rec T
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, errs.Internalf(err, "decode %s", what)
	}
	return &rec, nil
}

func put(tx Tx, bucket, key []byte, rec any) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return errs.Internalf(err, "encode %s record", bucket)
	}
	return tx.Bucket(bucket).Put(key, v)
}

func create(tx Tx, bucket, key []byte, rec any, what string) error {
	if tx.Bucket(bucket).Get(key) != nil {
		return errs.M(errs.Conflict, msg.StoreAlreadyExists, what)
	}
	return put(tx, bucket, key, rec)
}

// updateRecord is the read-modify-write every Update method shares.
func updateRecord[T any](d *DB, ctx context.Context, bucket, key []byte, what string, fn func(*T) error) error {
	return d.update(ctx, func(tx Tx) error {
		rec, err := get[T](tx, bucket, key, what)
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
		return put(tx, bucket, key, rec)
	})
}

// updateKeeping is updateRecord for a record whose identity (what
// identity returns: its key and the owner it belongs to) fn must not
// change; a change is a programming error, refused before it is written.
func updateKeeping[T any](d *DB, ctx context.Context, bucket, key []byte, what string, identity func(*T) string, fn func(*T) error) error {
	return d.update(ctx, func(tx Tx) error {
		rec, err := get[T](tx, bucket, key, what)
		if err != nil {
			return err
		}
		before := identity(rec)
		if err := fn(rec); err != nil {
			return err
		}
		if identity(rec) != before {
			return errs.E(errs.Internal, "a "+what+"'s identity never changes")
		}
		return put(tx, bucket, key, rec)
	})
}

func scan[T any](tx Tx, bucket []byte, prefix []byte, fn func(k []byte, rec *T) error) error {
	c := tx.Bucket(bucket).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return errs.Internalf(err, "decode %s record", bucket)
		}
		if err := fn(k, &rec); err != nil {
			return err
		}
	}
	return nil
}

// --- holders

func (d *DB) CreateHolder(ctx context.Context, h *storage.Holder) error {
	return d.update(ctx, func(tx Tx) error {
		// A user ID an order reserved is the applicant's: only that
		// order's issuance may create the holder.
		if owner := tx.Bucket(bOrdersByUserID).Get([]byte(h.ID)); owner != nil && string(owner) != h.Order {
			return errs.M(errs.Conflict, msg.StoreAlreadyExists, "user ID "+h.ID)
		}
		if err := create(tx, bHolders, []byte(h.ID), h, "holder "+h.ID); err != nil {
			return err
		}
		return putHolderIndexes(tx, h)
	})
}

// A holder with the daily summary on is filed in holders_daily_report
// under "<DailyReportSentFor>\x00<ID>": the day's run walks those not yet
// summarised for the day, oldest first, and stops there.

func dailyReportKey(h *storage.Holder) []byte {
	if !h.DailyReport {
		return nil
	}
	return pairKey(h.DailyReportSentFor, h.ID)
}

func putHolderIndexes(tx Tx, h *storage.Holder) error {
	if k := dailyReportKey(h); k != nil {
		return tx.Bucket(bHoldersDailyReport).Put(k, []byte{})
	}
	return nil
}

func (d *DB) Holder(ctx context.Context, id string) (h *storage.Holder, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		h, err = get[storage.Holder](tx, bHolders, []byte(id), "holder")
		return err
	})
	return h, err
}

func (d *DB) UpdateHolder(ctx context.Context, id string, fn func(*storage.Holder) error) error {
	return d.update(ctx, func(tx Tx) error {
		rec, err := get[storage.Holder](tx, bHolders, []byte(id), "holder")
		if err != nil {
			return err
		}
		before := dailyReportKey(rec)
		if err := fn(rec); err != nil {
			return err
		}
		if rec.ID != id {
			return errs.E(errs.Internal, "a holder's ID never changes")
		}
		if after := dailyReportKey(rec); !bytes.Equal(before, after) {
			if before != nil {
				if err := tx.Bucket(bHoldersDailyReport).Delete(before); err != nil {
					return err
				}
			}
			if err := putHolderIndexes(tx, rec); err != nil {
				return err
			}
		}
		return put(tx, bHolders, []byte(id), rec)
	})
}

func (d *DB) HoldersDueDailyReport(ctx context.Context, day string) (out []*storage.Holder, err error) {
	end := []byte(day + "\x00")
	err = d.view(ctx, func(tx Tx) error {
		out = nil
		c := tx.Bucket(bHoldersDailyReport).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, end) < 0; k, _ = c.Next() {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return errs.Ef(errs.Internal, "daily report index entry %q is malformed", k)
			}
			h, err := get[storage.Holder](tx, bHolders, k[i+1:], "holder")
			if err != nil {
				return err
			}
			out = append(out, h)
		}
		return nil
	})
	return out, err
}

func (d *DB) ListHolders(ctx context.Context) (out []*storage.Holder, err error) {
	err = d.view(ctx, func(tx Tx) error {
		return scan(tx, bHolders, nil, func(_ []byte, h *storage.Holder) error {
			out = append(out, h)
			return nil
		})
	})
	return out, err
}

// --- credentials

func holderIndexKey(holderID, credID string) []byte {
	return []byte(holderID + "\x00" + credID)
}

func (d *DB) CreateCredential(ctx context.Context, c *storage.Credential) error {
	return d.update(ctx, func(tx Tx) error {
		if tx.Bucket(bHolders).Get([]byte(c.HolderID)) == nil {
			return errs.M(errs.NotFound, msg.StoreHolderNotFound, c.HolderID)
		}
		if err := create(tx, bCredentials, []byte(c.ID), c, "credential "+c.ID); err != nil {
			return err
		}
		return tx.Bucket(bCredByHolder).Put(holderIndexKey(c.HolderID, c.ID), nil)
	})
}

func (d *DB) Credential(ctx context.Context, id string) (c *storage.Credential, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		c, err = get[storage.Credential](tx, bCredentials, []byte(id), "credential")
		return err
	})
	return c, err
}

func (d *DB) CredentialsOf(ctx context.Context, holderID string) (out []*storage.Credential, err error) {
	err = d.view(ctx, func(tx Tx) error {
		prefix := []byte(holderID + "\x00")
		c := tx.Bucket(bCredByHolder).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			cred, err := get[storage.Credential](tx, bCredentials, k[len(prefix):], "credential")
			if err != nil {
				return err
			}
			out = append(out, cred)
		}
		return nil
	})
	return out, err
}

func (d *DB) UpdateCredential(ctx context.Context, id string, fn func(*storage.Credential) error) error {
	return updateKeeping(d, ctx, bCredentials, []byte(id), "credential",
		func(c *storage.Credential) string { return c.ID + "\x00" + c.HolderID }, fn)
}

// --- SADs

// A SAD is filed in sads_by_expiry (the janitor's sweep) and
// sads_by_credential (a credential's key changed: its SADs go), both
// written with the record.

func putSADIndexes(tx Tx, s *storage.SAD) error {
	if err := bSADsByExpiry.add(tx, s.ExpiresAt, s.Key); err != nil {
		return err
	}
	return tx.Bucket(bSADsByCredential).Put(pairKeyBytes(s.CredentialID, s.Key), []byte{})
}

// deleteSAD removes a SAD and its index entries; a missing one is no error.
func deleteSAD(tx Tx, key []byte) error {
	if tx.Bucket(bSADs).Get(key) == nil {
		return nil
	}
	s, err := get[storage.SAD](tx, bSADs, key, "SAD")
	if err != nil {
		return err
	}
	if err := bSADsByExpiry.remove(tx, s.ExpiresAt, key); err != nil {
		return err
	}
	if err := tx.Bucket(bSADsByCredential).Delete(pairKeyBytes(s.CredentialID, key)); err != nil {
		return err
	}
	return tx.Bucket(bSADs).Delete(key)
}

func (d *DB) PutSAD(ctx context.Context, s *storage.SAD) error {
	return d.update(ctx, func(tx Tx) error {
		if err := create(tx, bSADs, s.Key, s, "SAD"); err != nil {
			return err
		}
		return putSADIndexes(tx, s)
	})
}

// UpdateSAD commits together with the concurrent UpdateSADs and audit
// anchor saves (Engine.Group; on bbolt a group commit, see storage/bolt/group.go): signHash requests share the
// fsyncs instead of queueing for one each. fn may run more than once.
func (d *DB) UpdateSAD(ctx context.Context, key []byte, fn func(*storage.SAD) error) error {
	return d.group(ctx, func(tx Tx) error {
		rec, err := get[storage.SAD](tx, bSADs, key, "SAD")
		if err != nil {
			return Refuse(err)
		}
		expires, cred := rec.ExpiresAt, rec.CredentialID
		if err := fn(rec); err != nil {
			return Refuse(err) // nothing written yet
		}
		if rec.CredentialID != cred || !bytes.Equal(rec.Key, key) {
			return Refuse(errs.E(errs.Internal, "a SAD's key and credential never change"))
		}
		if rec.Remaining <= 0 {
			return deleteSAD(tx, key)
		}
		if err := bSADsByExpiry.move(tx, expires, rec.ExpiresAt, key); err != nil {
			return err
		}
		return put(tx, bSADs, key, rec)
	})
}

func (d *DB) DeleteSAD(ctx context.Context, key []byte) error {
	return d.update(ctx, func(tx Tx) error { return deleteSAD(tx, key) })
}

// DeleteExpiredSADs walks sads_by_expiry up to now: its cost is the
// expired SADs', not every SAD's.
func (d *DB) DeleteExpiredSADs(ctx context.Context, now time.Time) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n, err = bSADsByExpiry.sweep(tx, now, func(key []byte) (time.Time, bool, error) {
			return expiryOf(tx, bSADs, key, "SAD", func(s *storage.SAD) time.Time { return s.ExpiresAt })
		}, func(key []byte) error { return deleteSAD(tx, key) })
		return err
	})
	return n, err
}

// expiryOf reads the record at key and returns its expiry; ok is false
// when there is no record.
func expiryOf[T any](tx Tx, bucket, key []byte, what string, expiry func(*T) time.Time) (time.Time, bool, error) {
	if tx.Bucket(bucket).Get(key) == nil {
		return time.Time{}, false, nil
	}
	rec, err := get[T](tx, bucket, key, what)
	if err != nil {
		return time.Time{}, false, err
	}
	return expiry(rec), true, nil
}

// --- OTPs

func (d *DB) PutOTP(ctx context.Context, o *storage.OTP) error {
	return d.update(ctx, func(tx Tx) error { return put(tx, bOTPs, []byte(o.Key), o) })
}

func (d *DB) UpdateOTP(ctx context.Context, key string, fn func(*storage.OTP) (bool, error)) error {
	return d.update(ctx, func(tx Tx) error {
		rec, err := get[storage.OTP](tx, bOTPs, []byte(key), "OTP")
		if err != nil {
			return err
		}
		del, err := fn(rec)
		if err != nil {
			return err
		}
		if del {
			return tx.Bucket(bOTPs).Delete([]byte(key))
		}
		return put(tx, bOTPs, []byte(key), rec)
	})
}

// --- tokens

// A token is filed in tokens_by_expiry (the janitor's sweep) and, when it
// belongs to a grant, tokens_by_grant (a logout ends the grant's tokens),
// both written with the record.

func deleteToken(tx Tx, id []byte) error {
	if tx.Bucket(bTokens).Get(id) == nil {
		return nil
	}
	t, err := get[storage.Token](tx, bTokens, id, "token")
	if err != nil {
		return err
	}
	if err := bTokensByExpiry.remove(tx, t.ExpiresAt, id); err != nil {
		return err
	}
	if t.GrantID != "" {
		if err := tx.Bucket(bTokensByGrant).Delete(pairKey(t.GrantID, t.ID)); err != nil {
			return err
		}
	}
	if t.HolderID != "" {
		if err := tx.Bucket(bTokensByHolder).Delete(pairKey(t.HolderID, t.ID)); err != nil {
			return err
		}
	}
	return tx.Bucket(bTokens).Delete(id)
}

func putTokenIndexes(tx Tx, t *storage.Token) error {
	if err := bTokensByExpiry.add(tx, t.ExpiresAt, []byte(t.ID)); err != nil {
		return err
	}
	if t.GrantID != "" {
		if err := tx.Bucket(bTokensByGrant).Put(pairKey(t.GrantID, t.ID), []byte{}); err != nil {
			return err
		}
	}
	if t.HolderID == "" {
		return nil
	}
	return tx.Bucket(bTokensByHolder).Put(pairKey(t.HolderID, t.ID), []byte{})
}

func (d *DB) PutToken(ctx context.Context, t *storage.Token) error {
	return d.update(ctx, func(tx Tx) error {
		if err := create(tx, bTokens, []byte(t.ID), t, "token"); err != nil {
			return err
		}
		return putTokenIndexes(tx, t)
	})
}

func (d *DB) Token(ctx context.Context, id string) (t *storage.Token, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		t, err = get[storage.Token](tx, bTokens, []byte(id), "token")
		return err
	})
	return t, err
}

func (d *DB) TakeToken(ctx context.Context, id string) (t *storage.Token, err error) {
	err = d.update(ctx, func(tx Tx) error {
		t, err = get[storage.Token](tx, bTokens, []byte(id), "token")
		if err != nil {
			return err
		}
		return deleteToken(tx, []byte(id))
	})
	return t, err
}

func (d *DB) DeleteToken(ctx context.Context, id string) error {
	return d.update(ctx, func(tx Tx) error { return deleteToken(tx, []byte(id)) })
}

// DeleteGrant walks tokens_by_grant: a logout costs its grant's tokens.
func (d *DB) DeleteGrant(ctx context.Context, grantID string) (n int, err error) {
	if grantID == "" {
		return 0, nil
	}
	err = d.update(ctx, func(tx Tx) error {
		n, err = deleteOwnedTokens(tx, bTokensByGrant, grantID)
		return err
	})
	return n, err
}

// deleteOwnedTokens deletes the tokens an owner index (by grant, by
// holder) files under owner.
func deleteOwnedTokens(tx Tx, index []byte, owner string) (n int, err error) {
	for _, id := range ownedBy(tx, index, owner) {
		if tx.Bucket(bTokens).Get(id) != nil {
			n++
		}
		if err := deleteToken(tx, id); err != nil {
			return n, err
		}
		// An entry without its token (none is ever left) goes too.
		if err := tx.Bucket(index).Delete(pairKeyBytes(owner, id)); err != nil {
			return n, err
		}
	}
	return n, nil
}

// DeleteExpiredTokens walks tokens_by_expiry up to now.
func (d *DB) DeleteExpiredTokens(ctx context.Context, now time.Time) (n int, err error) {
	err = d.update(ctx, func(tx Tx) error {
		n, err = bTokensByExpiry.sweep(tx, now, func(id []byte) (time.Time, bool, error) {
			return expiryOf(tx, bTokens, id, "token", func(t *storage.Token) time.Time { return t.ExpiresAt })
		}, func(id []byte) error { return deleteToken(tx, id) })
		return err
	})
	return n, err
}

// --- authorities

func (d *DB) PutAuthority(ctx context.Context, a *storage.Authority) error {
	return d.update(ctx, func(tx Tx) error { return put(tx, bAuthorities, []byte(a.Name), a) })
}

func (d *DB) Authority(ctx context.Context, name string) (a *storage.Authority, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		a, err = get[storage.Authority](tx, bAuthorities, []byte(name), "authority "+name)
		return err
	})
	return a, err
}

// --- OAuth clients

func (d *DB) CreateClient(ctx context.Context, c *storage.Client) error {
	return d.update(ctx, func(tx Tx) error { return create(tx, bClients, []byte(c.ID), c, "client "+c.ID) })
}

func (d *DB) Client(ctx context.Context, id string) (c *storage.Client, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		c, err = get[storage.Client](tx, bClients, []byte(id), "client")
		return err
	})
	return c, err
}

// --- certificates

// A certificate is filed in certificates_by_status ("<status>\x00
// <big-endian notAfter><serial>": the lifecycle sweep reads the active
// ones past notAfter and the suspended ones, the CRL the suspended and
// revoked ones) and certificates_by_credential ("<credential>\x00
// <serial>"), both written with the record.

// certIndexStatus is the status a certificate is filed under: what
// ca's status() reads it as.
func certIndexStatus(s storage.CertStatus) storage.CertStatus {
	switch s {
	case storage.CertSuspended, storage.CertRevoked, storage.CertExpired:
		return s
	}
	return storage.CertActive
}

func certStatusKey(c *storage.Certificate) []byte {
	k := append([]byte(certIndexStatus(c.Status)), 0)
	k = append(k, timeOrder(c.NotAfter)...)
	return append(k, c.Serial...)
}

func putCertIndexes(tx Tx, c *storage.Certificate) error {
	if err := tx.Bucket(bCertsByStatus).Put(certStatusKey(c), []byte{}); err != nil {
		return err
	}
	return tx.Bucket(bCertsByCredential).Put(pairKey(c.CredentialID, c.Serial), []byte{})
}

func deleteCertIndexes(tx Tx, c *storage.Certificate) error {
	if err := tx.Bucket(bCertsByStatus).Delete(certStatusKey(c)); err != nil {
		return err
	}
	return tx.Bucket(bCertsByCredential).Delete(pairKey(c.CredentialID, c.Serial))
}

func (d *DB) CreateCertificate(ctx context.Context, c *storage.Certificate) error {
	return d.update(ctx, func(tx Tx) error {
		if err := create(tx, bCertificates, []byte(c.Serial), c, "certificate "+c.Serial); err != nil {
			return err
		}
		return putCertIndexes(tx, c)
	})
}

func (d *DB) Certificate(ctx context.Context, serial string) (c *storage.Certificate, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		c, err = get[storage.Certificate](tx, bCertificates, []byte(serial), "certificate")
		return err
	})
	return c, err
}

// UpdateCertificate also moves the register's epoch on, in the same
// transaction, so that other nodes' caches see that something changed.
func (d *DB) UpdateCertificate(ctx context.Context, serial string, fn func(*storage.Certificate) error) error {
	return d.update(ctx, func(tx Tx) error {
		rec, err := get[storage.Certificate](tx, bCertificates, []byte(serial), "certificate")
		if err != nil {
			return err
		}
		before := *rec
		if err := fn(rec); err != nil {
			return err
		}
		if rec.Serial != serial {
			return errs.E(errs.Internal, "a certificate's serial never changes")
		}
		if !bytes.Equal(certStatusKey(&before), certStatusKey(rec)) || before.CredentialID != rec.CredentialID {
			if err := deleteCertIndexes(tx, &before); err != nil {
				return err
			}
			if err := putCertIndexes(tx, rec); err != nil {
				return err
			}
		}
		if err := put(tx, bCertificates, []byte(serial), rec); err != nil {
			return err
		}
		epoch, err := readEpoch(tx)
		if err != nil {
			return err
		}
		return tx.Bucket(bMeta).Put(keyCertEpoch, []byte(fmt.Sprint(epoch+1)))
	})
}

func (d *DB) CertificateEpoch(ctx context.Context) (epoch uint64, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		epoch, err = readEpoch(tx)
		return err
	})
	return epoch, err
}

func readEpoch(tx Tx) (uint64, error) {
	var n uint64
	if v := tx.Bucket(bMeta).Get(keyCertEpoch); v != nil {
		if _, err := fmt.Sscan(string(v), &n); err != nil {
			return 0, errs.Internalf(err, "decode the certificate register's epoch")
		}
	}
	return n, nil
}

func (d *DB) ListCertificates(ctx context.Context, fn func(*storage.Certificate) error) error {
	return d.view(ctx, func(tx Tx) error {
		return scan(tx, bCertificates, nil, func(_ []byte, c *storage.Certificate) error { return fn(c) })
	})
}

func (d *DB) CertificatesWithStatus(ctx context.Context, status storage.CertStatus, notAfterBefore time.Time, fn func(*storage.Certificate) error) error {
	prefix := append([]byte(certIndexStatus(status)), 0)
	var end []byte
	if !notAfterBefore.IsZero() {
		end = append(bytes.Clone(prefix), timeOrder(notAfterBefore)...)
	}
	return d.view(ctx, func(tx Tx) error {
		c := tx.Bucket(bCertsByStatus).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if end != nil && bytes.Compare(k, end) >= 0 {
				break
			}
			if len(k) < len(prefix)+8 {
				return errs.Ef(errs.Internal, "certificate status index entry %q is malformed", k)
			}
			rec, err := get[storage.Certificate](tx, bCertificates, k[len(prefix)+8:], "certificate")
			if err != nil {
				return err
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		return nil
	})
}

func (d *DB) CertificatesOfCredential(ctx context.Context, credentialID string) (out []*storage.Certificate, err error) {
	err = d.view(ctx, func(tx Tx) error {
		out = nil
		for _, serial := range ownedBy(tx, bCertsByCredential, credentialID) {
			rec, err := get[storage.Certificate](tx, bCertificates, serial, "certificate")
			if err != nil {
				return err
			}
			out = append(out, rec)
		}
		return nil
	})
	return out, err
}

func (d *DB) NextCRLNumber(ctx context.Context) (n uint64, err error) {
	err = d.update(ctx, func(tx Tx) error {
		b := tx.Bucket(bMeta)
		n = 0 // a rerun starts afresh (an empty register's first number is 1)
		if v := b.Get(keyCRLNumber); v != nil {
			if _, err := fmt.Sscan(string(v), &n); err != nil {
				return errs.Internalf(err, "decode CRL number")
			}
		}
		n++
		return b.Put(keyCRLNumber, []byte(fmt.Sprint(n)))
	})
	return n, err
}

// --- audit anchor

// SaveAuditAnchor records the newest audit record's sequence number and hash,
// so that cutting records off the end of the audit log is detected. It
// rides in the same group commit as the SAD uses of the requests whose
// intents it covers.
func (d *DB) SaveAuditAnchor(ctx context.Context, seq uint64, hash []byte) error {
	return d.group(ctx, func(tx Tx) error { return putAnchor(tx, seq, hash) })
}

// SaveAuditAnchorHead is SaveAuditAnchor at the head the audit log has
// made durable when the group's transaction runs (audit.HeadAnchor): one
// commit then anchors every batch fsync'd while it waited for the group.
func (d *DB) SaveAuditAnchorHead(ctx context.Context, head func() (uint64, []byte)) (seq uint64, hash []byte, err error) {
	err = d.group(ctx, func(tx Tx) error {
		seq, hash = head()
		return putAnchor(tx, seq, hash)
	})
	return seq, hash, err
}

func putAnchor(tx Tx, seq uint64, hash []byte) error {
	v, _ := json.Marshal(struct {
		Seq  uint64 `json:"seq"`
		Hash []byte `json:"hash"`
	}{seq, hash})
	return tx.Bucket(bMeta).Put(keyAuditAnchor, v)
}

// AuditAnchor returns the last saved anchor (0, nil when none).
func (d *DB) AuditAnchor(ctx context.Context) (seq uint64, hash []byte, err error) {
	err = d.view(ctx, func(tx Tx) error {
		v := tx.Bucket(bMeta).Get(keyAuditAnchor)
		if v == nil {
			return nil
		}
		var a struct {
			Seq  uint64 `json:"seq"`
			Hash []byte `json:"hash"`
		}
		if err := json.Unmarshal(v, &a); err != nil {
			return errs.Internalf(err, "decode audit anchor")
		}
		seq, hash = a.Seq, a.Hash
		return nil
	})
	return seq, hash, err
}
