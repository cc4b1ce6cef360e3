// Package enrol owns how someone becomes a holder, up to identification:
// shop customers (registration, e-mail confirmation, consents, login,
// password reset), orders with their price in integer cents (VAT by
// country, coupons), the payment port and its development provider, the
// applicant's details form, the order number and the future UserID, and
// the state machine an order moves along:
//
//	registered -> ordered -> paid -> details_submitted
//
// Every transition is one storage transaction and an audit event without
// secrets; an illegal one is an errs.Conflict. Later steps (identification,
// request, review, issuance, activation) extend the same machine.
//
// It is a domain package: no Echo, no HTML. The shop pages (package shop)
// and qesctl call it.
package enrol

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/ratelimit"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// State is where an enrolment is.
type State string

// The states of the enrolment. "registered" is the customer's (e-mail
// confirmed); an order starts at "ordered". Identification (the app reads
// the chip, records the selfie video) moves it to "identified"; the
// applicant's certificate request (contract accepted, envelope made) to
// "requested", where a registration officer approves, rejects or asks for a
// new identification. Approval issues the certificate ("issued").
const (
	Registered       State = "registered"
	Ordered          State = "ordered"
	Paid             State = "paid"
	DetailsSubmitted State = "details_submitted"
	Identifying      State = "identifying"
	Identified       State = "identified"
	Approved         State = "approved"
	Rejected         State = "rejected"
	RetryRequired    State = "retry_required"
	// Failed is the end of an enrolment whose identification attempts ran out.
	Failed State = "failed"
	// Enrolment 3/3: the applicant accepts the contract and receives the
	// envelope (requested), the officer approves, the certificate is
	// issued with its key disabled, the holder activates it (active) or
	// the deadline passes (expired: certificate revoked, key destroyed).
	Requested State = "requested"
	Issued    State = "issued"
	Active    State = "active"
	Expired   State = "expired"
)

// StateName is the catalogue's name of a state, for messages: an error
// built with it reads "awaiting payment" in English, "in attesa di
// pagamento" in Italian.
func StateName(s string) msg.ID { return msg.ID(msg.StateNamePrefix + s) }

// illegal is the refusal of from -> to.
func illegal(from, to string) error {
	return errs.M(errs.Conflict, msg.ShopTransition, StateName(from), StateName(to))
}

// OrderStates are the states an order can be in, for pages that name them.
var OrderStates = []State{Ordered, Paid, DetailsSubmitted, Identifying, Identified, Requested, Approved, Rejected, RetryRequired, Failed,
	Issued, Active, Expired}

// next lists the legal transitions.
var next = map[State][]State{
	Registered: {Ordered},
	Ordered:    {Paid},
	Paid:       {DetailsSubmitted},
	// The first identification session starts identifying; failed
	// attempts stay in identifying until the limit.
	DetailsSubmitted: {Identifying},
	Identifying:      {Identified, Failed},
	// The applicant accepts the contract and receives the envelope; only
	// then does the order wait for an officer.
	Identified:    {Requested},
	Requested:     {Approved, Rejected, RetryRequired},
	RetryRequired: {Identifying},
	// Approval issues the certificate (key disabled); the holder
	// activates it before the deadline, or it expires.
	Approved: {Issued},
	Issued:   {Active, Expired},
}

// CanMove reports whether from -> to is a legal transition.
func CanMove(from, to State) bool {
	for _, s := range next[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Store is what enrolment keeps.
type Store interface {
	storage.Enrolment
}

// OTP sends and checks one-time codes (otp.Service).
type OTP interface {
	Send(ctx context.Context, r otp.Request) error
	Verify(ctx context.Context, key, code string) error
}

// MAC keys session tokens and details links (the HSM's MAC key).
type MAC interface {
	Sum(parts ...[]byte) ([]byte, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Store    Store
	OTP      OTP
	Notify   otp.Sender // e-mails that carry no code
	MAC      MAC
	Audit    audit.Appender
	Payments Payments
	Log      *slog.Logger
	Now      func() time.Time
	// The certificate request and issuance (enrolment 3/3); while any is
	// nil those steps answer NotImplemented.
	Contracts Contracts
	Envelopes Envelopes
	Evidence  Evidence
	Issuer    CertificateIssuer
}

// Config holds the shop's rules; zero values take the defaults.
type Config struct {
	Argon secret.Params
	// Product, NetCents, Currency and ValidityYears describe what is
	// sold (default "QES with eDoc ID", 7900 EUR cents, 3 years).
	Product       string
	NetCents      int64
	Currency      string
	ValidityYears int
	// VAT maps a country of residence to its rate in basis points
	// (default IT 2200); a country not in the table pays VATHome's rate.
	VAT     map[string]int
	VATHome string // default "IT"
	// PasswordMaxAge is the password's life (default 180 days, as holders').
	PasswordMaxAge time.Duration
	// SessionIdle and SessionMax end shop sessions (default 30 min, 12 h).
	SessionIdle time.Duration
	SessionMax  time.Duration
	// PublicURL prefixes the links in e-mails.
	PublicURL string
	// ConsentVersion names the consent texts the pages show.
	ConsentVersion string
	// Throttle: failures (logins, codes, reset requests) per address and
	// per e-mail within ThrottleWindow (default 10 per 15 min).
	ThrottleMax    int
	ThrottleWindow time.Duration
	// ActivationDeadline is how long an issued certificate waits for its
	// holder's activation (default 60 days); PassphraseMin the envelope
	// passphrase's minimum length (default 6, the seed's).
	ActivationDeadline time.Duration
	PassphraseMin      int
}

func (c *Config) defaults() {
	if c.Argon.Time == 0 {
		c.Argon = secret.Default
	}
	if c.Product == "" {
		c.Product = "QES with eDoc ID"
	}
	if c.NetCents == 0 {
		c.NetCents = 7900
	}
	if c.Currency == "" {
		c.Currency = "EUR"
	}
	if c.ValidityYears == 0 {
		c.ValidityYears = 3
	}
	if len(c.VAT) == 0 {
		c.VAT = map[string]int{"IT": 2200}
	}
	if c.VATHome == "" {
		c.VATHome = "IT"
	}
	if c.PasswordMaxAge <= 0 {
		c.PasswordMaxAge = 180 * 24 * time.Hour
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.SessionMax <= 0 {
		c.SessionMax = 12 * time.Hour
	}
	if c.ConsentVersion == "" {
		c.ConsentVersion = "2026-01"
	}
	if c.ThrottleMax <= 0 {
		c.ThrottleMax = 10
	}
	if c.ThrottleWindow <= 0 {
		c.ThrottleWindow = 15 * time.Minute
	}
	if c.ActivationDeadline <= 0 {
		c.ActivationDeadline = 60 * 24 * time.Hour
	}
	if c.PassphraseMin <= 0 {
		c.PassphraseMin = 6
	}
}

// Service is the enrolment domain.
type Service struct {
	store    Store
	otp      OTP
	notify   otp.Sender
	mac      MAC
	audit    audit.Appender
	payments Payments
	log      *slog.Logger
	now      func() time.Time
	cfg      Config
	dummy    string
	throttle *ratelimit.Window

	contracts Contracts
	envelopes Envelopes
	evidence  Evidence
	issuer    CertificateIssuer
	issuing   sync.Mutex
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
	return &Service{store: d.Store, otp: d.OTP, notify: d.Notify, mac: d.MAC, audit: d.Audit, payments: d.Payments,
		log: d.Log, now: d.Now, cfg: cfg, dummy: secret.Dummy(cfg.Argon), throttle: ratelimit.New(cfg.ThrottleMax, cfg.ThrottleWindow),
		contracts: d.Contracts, envelopes: d.Envelopes, evidence: d.Evidence, issuer: d.Issuer}
}

// Config returns the effective rules.
func (s *Service) Config() Config { return s.cfg }

// Payments is the payment provider the service uses.
func (s *Service) Payments() Payments { return s.payments }

func (s *Service) recordOrRefuse(ctx context.Context, ev audit.Event) error {
	return audit.Require(ctx, s.audit, s.log, ev)
}

func (s *Service) record(ctx context.Context, ev audit.Event) {
	audit.BestEffort(ctx, s.audit, s.log, ev)
}

// transition moves order number from -> to in one transaction, after an
// audit intent; apply changes the order inside the transaction. It returns
// the order as committed.
func (s *Service) transition(ctx context.Context, number string, to State, detail map[string]string, apply func(*storage.Order) error) (*storage.Order, error) {
	ev := audit.Event{Type: "enrol." + string(to), Detail: map[string]string{"order": number}}
	for k, v := range detail {
		ev.Detail[k] = v
	}
	if err := s.recordOrRefuse(ctx, ev); err != nil {
		return nil, err
	}
	var out *storage.Order
	now := s.now().UTC()
	err := s.store.UpdateOrder(ctx, number, func(o *storage.Order) error {
		from := State(o.State)
		if !CanMove(from, to) {
			return illegal(string(from), string(to))
		}
		if apply != nil {
			if err := apply(o); err != nil {
				return err
			}
		}
		o.State = string(to)
		o.UpdatedAt = now
		o.Transitions = append(o.Transitions, storage.Transition{From: string(from), To: string(to), At: now})
		out = o
		return nil
	})
	if errs.Is(err, errs.NotFound) {
		err = errs.M(errs.NotFound, msg.ShopOrderNotFound)
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
		ev.Detail["error"] = errs.KindOf(err).String()
	}
	ev.Outcome = outcome
	s.record(ctx, ev)
	if err != nil {
		return nil, err
	}
	return out, nil
}
