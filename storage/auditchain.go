package storage

import "context"

// AuditSeal chains new audit records after the chain's head (the newest
// record's sequence number and hex hash, 0 and "" for an empty chain). It
// returns the records as they are stored (one encoded record each, taking
// the numbers seq+1, seq+2, ...) and the hash of the last one, which
// becomes the head. It may run more than once, with a different head each
// time: it decides from its arguments alone.
type AuditSeal = func(seq uint64, prev string) (records [][]byte, head string, err error)

// AuditChain keeps the deployment's hash-chained audit trail in the store,
// so that every node appends to one chain: the records and their head are
// written in one transaction, and concurrent appenders (other requests,
// other nodes) are serialised by the store on the head. The head is the
// chain's anchor: records cut off the end are missing below it.
type AuditChain interface {
	// AppendAudit runs seal with the head inside one transaction and
	// stores what it returns; group-committed with the signing path's
	// writes. A seal returning no records writes nothing.
	AppendAudit(ctx context.Context, seal AuditSeal) error
	// AuditHead returns the chain's head (0, "" when it is empty).
	AuditHead(ctx context.Context) (seq uint64, hash string, err error)
	// AuditRecords returns up to limit stored records after seq, in
	// sequence order, with the numbers they are stored under.
	AuditRecords(ctx context.Context, after uint64, limit int) (seqs []uint64, records [][]byte, err error)
}
