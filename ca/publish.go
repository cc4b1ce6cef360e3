package ca

import (
	"context"
	"crypto/x509"
	"log/slog"
	"math/big"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// The CRLs a qes CA publishes, by name (also their storage keys).
const (
	CRLIssuing = "issuing" // the issuing CA's CRL: holders' and service certificates
	CRLRoot    = "root"    // the root's CRL: subordinate CA certificates
)

// DefaultCRLRefresh is the age at which a CRL is re-issued even when
// nothing changed, so relying parties never hold one close to nextUpdate.
const DefaultCRLRefresh = 24 * time.Hour

// PublishedCRL is a signed CRL as served.
type PublishedCRL struct {
	DER        []byte
	Number     *big.Int
	ThisUpdate time.Time
	NextUpdate time.Time
}

// CRLPublisherConfig wires a CRLPublisher.
type CRLPublisherConfig struct {
	Store interface {
		storage.Certificates
		storage.CRLs
	}
	Issuing   *Issuer // signs CRLIssuing from the register
	Root      *Issuer // signs CRLRoot (no entries: the register holds end-entity certificates only)
	Lifecycle Lifecycle
	// Refresh is how old a CRL may get before Refresh re-issues it;
	// zero means DefaultCRLRefresh.
	Refresh time.Duration
	Now     func() time.Time
	Log     *slog.Logger
}

// CRLPublisher issues the CRLs from the register, keeps the newest of each
// in storage (so a restart serves the same CRL) and in memory (so serving
// costs nothing).
type CRLPublisher struct {
	cfg     CRLPublisherConfig
	mu      sync.Mutex // one issuance at a time: numbers and stored CRLs stay in order
	current map[string]*atomic.Pointer[PublishedCRL]
	dirty   atomic.Bool // a publication failed; the next Refresh retries
}

// NewCRLPublisher checks the configuration; call Load before serving.
func NewCRLPublisher(cfg CRLPublisherConfig) (*CRLPublisher, error) {
	if cfg.Store == nil || cfg.Issuing == nil || cfg.Root == nil {
		return nil, errs.M(errs.InvalidRequest, msg.CACRLPublisherIncomplete)
	}
	if cfg.Refresh <= 0 {
		cfg.Refresh = DefaultCRLRefresh
	}
	if cfg.Refresh >= DefaultCRLValidity {
		return nil, errs.M(errs.InvalidRequest, msg.CACRLRefreshTooLong, cfg.Refresh, DefaultCRLValidity)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	p := &CRLPublisher{cfg: cfg, current: map[string]*atomic.Pointer[PublishedCRL]{}}
	for _, name := range []string{CRLIssuing, CRLRoot} {
		p.current[name] = new(atomic.Pointer[PublishedCRL])
	}
	return p, nil
}

// Current is the newest CRL of name (CRLIssuing or CRLRoot); nil before
// Load or for an unknown name.
func (p *CRLPublisher) Current(name string) *PublishedCRL {
	if c, ok := p.current[name]; ok {
		return c.Load()
	}
	return nil
}

// Load reads the stored CRLs and issues those missing, stale or not signed
// by the configured CA (a new key ceremony).
func (p *CRLPublisher) Load(ctx context.Context) error {
	for _, name := range []string{CRLIssuing, CRLRoot} {
		der, err := p.cfg.Store.CRL(ctx, name)
		switch {
		case errs.Is(err, errs.NotFound):
		case err != nil:
			return err
		default:
			if pub, perr := p.parse(name, der); perr == nil {
				p.current[name].Store(pub)
			} else {
				p.cfg.Log.WarnContext(ctx, "stored CRL is unusable; issuing a new one", "crl", name, "err", perr)
			}
		}
	}
	return p.Refresh(ctx)
}

// Reload takes the stored CRLs another node published when they are newer
// (a higher CRL number) than what this node serves; it issues nothing.
func (p *CRLPublisher) Reload(ctx context.Context) error {
	for _, name := range []string{CRLIssuing, CRLRoot} {
		der, err := p.cfg.Store.CRL(ctx, name)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		cur := p.current[name].Load()
		pub, err := p.parse(name, der)
		if err != nil {
			return err
		}
		if cur == nil || pub.Number.Cmp(cur.Number) > 0 {
			p.current[name].CompareAndSwap(cur, pub)
		}
	}
	return nil
}

func (p *CRLPublisher) parse(name string, der []byte) (*PublishedCRL, error) {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, errs.Internalf(err, "parse stored CRL %s", name)
	}
	if err := crl.CheckSignatureFrom(p.issuer(name).Certificate()); err != nil {
		return nil, errs.Internalf(err, "stored CRL %s is not the CA's", name)
	}
	return &PublishedCRL{DER: der, Number: crl.Number, ThisUpdate: crl.ThisUpdate, NextUpdate: crl.NextUpdate}, nil
}

func (p *CRLPublisher) issuer(name string) *Issuer {
	if name == CRLRoot {
		return p.cfg.Root
	}
	return p.cfg.Issuing
}

// Refresh re-issues every CRL that is missing, older than the refresh
// period, or whose last publication failed.
func (p *CRLPublisher) Refresh(ctx context.Context) error {
	retry := p.dirty.Swap(false)
	now := p.cfg.Now()
	for _, name := range []string{CRLIssuing, CRLRoot} {
		cur := p.Current(name)
		if cur != nil && !retry && now.Before(cur.ThisUpdate.Add(p.cfg.Refresh)) {
			continue
		}
		if err := p.Publish(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// Publish issues a new CRL of name from the register now. On failure the
// previous CRL stays served and the next Refresh retries.
func (p *CRLPublisher) Publish(ctx context.Context, name string) error {
	if _, ok := p.current[name]; !ok {
		return errs.M(errs.InvalidRequest, msg.CANoCRLNamed, name)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pub, err := p.issue(ctx, name)
	if err != nil {
		p.dirty.Store(true)
		return err
	}
	p.current[name].Store(pub)
	return nil
}

func (p *CRLPublisher) issue(ctx context.Context, name string) (*PublishedCRL, error) {
	thisUpdate := p.cfg.Now().UTC().Truncate(time.Second)
	var entries []CRLEntry
	if name == CRLIssuing {
		var err error
		if entries, err = p.entries(ctx, thisUpdate); err != nil {
			return nil, err
		}
	}
	n, err := p.cfg.Store.NextCRLNumber(ctx)
	if err != nil {
		return nil, err
	}
	der, err := p.issuer(name).CreateCRL(ctx, CRLRequest{
		Number: new(big.Int).SetUint64(n), ThisUpdate: thisUpdate, Entries: entries,
	})
	if err != nil {
		return nil, err
	}
	if err := p.cfg.Store.PutCRL(ctx, name, der); err != nil {
		return nil, err
	}
	return p.parse(name, der)
}

// entries lists every suspended or revoked certificate, time applied.
// Revoked certificates stay listed after they expire: a qualified
// signature is validated long after, and its certificate's revocation
// must remain visible (ETSI EN 319 411-1, CSS-6.3.10).
func (p *CRLPublisher) entries(ctx context.Context, thisUpdate time.Time) ([]CRLEntry, error) {
	var out []CRLEntry
	add := func(rec *storage.Certificate) error {
		st := p.cfg.Lifecycle.Tick(status(rec), thisUpdate)
		serial, ok := new(big.Int).SetString(rec.Serial, 16)
		if !ok {
			return errs.Ef(errs.Internal, "register key %q is not a hex serial", rec.Serial)
		}
		e, listed := st.CRLEntry(serial)
		if !listed {
			return nil
		}
		// CRL times are whole seconds; a change within the current second
		// must not look later than thisUpdate.
		e.RevokedAt = e.RevokedAt.UTC().Truncate(time.Second)
		out = append(out, e)
		return nil
	}
	// Only a stored suspension or revocation lists a certificate (time
	// turns an active one expired, never revoked): the status index hands
	// out just those instead of the whole register.
	for _, st := range []storage.CertStatus{storage.CertSuspended, storage.CertRevoked} {
		if err := p.cfg.Store.CertificatesWithStatus(ctx, st, time.Time{}, add); err != nil {
			return nil, err
		}
	}
	// Serial order: a CRL's entries keep their places between issues.
	slices.SortFunc(out, func(a, b CRLEntry) int { return a.Serial.Cmp(b.Serial) })
	return out, nil
}
