package storage

import (
	"context"
	"time"
)

// OutboxRecord is an audit record that is durable in the store before it
// is in the audit log: the signing path writes a signature's intent in the
// same transaction as the SAD use it records (one durable commit instead
// of a log fsync, an anchor commit and a SAD commit), and a relay moves it
// into the hash-chained log afterwards and deletes it here. Until then the
// outbox is part of the audit trail: start-up relays what a crash left.
type OutboxRecord struct {
	// ID orders the records (it starts with the time in nanoseconds, in
	// hex) and names the intent in the log's record.
	ID string `json:"id"`
	// Event is the audit event, JSON, as the log will write it.
	Event []byte    `json:"event"`
	At    time.Time `json:"at"`
}

// AuditOutbox keeps records on their way to the audit log.
type AuditOutbox interface {
	// UseSAD is UpdateSAD that also stores rec when fn accepts: both or
	// neither are durable when it returns (same group-commit semantics; fn
	// may run more than once).
	UseSAD(ctx context.Context, key []byte, fn func(*SAD) error, rec OutboxRecord) error
	// OutboxRecords returns up to limit records, oldest first.
	OutboxRecords(ctx context.Context, limit int) ([]OutboxRecord, error)
	// DeleteOutboxRecords removes records the audit log now holds; unknown
	// IDs are not an error.
	DeleteOutboxRecords(ctx context.Context, ids []string) error
}
