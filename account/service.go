package account

import (
	"context"
	"log/slog"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// SAM is what account self-service needs of the signature activation
// module: the ownership rule, the holder's usual OTP (authenticator app or
// SMS, as at signing) and the PIN change, which only the module may make.
type SAM interface {
	// Owned returns the holder's credential, or NotFound for a credential
	// that does not exist or is someone else's.
	Owned(ctx context.Context, holderID, credentialID string) (*storage.Credential, error)
	VerifyHolderOTP(ctx context.Context, holderID, smsKey, code string) error
	ChangePIN(ctx context.Context, holderID, credentialID, current, next string) error
}

// Sealer encrypts the authenticator seeds (hsm.Sealer).
type Sealer interface {
	Seal(plaintext, ad []byte) ([]byte, error)
	Open(sealed, ad []byte) ([]byte, error)
}

// Tokens issues bearer tokens at CSC auth/login (authn.Service).
type Tokens interface {
	IssueAccess(ctx context.Context, holderID, scope, clientID, grant string, ttl time.Duration, data []byte) (string, error)
	IssueRefresh(ctx context.Context, holderID, clientID, grant string) (string, error)
	RefreshKey(token string) (string, error)
}

// Auditor records what happened (audit.Log).
type Auditor interface {
	Append(ctx context.Context, ev audit.Event) (uint64, error)
}

// Config holds the account rules; zero values take the defaults.
type Config struct {
	Argon            secret.Params
	AccessTokenTTL   time.Duration // default 1 hour
	MaxLoginFailures int           // default 5
	LoginLockout     time.Duration // default 15 minutes
	MaxOTPFailures   int           // default 5: wrong account codes in a row
	OTPLockout       time.Duration // default 15 minutes
	PasswordMaxAge   time.Duration // default 180 days
	TOTPIssuer       string        // default "qes"
	// Throttle slows password guessing per address, per (user ID,
	// address) and per account (throttle.go); MaxLoginFailures and
	// LoginLockout now apply to wrong two-factor login codes only, which
	// only someone who knows the password can send.
	Throttle ThrottleConfig
	// Recovery are the numbers of the password reset and the user ID
	// reminder (recovery.go).
	Recovery RecoveryConfig
}

func (c *Config) defaults() {
	if c.Argon.Time == 0 {
		c.Argon = secret.Default
	}
	if c.AccessTokenTTL <= 0 {
		c.AccessTokenTTL = time.Hour
	}
	if c.MaxLoginFailures <= 0 {
		c.MaxLoginFailures = 5
	}
	if c.LoginLockout <= 0 {
		c.LoginLockout = 15 * time.Minute
	}
	if c.MaxOTPFailures <= 0 {
		c.MaxOTPFailures = 5
	}
	if c.OTPLockout <= 0 {
		c.OTPLockout = 15 * time.Minute
	}
	if c.PasswordMaxAge <= 0 {
		c.PasswordMaxAge = 180 * 24 * time.Hour
	}
	if c.TOTPIssuer == "" {
		c.TOTPIssuer = "qes"
	}
	c.Throttle.defaults()
	c.Recovery.defaults()
}

// Deps are the accounts' collaborators.
type Deps struct {
	Store  storage.Store
	SAM    SAM
	Sealer Sealer
	Tokens Tokens
	OTP    *otp.Service
	Audit  Auditor
	// Notify delivers change notices to the holder (the dev outbox or a
	// mail relay); nil sends none.
	Notify otp.Sender
	Log    *slog.Logger
	Now    func() time.Time
}

// Service is the holders' accounts: creation, password and lockout,
// CSC auth/login, the authenticator apps (signing and two-factor login),
// recovery contacts, OTP channel settings and the self-service the web
// portal offers. Web sessions are the portal package's; the credentials
// and their PINs are the SAM's, reached only through SAM.
type Service struct {
	store  storage.Store
	sam    SAM
	sealer Sealer
	tokens Tokens
	otp    *otp.Service
	audit  Auditor
	notify otp.Sender
	log    *slog.Logger
	now    func() time.Time
	cfg    Config
	// dummyHash keeps login time flat for unknown user IDs.
	dummyHash string
	throttle  *throttle
	recovery  *recovery
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
		store: d.Store, sam: d.SAM, sealer: d.Sealer, tokens: d.Tokens, otp: d.OTP, audit: d.Audit, notify: d.Notify,
		log: d.Log, now: d.Now, cfg: cfg, dummyHash: secret.Dummy(cfg.Argon),
		throttle: newThrottle(cfg.Throttle), recovery: newRecovery(cfg.Recovery, cfg.Throttle, cfg.Argon),
	}
}

// Config returns the effective rules.
func (s *Service) Config() Config { return s.cfg }

// recordOrRefuse writes an audit event that must exist before what it
// records happens (EN 319 401, TS 119 431-1: authentications, codes
// sent): when the log cannot take it, the action is refused.
func (s *Service) recordOrRefuse(ctx context.Context, ev audit.Event) error {
	return audit.Require(ctx, s.audit, s.log, ev)
}

// record writes an audit event whose failure the caller may tolerate;
// failures are logged, never silent.
func (s *Service) record(ctx context.Context, ev audit.Event) {
	audit.BestEffort(ctx, s.audit, s.log, ev)
}
