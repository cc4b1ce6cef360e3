package kv

import (
	"bytes"
	"context"
	"strconv"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// The blobs and their sizes are two buckets: Exists and Put's check read
// the small record, not a ciphertext of up to 33 MiB (PostgreSQL would
// send all of it over the wire to answer "is it there").
var (
	bEvidenceBlobs = []byte("evidence_blobs") // sum -> age ciphertext, as is
	bEvidenceSizes = []byte("evidence_sizes") // sum -> ciphertext length, decimal
)

var keyEvidenceIdentity = []byte("evidence_identity") // in bMeta: the sealed X25519 identity

func init() { allBuckets = append(allBuckets, bEvidenceBlobs, bEvidenceSizes) }

var _ storage.EvidenceBlobs = (*DB)(nil)

// maxSealedIdentity bounds the sealed identity (an age identity string of
// 74 characters, sealed: well under 1 KiB).
const maxSealedIdentity = 4 << 10

func checkSum(sum string) error {
	if len(sum) != 64 {
		return errs.E(errs.Internal, "an evidence blob is named by the hex SHA-256 of its plaintext")
	}
	for i := 0; i < len(sum); i++ {
		if c := sum[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return errs.E(errs.Internal, "an evidence blob is named by the lower-case hex SHA-256 of its plaintext")
		}
	}
	return nil
}

func (d *DB) PutEvidenceBlob(ctx context.Context, sum string, ciphertext []byte) (added bool, err error) {
	if err := checkSum(sum); err != nil {
		return false, err
	}
	if len(ciphertext) == 0 || len(ciphertext) > storage.MaxEvidenceBlob {
		return false, errs.Ef(errs.Internal, "an evidence blob is 1 to %d bytes, not %d", storage.MaxEvidenceBlob, len(ciphertext))
	}
	err = d.update(ctx, func(tx Tx) error {
		key := []byte(sum)
		if tx.Bucket(bEvidenceSizes).Get(key) != nil {
			added = false
			return nil
		}
		added = true
		if err := tx.Bucket(bEvidenceBlobs).Put(key, ciphertext); err != nil {
			return err
		}
		return tx.Bucket(bEvidenceSizes).Put(key, []byte(strconv.Itoa(len(ciphertext))))
	})
	return added, err
}

func (d *DB) EvidenceBlob(ctx context.Context, sum string) (out []byte, err error) {
	if err := checkSum(sum); err != nil {
		return nil, errs.M(errs.NotFound, msg.StoreNotFound, "evidence blob")
	}
	err = d.viewOne(ctx, func(tx Tx) error {
		out = nil
		if v := tx.Bucket(bEvidenceBlobs).Get([]byte(sum)); v != nil {
			out = bytes.Clone(v) // bbolt's memory is the transaction's
		}
		return nil
	})
	if err == nil && out == nil {
		err = errs.M(errs.NotFound, msg.StoreNotFound, "evidence blob")
	}
	return out, err
}

func (d *DB) EvidenceBlobExists(ctx context.Context, sum string) (found bool, err error) {
	if checkSum(sum) != nil {
		return false, nil
	}
	err = d.viewOne(ctx, func(tx Tx) error {
		found = tx.Bucket(bEvidenceSizes).Get([]byte(sum)) != nil
		return nil
	})
	return found, err
}

func (d *DB) DeleteEvidenceBlob(ctx context.Context, sum string) error {
	if err := checkSum(sum); err != nil {
		return err
	}
	return d.update(ctx, func(tx Tx) error {
		key := []byte(sum)
		if err := tx.Bucket(bEvidenceBlobs).Delete(key); err != nil {
			return err
		}
		return tx.Bucket(bEvidenceSizes).Delete(key)
	})
}

func (d *DB) CreateEvidenceIdentity(ctx context.Context, sealed []byte) (out []byte, err error) {
	if len(sealed) == 0 || len(sealed) > maxSealedIdentity {
		return nil, errs.Ef(errs.Internal, "a sealed evidence identity is 1 to %d bytes, not %d", maxSealedIdentity, len(sealed))
	}
	err = d.update(ctx, func(tx Tx) error {
		b := tx.Bucket(bMeta)
		if v := b.Get(keyEvidenceIdentity); v != nil {
			out = bytes.Clone(v) // another node's, or an earlier run's
			return nil
		}
		out = bytes.Clone(sealed)
		return b.Put(keyEvidenceIdentity, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (d *DB) EvidenceIdentity(ctx context.Context) (out []byte, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		out = nil
		if v := tx.Bucket(bMeta).Get(keyEvidenceIdentity); v != nil {
			out = bytes.Clone(v)
		}
		return nil
	})
	if err == nil && out == nil {
		err = errs.M(errs.NotFound, msg.StoreNotFound, "evidence identity")
	}
	return out, err
}
