// Package activation is the end of an enrolment: the holder's first access
// (user ID + envelope PUK + new password, confirmed by an SMS code), the
// activation of the credential (envelope PIN + new PIN + SMS code; qes then
// signs the accepted contract with the new key, PAdES B-T with its own TSA,
// and only then enables the key) and the activation deadline (a credential
// not activated in time is revoked, its key destroyed, the order expired).
//
// The signature activation module keeps every secret check; this package
// orders the steps, keeps the signed contract as evidence and moves the
// order. It is a domain package: the portal calls it through a port.
package activation

import (
	"context"
	"crypto"
	"log/slog"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/pades"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// stateIssued is the enrol state of an order whose credential awaits
// activation (enrol.Issued; enrol is reached through Orders only).
const stateIssued = "issued"

// SAM is the signature activation module as activation uses it
// (sam.Service).
type SAM interface {
	CheckPUK(ctx context.Context, holderID, credentialID, puk string) error
	SendActivationOTP(ctx context.Context, holderID, credentialID string) error
	AuthorizeActivation(ctx context.Context, a sam.ActivationAuthorization) (string, error)
	SignActivation(ctx context.Context, holderID, credentialID, sad, hashOID string, hash []byte, opts crypto.SignerOpts) ([]byte, error)
	EnableKey(ctx context.Context, holderID, credentialID string) error
}

// Orders moves an enrolment along enrol's state machine (enrol.Service):
// each move is one transaction and an audit event, and an order that is
// not issued any more is refused with Conflict.
type Orders interface {
	MarkActive(ctx context.Context, number string, at time.Time, signedContract storage.EvidenceRef) (*storage.Order, error)
	MarkExpired(ctx context.Context, number string) (*storage.Order, error)
}

// Evidence keeps the signed contract at rest (evidence.Store).
type Evidence interface {
	Put(ctx context.Context, data []byte, mediaType string) (storage.EvidenceRef, error)
}

// Contracts returns the contract template of a version in a language, byte
// for byte as the applicant accepted it.
type Contracts func(version, lang string) ([]byte, error)

// Revoker revokes a credential's certificate for the deadline and destroys
// its key (the certificate lifecycle, as the system).
type Revoker interface {
	RevokeUnactivated(ctx context.Context, holderID, credentialID string) error
}

// Deps are the package's collaborators.
type Deps struct {
	Store     storage.Store
	SAM       SAM
	Orders    Orders
	OTP       *otp.Service
	Audit     audit.Appender
	Evidence  Evidence
	Contracts Contracts // nil: activation refuses with ActivationContractUnset
	// Timestamper time-stamps the contract's signature (qes's TSA).
	Timestamper pades.Timestamper
	Revoker     Revoker
	// Notify delivers the e-mails (the signed contract as an attachment).
	Notify otp.Sender
	Log    *slog.Logger
	Now    func() time.Time
}

// Config holds the rules; zero values take the defaults.
type Config struct {
	// Argon is the cost of the password hash (account's).
	Argon secret.Params
	// FirstAccessTTL bounds the time between the PUK and the SMS code
	// (default 10 minutes).
	FirstAccessTTL time.Duration
	// Failures per address and per user ID within Window refuse further
	// first-access attempts until it ends (defaults 20 and 5 per 15 min,
	// like the login's throttle).
	AddressFailures int
	UserFailures    int
	Window          time.Duration
}

func (c *Config) defaults() {
	if c.Argon.Time == 0 {
		c.Argon = secret.Default
	}
	if c.FirstAccessTTL <= 0 {
		c.FirstAccessTTL = 10 * time.Minute
	}
	if c.AddressFailures <= 0 {
		c.AddressFailures = 20
	}
	if c.UserFailures <= 0 {
		c.UserFailures = 5
	}
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
	}
}

// Service is first access, activation and the deadline job.
type Service struct {
	d     Deps
	cfg   Config
	first *firstAccess
	// dummy keeps a refusal for an unknown user ID as slow as a wrong PUK.
	dummy string
}

// New wires the service.
func New(d Deps, cfg Config) *Service {
	cfg.defaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{d: d, cfg: cfg, first: newFirstAccess(cfg), dummy: secret.Dummy(cfg.Argon)}
}

func (s *Service) record(ctx context.Context, ev audit.Event) {
	audit.BestEffort(ctx, s.d.Audit, s.d.Log, ev)
}

func (s *Service) recordOrRefuse(ctx context.Context, ev audit.Event) error {
	return audit.Require(ctx, s.d.Audit, s.d.Log, ev)
}
