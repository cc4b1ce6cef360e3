// Package officer owns the registration officers and their reviews: who
// an officer is (user name, full name, tax code, e-mail, a password and an
// authenticator app, the date of their last training), how they log in to
// the console (password and a current TOTP code, throttled, never locked),
// the queue of requested enrolments (identified, contract accepted), and the rules of a review (ETSI TS
// 119 461 BIN-8.4.4, EN 319 411-1 REG-6.2.2-26 and REG-6.3.1-00D):
//
//   - an officer never reviews their own enrolment (same tax code as the
//     order's details or the chip, or same e-mail as the customer);
//   - an officer trained more than 12 months ago may look, not decide;
//   - an approval of a proofing older than the proofing validity (30 days
//     by default) becomes a request for a new identification;
//   - rejecting and asking for a new identification take a reason;
//   - opening a review records its start, deciding its end, and the
//     answers of the morphological feature checklist.
//
// The order moves through the enrolment state machine (enrol.DecideReview);
// decisions are audited here as well. It is a domain package: no Echo, no
// HTML. The console (package console) and qesctl call it.
package officer

import (
	"context"
	"log/slog"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/ratelimit"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/storage"
)

// Store is what the officers' domain reads and keeps.
type Store interface {
	storage.OfficerStore
	Order(ctx context.Context, number string) (*storage.Order, error)
	ListOrders(ctx context.Context, fn func(*storage.Order) error) error
	Customer(ctx context.Context, id string) (*storage.Customer, error)
	IdentificationsOf(ctx context.Context, orderNumber string) ([]*storage.Identification, error)
}

// Enrol moves the reviewed order (enrol.Service).
type Enrol interface {
	DecideReview(ctx context.Context, number string, d enrol.ReviewDecision) (*storage.Order, error)
}

// MAC keys session tokens (the HSM's MAC key).
type MAC interface {
	Sum(parts ...[]byte) ([]byte, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Store  Store
	Enrol  Enrol
	Sealer hsm.Sealer // seals the TOTP seeds
	MAC    MAC
	Audit  audit.Appender
	Log    *slog.Logger
	Now    func() time.Time
}

// Config holds the rules; zero values take the defaults.
type Config struct {
	Argon secret.Params
	// ProofingValidity is how long after the identification was completed
	// an officer may still approve it (default 30 days, the CPS's
	// enrol.proofingValidity).
	ProofingValidity time.Duration
	// TrainingMonths is how long an officer's training lasts (default 12).
	TrainingMonths int
	// SessionIdle and SessionMax end console sessions (default 15 min, 8 h).
	SessionIdle time.Duration
	SessionMax  time.Duration
	// Failed logins allowed per address (default 20) and per user name
	// from one address (default 5) within ThrottleWindow (default 15 min).
	ThrottleAddress int
	ThrottlePair    int
	ThrottleWindow  time.Duration
	// TOTPIssuer names the service in the authenticator app (default
	// "qes console").
	TOTPIssuer string
}

func (c *Config) defaults() {
	if c.Argon.Time == 0 {
		c.Argon = secret.Default
	}
	if c.ProofingValidity <= 0 {
		c.ProofingValidity = 30 * 24 * time.Hour
	}
	if c.TrainingMonths <= 0 {
		c.TrainingMonths = 12
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = 15 * time.Minute
	}
	if c.SessionMax <= 0 {
		c.SessionMax = 8 * time.Hour
	}
	if c.ThrottleAddress <= 0 {
		c.ThrottleAddress = 20
	}
	if c.ThrottlePair <= 0 {
		c.ThrottlePair = 5
	}
	if c.ThrottleWindow <= 0 {
		c.ThrottleWindow = 15 * time.Minute
	}
	if c.TOTPIssuer == "" {
		c.TOTPIssuer = "qes console"
	}
}

// Service is the officers' domain.
type Service struct {
	store  Store
	enrol  Enrol
	sealer hsm.Sealer
	mac    MAC
	audit  audit.Appender
	log    *slog.Logger
	now    func() time.Time
	cfg    Config
	dummy  string
	byAddr *ratelimit.Window
	byPair *ratelimit.Window
}

// New builds the service.
func New(d Deps, cfg Config) *Service {
	cfg.defaults()
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{store: d.Store, enrol: d.Enrol, sealer: d.Sealer, mac: d.MAC, audit: d.Audit, log: d.Log, now: d.Now,
		cfg: cfg, dummy: secret.Dummy(cfg.Argon),
		byAddr: ratelimit.New(cfg.ThrottleAddress, cfg.ThrottleWindow), byPair: ratelimit.New(cfg.ThrottlePair, cfg.ThrottleWindow)}
}

// Config returns the effective rules.
func (s *Service) Config() Config { return s.cfg }

func (s *Service) recordOrRefuse(ctx context.Context, ev audit.Event) error {
	return audit.Require(ctx, s.audit, s.log, ev)
}

func (s *Service) record(ctx context.Context, ev audit.Event) {
	audit.BestEffort(ctx, s.audit, s.log, ev)
}

// trainingCurrent reports whether o's training still lets them decide at now.
func (s *Service) trainingCurrent(o *storage.Officer, now time.Time) bool {
	return !o.TrainedOn.IsZero() && now.Before(o.TrainedOn.AddDate(0, s.cfg.TrainingMonths, 0))
}
