package history

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// Store is the part of the store the report and the summaries read.
type Store interface {
	SignatureBatches(ctx context.Context, holderID string, from, to time.Time, fn func(*storage.SignatureBatch) error) error
	UpdateHolder(ctx context.Context, id string, fn func(*storage.Holder) error) error
	HoldersDueDailyReport(ctx context.Context, day string) ([]*storage.Holder, error)
}

// Credentials tells whether a credential is the holder's (the signature
// activation module's rule): a report filtered on someone else's
// credential is refused as if it did not exist.
type Credentials interface {
	CheckOwner(ctx context.Context, holderID, credentialID string) error
}

// Auditor records settings changes (audit.Log).
type Auditor interface {
	Append(ctx context.Context, ev audit.Event) (uint64, error)
}

// Config tunes the reports; zero values take the defaults.
type Config struct {
	// ReportRows bounds the rows one report returns (default 500); the
	// totals always cover the whole range.
	ReportRows int
}

func (c *Config) defaults() {
	if c.ReportRows <= 0 {
		c.ReportRows = 500
	}
}

// Deps are the history's collaborators. Notify may be nil (no summaries
// are delivered); Now defaults to time.Now, Log to slog.Default.
type Deps struct {
	Store       Store
	Credentials Credentials
	Audit       Auditor
	Notify      otp.Sender
	Log         *slog.Logger
	Now         func() time.Time
}

// Service reads the signing history for the holder: the report, the
// daily summary and the footprint.
type Service struct {
	store  Store
	creds  Credentials
	audit  Auditor
	notify otp.Sender
	log    *slog.Logger
	now    func() time.Time
	cfg    Config

	reportMu  sync.Mutex
	reportDay string // the last day SendDailyReports finished for
}

// New wires the history's reports.
func New(d Deps, cfg Config) *Service {
	cfg.defaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{store: d.Store, creds: d.Credentials, audit: d.Audit, notify: d.Notify, log: d.Log, now: d.Now, cfg: cfg}
}

// Config returns the effective settings.
func (s *Service) Config() Config { return s.cfg }

// record writes an audit event; failures are logged, never silent.
func (s *Service) record(ctx context.Context, ev audit.Event) {
	audit.BestEffort(ctx, s.audit, s.log, ev)
}
