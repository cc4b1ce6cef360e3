// Package trust is qes's CSCA trust store for identity proofing: the
// Country Signing CAs whose documents qes accepts, and their CRLs. Trust
// comes only from what an operator imports here — a master list verified
// against an anchor the operator chose, a certificate, a CRL — never from
// what a chip presents. The store is what emrtd.Verify reads (View).
package trust

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/emrtd/pki"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// Deps are what the service uses.
type Deps struct {
	Store storage.TrustAnchors
	Audit audit.Appender
	Log   *slog.Logger
	Now   func() time.Time
}

// Service imports and lists trust anchors.
type Service struct {
	store storage.TrustAnchors
	audit audit.Appender
	log   *slog.Logger
	now   func() time.Time
}

// New builds the service.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{store: d.Store, audit: d.Audit, log: d.Log, now: d.Now}
}

// Imported counts what an import did.
type Imported struct {
	// Added and Known count certificates new to the store and already in it,
	// by country.
	Added map[string]int `json:"added"`
	Known map[string]int `json:"known"`
	// Skipped counts master-list entries that do not parse or name no
	// country, and OutsideAllowList those of countries not asked for.
	Skipped          int    `json:"skipped"`
	OutsideAllowList int    `json:"outsideAllowList"`
	Signer           string `json:"signer,omitempty"`
	SHA256           string `json:"sha256"`
}

// ImportMasterList verifies a CSCA master list (ICAO Doc 9303 part 12)
// against anchor, the certificate of the CSCA that signs the list's signer,
// and imports its CSCAs: all, or only those of the countries listed.
func (s *Service) ImportMasterList(ctx context.Context, ml, anchorDER []byte, countries []string) (*Imported, error) {
	allow, err := countrySet(countries)
	if err != nil {
		return nil, err
	}
	anchor, err := pki.ParseCertificate(anchorDER)
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.TrustAnchor, err.Error())
	}
	list, err := pki.VerifyMasterList(ml, []*pki.Certificate{anchor}, s.now())
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.TrustMasterList, err.Error())
	}
	sum := sha256.Sum256(ml)
	out := &Imported{Added: map[string]int{}, Known: map[string]int{}, Skipped: list.Skipped,
		Signer: list.Signer.Subject.String(), SHA256: hex.EncodeToString(sum[:])}
	source := fmt.Sprintf("masterlist %s signed by %s", out.SHA256, out.Signer)
	for _, c := range list.Certificates {
		country := c.Country()
		switch {
		case country == "":
			out.Skipped++
			continue
		case allow != nil && !allow[country]:
			out.OutsideAllowList++
			continue
		}
		added, err := s.store.PutCSCA(ctx, record(c, country, source, s.now()))
		if err != nil {
			return nil, err
		}
		if added {
			out.Added[country]++
		} else {
			out.Known[country]++
		}
	}
	if err := audit.Require(ctx, s.audit, s.log, audit.Event{Type: "trust.masterlist.import", Outcome: "ok",
		Detail: map[string]string{"sha256": out.SHA256, "signer": out.Signer, "added": fmt.Sprint(total(out.Added))}}); err != nil {
		return nil, err
	}
	return out, nil
}

// ImportCertificate adds one CSCA certificate: self-signed, or a link
// certificate signed by a CSCA of the same country already in the store
// (Italy publishes its CSCAs and links one by one).
func (s *Service) ImportCertificate(ctx context.Context, der []byte) (*Imported, error) {
	c, err := pki.ParseCertificate(der)
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.TrustCertificate, err.Error())
	}
	country := c.Country()
	if country == "" {
		return nil, errs.M(errs.InvalidRequest, msg.TrustNoCountry)
	}
	// A CSCA signs certificates: cA=true, or keyCertSign on a link
	// certificate with cA=false. A Document Signer is neither.
	if !c.IsCA && c.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.TrustNotCSCA)
	}
	if c.CheckSignatureFrom(c) != nil {
		known, err := s.certificates(ctx, country)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(known, func(p *pki.Certificate) bool { return c.CheckSignatureFrom(p) == nil }) {
			return nil, errs.M(errs.InvalidRequest, msg.TrustNotCSCA)
		}
	}
	out := &Imported{Added: map[string]int{}, Known: map[string]int{}, SHA256: fingerprint(der)}
	added, err := s.store.PutCSCA(ctx, record(c, country, "certificate", s.now()))
	if err != nil {
		return nil, err
	}
	if added {
		out.Added[country] = 1
	} else {
		out.Known[country] = 1
	}
	if err := audit.Require(ctx, s.audit, s.log, audit.Event{Type: "trust.csca.import", Outcome: "ok",
		Detail: map[string]string{"sha256": out.SHA256, "country": country, "added": fmt.Sprint(added)}}); err != nil {
		return nil, err
	}
	return out, nil
}

// ImportCRL keeps a CSCA's CRL after checking it was signed by a CSCA in
// the store. Freshness is not checked here: a stale CRL is kept (it is
// still evidence) and refused at verification time.
func (s *Service) ImportCRL(ctx context.Context, der []byte) (*storage.CSCACRL, error) {
	crl, err := pki.ParseCRL(der)
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.TrustCRL, err.Error())
	}
	all, err := s.certificates(ctx, "")
	if err != nil {
		return nil, err
	}
	// The issuer is named by the CRL and proven by its key: a CSCA with the
	// same key under another name (a key reused across a rename) is not it.
	i := slices.IndexFunc(all, func(c *pki.Certificate) bool { return crl.IssuedBy(c) && crl.CheckSignatureFrom(c) == nil })
	if i < 0 {
		return nil, errs.M(errs.InvalidRequest, msg.TrustCRLIssuerUnknown)
	}
	issuer := all[i]
	issuerKey := sha256.Sum256(issuer.RawSubject)
	rec := &storage.CSCACRL{Country: issuer.Country(), Issuer: issuer.Subject.String(),
		IssuerKey: hex.EncodeToString(issuerKey[:]), ThisUpdate: crl.ThisUpdate, NextUpdate: crl.NextUpdate,
		Revoked: crl.RevokedCount(), SHA256: fingerprint(der), DER: der, ImportedAt: s.now()}
	if crl.Number != nil {
		rec.Number = crl.Number.String()
	}
	if err := s.store.PutCSCACRL(ctx, rec); err != nil {
		return nil, err
	}
	if err := audit.Require(ctx, s.audit, s.log, audit.Event{Type: "trust.crl.import", Outcome: "ok",
		Detail: map[string]string{"sha256": rec.SHA256, "country": rec.Country, "thisUpdate": rec.ThisUpdate.UTC().Format(time.RFC3339)}}); err != nil {
		return nil, err
	}
	return rec, nil
}

// Listing is what `qesctl csca list` shows.
type Listing struct {
	CSCAs []*storage.CSCA    `json:"cscas"`
	CRLs  []*storage.CSCACRL `json:"crls"`
}

// List returns the CSCAs and CRLs of a country, or of all when country
// is "", without their DER.
func (s *Service) List(ctx context.Context, country string) (*Listing, error) {
	if country != "" {
		set, err := countrySet([]string{country})
		if err != nil {
			return nil, err
		}
		for c := range set {
			country = c
		}
	}
	cs, err := s.store.CSCAs(ctx, country)
	if err != nil {
		return nil, err
	}
	crls, err := s.store.CSCACRLs(ctx, country)
	if err != nil {
		return nil, err
	}
	out := &Listing{CSCAs: []*storage.CSCA{}, CRLs: []*storage.CSCACRL{}}
	for _, c := range cs {
		c.DER = nil
		out.CSCAs = append(out.CSCAs, c)
	}
	for _, c := range crls {
		c.DER = nil
		out.CRLs = append(out.CRLs, c)
	}
	return out, nil
}

// certificates parses the stored CSCAs of a country ("" for all).
func (s *Service) certificates(ctx context.Context, country string) ([]*pki.Certificate, error) {
	recs, err := s.store.CSCAs(ctx, country)
	if err != nil {
		return nil, err
	}
	out := make([]*pki.Certificate, 0, len(recs))
	for _, r := range recs {
		c, err := pki.ParseCertificate(r.DER)
		if err != nil {
			return nil, errs.Internalf(err, "stored CSCA %s no longer parses", r.SHA256)
		}
		out = append(out, c)
	}
	return out, nil
}

func record(c *pki.Certificate, country, source string, now time.Time) *storage.CSCA {
	return &storage.CSCA{SHA256: fingerprint(c.Raw), Country: country, Subject: c.Subject.String(),
		Serial: c.SerialNumber.Text(16), KeyID: hex.EncodeToString(c.SubjectKeyID), NotBefore: c.NotBefore,
		NotAfter: c.NotAfter, DER: c.Raw, Source: source, ImportedAt: now}
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// countrySet reads an allow-list of ISO 3166-1 alpha-2 codes; nil means all.
func countrySet(countries []string) (map[string]bool, error) {
	if len(countries) == 0 {
		return nil, nil
	}
	set := map[string]bool{}
	for _, c := range countries {
		c = strings.ToUpper(strings.TrimSpace(c))
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return nil, errs.M(errs.InvalidRequest, msg.TrustCountry, c)
		}
		set[c] = true
	}
	return set, nil
}

// View is the trust store as emrtd.Verify reads it.
type View struct{ Store storage.TrustAnchors }

// CSCAs returns the DER of the country's CSCAs.
func (v View) CSCAs(ctx context.Context, country string) ([][]byte, error) {
	recs, err := v.Store.CSCAs(ctx, country)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(recs))
	for i, r := range recs {
		out[i] = r.DER
	}
	return out, nil
}

// CRLs returns the DER of the country's CSCA CRLs.
func (v View) CRLs(ctx context.Context, country string) ([][]byte, error) {
	recs, err := v.Store.CSCACRLs(ctx, country)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(recs))
	for i, r := range recs {
		out[i] = r.DER
	}
	return out, nil
}
