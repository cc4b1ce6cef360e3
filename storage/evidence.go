package storage

import "context"

// MaxEvidenceBlob bounds one stored evidence file: package evidence's
// MaxSize of plaintext (32 MiB) plus what age adds (a header of a few
// hundred bytes and 16 bytes for each 64 KiB chunk, 8 KiB at most), with
// room to spare. A back end refuses a larger value rather than keep it.
const MaxEvidenceBlob = 33 << 20

// EvidenceBlobs keeps identity-proofing evidence in the store, so that
// every node of a deployment reads what any of them received (package
// evidence's "store" placement). What it holds is already encrypted by
// package evidence: the store never sees plaintext, and the identity it
// keeps is sealed by the HSM. It is its own set, not part of Store, so
// that a back end adds it without touching the others.
type EvidenceBlobs interface {
	// PutEvidenceBlob keeps ciphertext under sum (the lower-case hex
	// SHA-256 of its plaintext) unless a blob with that sum is there
	// already: the first one stays, whatever the second holds (another
	// encryption of the same plaintext adds nothing, and a forged one must
	// not replace a good one), and added says which. A sum that is not 64 lower-case hex digits, or
	// an empty or oversize ciphertext, is errs.Internal: package evidence
	// checks what it is given before it gets here.
	PutEvidenceBlob(ctx context.Context, sum string, ciphertext []byte) (added bool, err error)
	// EvidenceBlob returns the ciphertext kept under sum (errs.NotFound).
	EvidenceBlob(ctx context.Context, sum string) ([]byte, error)
	// EvidenceBlobExists says whether a blob is kept under sum, without
	// reading it.
	EvidenceBlobExists(ctx context.Context, sum string) (bool, error)
	// DeleteEvidenceBlob removes the blob (retention ended); one already
	// gone is not an error.
	DeleteEvidenceBlob(ctx context.Context, sum string) error
	// CreateEvidenceIdentity keeps sealed as the evidence identity unless
	// one is kept already, and returns the one kept: when nodes start
	// together each proposes its own and all end with the first, so that
	// every node encrypts to the same recipient. It is written once and
	// never replaced (losing it loses every file).
	CreateEvidenceIdentity(ctx context.Context, sealed []byte) ([]byte, error)
	// EvidenceIdentity returns the sealed identity (errs.NotFound before
	// the first CreateEvidenceIdentity).
	EvidenceIdentity(ctx context.Context) ([]byte, error)
}
