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

// SADUse is one signature's use of a SAD, decided and written in one
// transaction: the credential and its certificate's register record are
// read in it, so that on a shared database no signature is authorized
// after a revocation, suspension or key destruction that committed
// before it (a concurrent change and the use are serialised), and the
// intent is stored with it.
type SADUse struct {
	Key []byte // the SAD's store key
	// CredentialID and CertificateSerial (the register's key) name the
	// records Check is given; a missing certificate record is nil.
	CredentialID, CertificateSerial string
	// Check decides the use from what the transaction read and changes
	// sad; an error refuses it and writes nothing. It may run more than
	// once.
	Check func(sad *SAD, cred *Credential, cert *Certificate) error
	// Intent is written to the audit outbox, unless Chain is set: then
	// Chain appends the intent to the store's audit chain in the same
	// transaction instead (a deployment whose audit trail is in the
	// store needs no relay).
	Intent OutboxRecord
	Chain  AuditSeal
}

// AuditOutbox keeps records on their way to the audit log.
type AuditOutbox interface {
	// UseSAD is UpdateSAD for a signature: when Check accepts, the SAD
	// change and the intent are durable together when it returns (same
	// group-commit semantics; Check may run more than once).
	UseSAD(ctx context.Context, u SADUse) error
	// OutboxRecords returns up to limit records, oldest first.
	OutboxRecords(ctx context.Context, limit int) ([]OutboxRecord, error)
	// DeleteOutboxRecords removes records the audit log now holds; unknown
	// IDs are not an error.
	DeleteOutboxRecords(ctx context.Context, ids []string) error
}
