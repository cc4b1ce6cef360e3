// Package bundle seals the evidence of one enrolment (ETSI TS 119 461
// ISS-8.5.2, ENROLMENT.md 6.8): it gathers the order, the applicant's
// data and consents, every chip attempt's files and reports, the photos,
// video and liveness challenge, the officers' reviews, the contract and
// the issuance record; writes a manifest with every file's SHA-256 and
// size, the completion time and the retain-until date; and seals the
// manifest with a CAdES B-T signature of the registration authority's HSM
// key ("ra-seal"), time-stamped by qes's TSA, its hash also in the audit
// chain. Every file is an evidence file (age-encrypted at rest); the
// bundle index in storage names the manifests. Verify re-checks all of it,
// Export gives an auditor the plain files, Purge deletes what retention
// no longer requires.
package bundle

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// Records is what a bundle is gathered from, and its index.
type Records interface {
	Order(ctx context.Context, number string) (*storage.Order, error)
	ListOrders(ctx context.Context, fn func(*storage.Order) error) error
	OrdersDueSealing(ctx context.Context, fn func(number string, mark []byte) error) error
	ClearSealingDue(ctx context.Context, number string, mark []byte) error
	Customer(ctx context.Context, id string) (*storage.Customer, error)
	ConsentsOf(ctx context.Context, customerID string) ([]*storage.Consent, error)
	IdentificationsOf(ctx context.Context, orderNumber string) ([]*storage.Identification, error)
	ReviewsOf(ctx context.Context, orderNumber string) ([]*storage.Review, error)
	Officer(ctx context.Context, user string) (*storage.Officer, error)
	Certificate(ctx context.Context, serial string) (*storage.Certificate, error)
	// UpdateOrder and UpdateIdentification let purge erase the personal
	// data the records still hold at the end of retention.
	UpdateOrder(ctx context.Context, number string, fn func(*storage.Order) error) error
	UpdateIdentification(ctx context.Context, id string, fn func(*storage.Identification) error) error
	storage.EvidenceBundles
}

// Files is the evidence store (evidence.Store): content-addressed,
// encrypted at rest, re-hashed on every read.
type Files interface {
	Put(ctx context.Context, data []byte, mediaType string) (storage.EvidenceRef, error)
	Open(ctx context.Context, sha256hex string) ([]byte, error)
	Delete(ctx context.Context, sha256hex string) error
	// Exists fails when it cannot tell (the store is unreachable), so
	// that a purge does not take an unreadable file for one already gone.
	Exists(ctx context.Context, sha256hex string) (bool, error)
}

// Deps are the bundle's collaborators.
type Deps struct {
	Records Records
	Files   Files
	// Signer is the "ra-seal" key in the HSM; Chain its certificate, the
	// issuing CA and qes's root (last), which verification anchors on.
	Signer      crypto.Signer
	Chain       []*x509.Certificate
	Timestamper Timestamper
	Audit       audit.Appender
	// AuditRecords reads the log's records back for Verify (audit.Log,
	// kept in a file or in the store).
	AuditRecords interface {
		RecordAt(ctx context.Context, seq uint64) (*audit.Record, bool, error)
	}
	// Template returns the contract template with the given version,
	// language and SHA-256 (hex), or an error; nil leaves the template out
	// (the acceptance record still names its hash).
	Template func(ctx context.Context, version, lang, sha256hex string) ([]byte, error)
	Log      *slog.Logger
	Now      func() time.Time
}

// Config is qes.json's "evidence".
type Config struct {
	// RetentionYears after issuance for enrolments that issued a
	// certificate (CAD 32(3)(j), eIDAS 24(2)(h)); default 20.
	RetentionYears int
	// FailedRetention after the end for enrolments that did not (and for
	// the evidence of failed identification attempts); default 8760h.
	FailedRetention time.Duration
}

// Service seals, verifies, exports and purges evidence bundles.
type Service struct {
	d   Deps
	cfg Config
	// mu runs seals and purges one at a time: a purge never deletes a
	// file a sealing is about to name, and versions are numbered in order.
	mu sync.Mutex
}

// New builds the service.
func New(d Deps, cfg Config) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if cfg.RetentionYears == 0 {
		cfg.RetentionYears = 20
	}
	if cfg.FailedRetention == 0 {
		cfg.FailedRetention = 8760 * time.Hour
	}
	return &Service{d: d, cfg: cfg}
}

// Outcomes of an enrolment, for retention.
const (
	OutcomeIssued = "issued"
	OutcomeFailed = "failed"
)

// ManifestFormat names the manifest's layout.
const ManifestFormat = "qes-evidence-bundle/1"

// Manifest is manifest.json.
type Manifest struct {
	Format string `json:"format"`
	Order  string `json:"order"`
	UserID string `json:"userId,omitempty"`
	// Version counts the sealings of this enrolment's bundle.
	Version int    `json:"version"`
	State   string `json:"state"`
	Outcome string `json:"outcome"`
	// CompletedAt is when the identity proofing was completed
	// (ISS-8.5.2-05A); EndedAt when the enrolment reached its state.
	CompletedAt time.Time      `json:"completedAt,omitzero"`
	EndedAt     time.Time      `json:"endedAt"`
	SealedAt    time.Time      `json:"sealedAt"`
	RetainUntil time.Time      `json:"retainUntil"`
	Files       []ManifestFile `json:"files"`
	// Absent are evidence files the records name that were deleted at
	// the end of their own retention before this sealing.
	Absent []AbsentFile `json:"absent,omitempty"`
}

// AbsentFile is a file a record names but the evidence store no longer
// holds.
type AbsentFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// ManifestFile is one file of the bundle.
type ManifestFile struct {
	Path      string `json:"path"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MediaType string `json:"mediaType,omitempty"`
}

// Sealed is the outcome of Seal.
type Sealed struct {
	Order          string    `json:"order"`
	Version        int       `json:"version"`
	Files          int       `json:"files"`
	ManifestSHA256 string    `json:"manifestSha256"`
	SealSHA256     string    `json:"sealSha256"`
	SealedAt       time.Time `json:"sealedAt"`
	RetainUntil    time.Time `json:"retainUntil"`
	AuditSeq       uint64    `json:"auditSeq"`
}

// ended are the states in which an enrolment's evidence is complete
// enough to seal: a certificate was issued (issued, active, and expired
// after issuance), or the enrolment ended without one.
var ended = map[string]bool{"issued": true, "active": true, "expired": true, "rejected": true, "failed": true}

// Seal gathers and seals the evidence of the enrolment orderNumber. Each
// call makes a new manifest version; earlier ones are kept.
func (s *Service) Seal(ctx context.Context, orderNumber string) (*Sealed, error) {
	if orderNumber == "" {
		return nil, errs.M(errs.InvalidRequest, msg.BundleOrderRequired)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.d.Records.Order(ctx, orderNumber)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.M(errs.NotFound, msg.BundleOrderNotFound, orderNumber)
	}
	if err != nil {
		return nil, err
	}
	if !ended[o.State] {
		return nil, errs.M(errs.Conflict, msg.BundleNotEnded, orderNumber, o.State)
	}
	c, completedAt, err := s.gather(ctx, o)
	if err != nil {
		return nil, err
	}
	files := c.files
	now := s.d.Now().UTC()
	endedAt := o.UpdatedAt
	if n := len(o.Transitions); n > 0 {
		endedAt = o.Transitions[n-1].At
	}
	outcome, retainUntil := OutcomeFailed, endedAt.Add(s.cfg.FailedRetention)
	if o.Issuance != nil {
		outcome, retainUntil = OutcomeIssued, o.Issuance.At.AddDate(s.cfg.RetentionYears, 0, 0)
	}
	version := 1
	if prev, err := s.d.Records.EvidenceBundle(ctx, orderNumber); err == nil {
		version = len(prev.Versions) + 1
		// Retention never shrinks by sealing again.
		if prev.RetainUntil.After(retainUntil) {
			retainUntil = prev.RetainUntil
		}
	} else if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	m := Manifest{Format: ManifestFormat, Order: o.Number, UserID: o.UserID, Version: version, State: o.State,
		Outcome: outcome, CompletedAt: completedAt, EndedAt: endedAt.UTC(), SealedAt: now, RetainUntil: retainUntil.UTC()}
	for _, f := range files {
		m.Files = append(m.Files, ManifestFile{Path: f.path, SHA256: f.ref.SHA256, Size: f.ref.Size, MediaType: f.ref.MediaType})
	}
	m.Absent = c.absent
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, errs.Internalf(err, "encode manifest")
	}
	manifestRef, err := s.d.Files.Put(ctx, raw, "application/json")
	if err != nil {
		return nil, err
	}
	p7s, err := sign(ctx, s.d.Signer, s.d.Chain, s.d.Timestamper, raw, now)
	if err != nil {
		return nil, errs.Internalf(err, "seal the manifest of %s", orderNumber)
	}
	sealRef, err := s.d.Files.Put(ctx, p7s, "application/pkcs7-signature")
	if err != nil {
		return nil, err
	}
	// The manifest's hash enters the audit chain before the index names
	// it: a bundle the log cannot vouch for is not recorded as sealed.
	seq, err := s.d.Audit.Append(ctx, audit.Event{Type: "evidence.sealed", Outcome: "ok", Detail: map[string]string{
		"order": o.Number, "version": itoa(version), "manifestSha256": manifestRef.SHA256, "sealSha256": sealRef.SHA256,
		"files": itoa(len(files)), "retainUntil": retainUntil.UTC().Format(time.RFC3339),
	}})
	if err != nil {
		return nil, errs.Internalf(err, "audit the seal of %s", orderNumber)
	}
	b, err := s.d.Records.AddBundleVersion(ctx, o.Number, outcome, retainUntil.UTC(), storage.BundleVersion{
		Manifest: manifestRef, Seal: sealRef, SealedAt: now, AuditSeq: seq})
	if err != nil {
		return nil, err
	}
	v := b.Versions[len(b.Versions)-1]
	s.d.Log.InfoContext(ctx, "evidence bundle sealed", "order", o.Number, "version", v.Version, "files", len(files), "manifest", manifestRef.SHA256)
	return &Sealed{Order: o.Number, Version: v.Version, Files: len(files), ManifestSHA256: manifestRef.SHA256,
		SealSHA256: sealRef.SHA256, SealedAt: now, RetainUntil: b.RetainUntil, AuditSeq: seq}, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
