package sam

import (
	"context"
	"crypto"
	"crypto/x509"
	"log/slog"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// KeyManager is the part of the HSM the module uses (hsm.Manager).
type KeyManager interface {
	Generate(ctx context.Context, kt hsm.KeyType, label string) (hsm.KeyRef, crypto.PublicKey, error)
	Signer(ctx context.Context, ref hsm.KeyRef) (crypto.Signer, error)
	Destroy(ctx context.Context, ref hsm.KeyRef) error
}

// MAC keys lookups of high-entropy secrets (hsm.MACKey).
type MAC interface {
	Sum(parts ...[]byte) ([]byte, error)
}

// Sealer encrypts recoverable secrets (hsm.Sealer).
type Sealer interface {
	Seal(plaintext, ad []byte) ([]byte, error)
	Open(sealed, ad []byte) ([]byte, error)
}

// Issuer issues the certificate of a new credential's key and reports the
// status of issued certificates (the CA service).
type Issuer interface {
	IssueHolderCertificate(ctx context.Context, h *storage.Holder, credentialID string, pub crypto.PublicKey) ([]*x509.Certificate, error)
	// CertificateState reports the certificate's status at time now.
	CertificateState(ctx context.Context, cert *x509.Certificate, now time.Time) (CertState, error)
	// CertificateStateOf is CertificateState over the register's record
	// (nil: unknown), read in the transaction that spends the SAD.
	CertificateStateOf(cert *x509.Certificate, rec *storage.Certificate, now time.Time) CertState
	// RegisterKey is the key of cert's record in the register.
	RegisterKey(cert *x509.Certificate) string
}

// CertState is a certificate's status as CSC reports it. The CA decides
// it; the module keeps its own word for it (the same strings as ca.State)
// so that it links no CA code, and the composition root converts.
type CertState string

const (
	CertValid       CertState = "valid"
	CertExpired     CertState = "expired"
	CertRevoked     CertState = "revoked"
	CertSuspended   CertState = "suspended"
	CertNotYetValid CertState = "notyetvalid"
)

// Auditor records what happened (audit.Log).
type Auditor interface {
	Append(ctx context.Context, ev audit.Event) (uint64, error)
	// AppendRelayed records ev, durable elsewhere already, in order with
	// the appends; done (if not nil) hears when it is anchored.
	AppendRelayed(ev audit.Event, done func(seq uint64, err error))
	// Health is why the log cannot take records now (nil when it can).
	Health() error
	// Seal is, for a log kept in the store, what chains ev in the
	// transaction of the SAD use it records; nil for a file log.
	Seal(ev audit.Event) func(seq uint64, prev string) ([][]byte, string, error)
}

// SignatureLog keeps the holder's signing history (history.Recorder): it
// is told of each batch after the signatures are made and writes it off
// the signing path.
type SignatureLog interface {
	// formats are a signDoc batch's signature formats, nil for signHash.
	Signed(ctx context.Context, holderID, credentialID, clientID string, n int, formats []string, at time.Time)
}

// Config holds the module's rules; zero values take the defaults.
type Config struct {
	Argon          secret.Params
	SADLifetime    time.Duration // default and maximum 5 minutes
	MaxPINFailures int           // default 5
	MaxPUKFailures int           // default 10
	MaxOTPFailures int           // default 5
	OTPLockout     time.Duration // default 15 minutes
	Multisign      int           // default 100
}

func (c *Config) defaults() {
	if c.Argon.Time == 0 {
		c.Argon = secret.Default
	}
	if c.SADLifetime <= 0 || c.SADLifetime > 5*time.Minute {
		c.SADLifetime = 5 * time.Minute
	}
	if c.MaxPINFailures <= 0 {
		c.MaxPINFailures = 5
	}
	if c.MaxPUKFailures <= 0 {
		c.MaxPUKFailures = 10
	}
	if c.MaxOTPFailures <= 0 {
		c.MaxOTPFailures = 5
	}
	if c.OTPLockout <= 0 {
		c.OTPLockout = 15 * time.Minute
	}
	if c.Multisign <= 0 {
		c.Multisign = 100
	}
}

// Deps are the module's collaborators.
type Deps struct {
	Store  storage.Store
	Keys   KeyManager
	MAC    MAC
	Sealer Sealer
	Issuer Issuer
	OTP    *otp.Service
	Audit  Auditor
	// History is told of every signHash batch (may be nil: not kept).
	History SignatureLog
	Log     *slog.Logger
	Now     func() time.Time
}

// Service is the signature activation module.
type Service struct {
	gate    signingGate // orders signatures against lifecycle changes
	relay   *relay      // signature intents from the store's outbox to the log
	sadKeys sadKeys     // SAD -> store key, saving the token an HMAC per use
	store   storage.Store
	keys    KeyManager
	mac     MAC
	sealer  Sealer
	issuer  Issuer
	otp     *otp.Service
	audit   Auditor
	history SignatureLog
	log     *slog.Logger
	now     func() time.Time
	cfg     Config
}

// New wires a Service.
func New(d Deps, cfg Config) *Service {
	cfg.defaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{
		relay: newRelay(),
		store: d.Store, keys: d.Keys, mac: d.MAC, sealer: d.Sealer, issuer: d.Issuer,
		otp: d.OTP, audit: d.Audit, history: d.History, log: d.Log, now: d.Now, cfg: cfg}
}

// Config returns the effective rules.
func (s *Service) Config() Config { return s.cfg }

// Now is the module's clock.
func (s *Service) Now() time.Time { return s.now() }

// recordOrRefuse writes an audit event that must exist before what it
// records happens (EN 319 401, TS 119 431-1: authentications, factor use):
// when the log cannot take it, the action is refused with Unavailable.
func (s *Service) recordOrRefuse(ctx context.Context, ev audit.Event) error {
	return audit.Require(ctx, s.audit, s.log, ev)
}

// record writes an audit event whose failure the caller may tolerate
// (outcomes of refused requests); failures are logged, never silent.
func (s *Service) record(ctx context.Context, ev audit.Event) {
	audit.BestEffort(ctx, s.audit, s.log, ev)
}
