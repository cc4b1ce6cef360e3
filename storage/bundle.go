package storage

import (
	"context"
	"time"
)

// EvidenceBundle is the index of one enrolment's sealed evidence bundle:
// which manifest (and its seal) each sealing made, and until when the
// bundle must be kept. The files themselves are evidence files; the
// manifest names them.
type EvidenceBundle struct {
	OrderNumber string `json:"orderNumber"`
	// Outcome is "issued" (a certificate was issued) or "failed" (rejected,
	// failed or expired before issuance): it chose RetainUntil.
	Outcome     string    `json:"outcome"`
	RetainUntil time.Time `json:"retainUntil"`
	// Versions are the sealings, oldest first; sealing again (activation
	// added the signed contract) adds one and keeps the others.
	Versions []BundleVersion `json:"versions"`
}

// BundleVersion is one sealing of a bundle.
type BundleVersion struct {
	Version  int         `json:"version"` // 1, 2, ...
	Manifest EvidenceRef `json:"manifest"`
	Seal     EvidenceRef `json:"seal"` // manifest.p7s
	SealedAt time.Time   `json:"sealedAt"`
	// AuditSeq is the audit record that holds the manifest's SHA-256.
	AuditSeq uint64 `json:"auditSeq"`
}

// EvidenceBundles stores the bundle index. It is its own set, not part of
// Store, so that a back end can add it without touching the others.
type EvidenceBundles interface {
	// AddBundleVersion appends v to the order's bundle (creating it),
	// numbering it one after the last, and sets the outcome and
	// retain-until; it returns the bundle as stored.
	AddBundleVersion(ctx context.Context, orderNumber, outcome string, retainUntil time.Time, v BundleVersion) (*EvidenceBundle, error)
	EvidenceBundle(ctx context.Context, orderNumber string) (*EvidenceBundle, error)
	ListEvidenceBundles(ctx context.Context, fn func(*EvidenceBundle) error) error
	// DeleteEvidenceBundle removes the index entry (errs.NotFound if none).
	DeleteEvidenceBundle(ctx context.Context, orderNumber string) error
}
