package kv

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// bAuditChain holds the audit chain's records by big-endian sequence
// number; the head (sequence and hash of the newest) is keyAuditHead in
// the meta bucket, written in the same transaction. Every append reads
// and writes the head, so concurrent appenders on one database are
// serialised there: on PostgreSQL one of two conflicting transactions is
// rolled back and runs again from the new head.
var (
	bAuditChain  = []byte("audit_chain")
	keyAuditHead = []byte("audit_chain_head")
)

func init() {
	allBuckets = append(allBuckets, bAuditChain)
}

type auditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

func readAuditHead(tx Tx) (auditHead, error) {
	var h auditHead
	v := tx.Bucket(bMeta).Get(keyAuditHead)
	if v == nil {
		return h, nil
	}
	if err := json.Unmarshal(v, &h); err != nil {
		return h, errs.Internalf(err, "decode audit chain head")
	}
	return h, nil
}

// appendAudit chains seal's records after the head in tx.
func appendAudit(tx Tx, seal storage.AuditSeal) error {
	h, err := readAuditHead(tx)
	if err != nil {
		return err
	}
	recs, head, err := seal(h.Seq, h.Hash)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil
	}
	if head == "" {
		return errs.Internalf(errors.New("audit seal returned records without a head"), "append audit records")
	}
	b := tx.Bucket(bAuditChain)
	for i, r := range recs {
		if err := b.Put(seqKey(h.Seq+uint64(i)+1), r); err != nil {
			return err
		}
	}
	v, _ := json.Marshal(auditHead{Seq: h.Seq + uint64(len(recs)), Hash: head})
	return tx.Bucket(bMeta).Put(keyAuditHead, v)
}

// AppendAudit joins the signing path's group commit: the audit records of
// concurrent requests share one commit with their SAD uses.
func (d *DB) AppendAudit(ctx context.Context, seal storage.AuditSeal) error {
	if seal == nil {
		return errs.Internalf(errors.New("no seal"), "append audit records")
	}
	return d.group(ctx, func(tx Tx) error { return appendAudit(tx, seal) })
}

func (d *DB) AuditHead(ctx context.Context) (seq uint64, hash string, err error) {
	err = d.viewOne(ctx, func(tx Tx) error {
		h, err := readAuditHead(tx)
		seq, hash = h.Seq, h.Hash
		return err
	})
	return seq, hash, err
}

func (d *DB) AuditRecords(ctx context.Context, after uint64, limit int) (seqs []uint64, recs [][]byte, err error) {
	if limit <= 0 {
		return nil, nil, nil
	}
	err = d.view(ctx, func(tx Tx) error {
		seqs, recs = seqs[:0], recs[:0]
		c := tx.Bucket(bAuditChain).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(recs) < limit; k, v = c.Next() {
			if len(k) != 8 {
				return errs.Internalf(errors.New("key is not a sequence number"), "read audit record %x", k)
			}
			seqs = append(seqs, binary.BigEndian.Uint64(k))
			recs = append(recs, append([]byte(nil), v...))
		}
		return nil
	})
	return seqs, recs, err
}
