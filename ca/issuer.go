package ca

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"io"
	"log/slog"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// DefaultBackdate is how far notBefore is set before the issuance time. A
// certificate is used for signing seconds after it is issued (remote signing
// enrols and signs in one session); a relying party whose clock runs a little
// behind would otherwise see a "not yet valid" certificate. One minute covers
// ordinary NTP drift without misrepresenting when the identity was verified.
const DefaultBackdate = time.Minute

// IssuerConfig describes one CA certificate and key that sign, and the
// locations that go into what it issues.
type IssuerConfig struct {
	// Certificate is the CA certificate; its public key must match Signer.
	Certificate *x509.Certificate
	// Signer is the CA private key (an HSM key in production). Its Sign
	// receives crypto/rand but HSM signers may ignore it.
	Signer crypto.Signer

	// CAIssuersURL is where this CA's certificate can be fetched (AIA
	// caIssuers); required.
	CAIssuersURL string
	// OCSPURL is this CA's OCSP responder (AIA ocsp); required for end-entity
	// profiles, optional on a root issuing subordinate CAs.
	OCSPURL string
	// CRLURL is where this CA's CRL is published (CRL distribution point);
	// required.
	CRLURL string

	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Backdate is subtracted from the issuance time for notBefore; zero
	// means DefaultBackdate, a negative value means no backdating.
	Backdate time.Duration
	// SerialInUse optionally checks serial uniqueness before signing.
	SerialInUse SerialInUse
	// BeforeSign, if set, is called after linting passed and before the CA
	// key signs, with the lint certificate: the same TBS (serial, subject,
	// validity, extensions) as the certificate about to be signed, but
	// signed by the throwaway key. Record it there (serial with a unique
	// constraint, audit "intent"): a crash after the HSM signs must not leave
	// a certificate the TSP does not know about and so cannot revoke. owner
	// is the request's. An error stops the issuance unsigned and is
	// returned as is.
	BeforeSign func(ctx context.Context, linted *x509.Certificate, owner Owner) error
	// SkipLints names zlint lints not to run (each skip needs a documented
	// reason: a false positive for signing certificates).
	SkipLints []string
	// Logger receives lint warnings (which do not block issuance); nil
	// discards them.
	Logger *slog.Logger
}

// Issuer signs certificates and CRLs for one CA after linting them.
type Issuer struct {
	cert     *x509.Certificate
	signer   crypto.Signer
	sigAlg   x509.SignatureAlgorithm
	urls     issuerURLs
	clock    func() time.Time
	backdate time.Duration
	inUse    SerialInUse
	before   func(context.Context, *x509.Certificate, Owner) error
	linter   *linter
	log      *slog.Logger
}

type issuerURLs struct {
	caIssuers string
	ocsp      string
	crl       string
}

// NewIssuer validates the configuration and prepares the lint key and lint
// issuer (for an RSA CA this generates an RSA key: do it once at start-up).
func NewIssuer(cfg IssuerConfig) (*Issuer, error) {
	if cfg.Certificate == nil || cfg.Signer == nil {
		return nil, errs.M(errs.InvalidRequest, msg.CAIssuerIncomplete)
	}
	c := cfg.Certificate
	if !c.BasicConstraintsValid || !c.IsCA || c.KeyUsage&x509.KeyUsageCertSign == 0 || c.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.CAIssuerNotCA)
	}
	if len(c.SubjectKeyId) == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.CAIssuerNoSKI)
	}
	if !samePublicKey(cfg.Signer.Public(), c.PublicKey) {
		return nil, errs.M(errs.InvalidRequest, msg.CAIssuerSignerMismatch)
	}
	sigAlg, err := signatureAlgorithmFor(c.PublicKey)
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.CAIssuerKey)
	}
	if err := validateHTTPURL("caIssuers URL", cfg.CAIssuersURL); err != nil {
		return nil, err
	}
	if err := validateHTTPURL("CRL URL", cfg.CRLURL); err != nil {
		return nil, err
	}
	if cfg.OCSPURL != "" {
		if err := validateHTTPURL("OCSP URL", cfg.OCSPURL); err != nil {
			return nil, err
		}
	}
	l, err := newLinter(c, cfg.SkipLints)
	if err != nil {
		return nil, err
	}
	iss := &Issuer{
		cert:     c,
		signer:   cfg.Signer,
		sigAlg:   sigAlg,
		urls:     issuerURLs{caIssuers: cfg.CAIssuersURL, ocsp: cfg.OCSPURL, crl: cfg.CRLURL},
		clock:    cfg.Clock,
		backdate: cfg.Backdate,
		inUse:    cfg.SerialInUse,
		before:   cfg.BeforeSign,
		linter:   l,
		log:      cfg.Logger,
	}
	if iss.clock == nil {
		iss.clock = time.Now
	}
	switch {
	case iss.backdate == 0:
		iss.backdate = DefaultBackdate
	case iss.backdate < 0:
		iss.backdate = 0
	}
	if iss.log == nil {
		iss.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return iss, nil
}

// Certificate returns the CA certificate this issuer signs with.
func (i *Issuer) Certificate() *x509.Certificate { return i.cert }

// validityFrom returns notBefore and the issuance instant for a certificate
// issued now, and refuses when the CA itself is not valid.
func (i *Issuer) validityFrom() (notBefore, now time.Time, err error) {
	now = i.clock().UTC().Truncate(time.Second)
	if now.Before(i.cert.NotBefore) || now.After(i.cert.NotAfter) {
		return time.Time{}, time.Time{}, errs.M(errs.Conflict, msg.CAIssuerNotValidNow)
	}
	notBefore = now.Add(-i.backdate)
	if notBefore.Before(i.cert.NotBefore) {
		notBefore = i.cert.NotBefore
	}
	return notBefore, now, nil
}

// checkNotAfter refuses certificates that would outlive the CA: a relying
// party could not build a valid path for the tail of their validity.
func (i *Issuer) checkNotAfter(notAfter time.Time) error {
	if notAfter.After(i.cert.NotAfter) {
		return errs.M(errs.Conflict, msg.CACertificateOutlivesIssuer,
			i.cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

// issue lints tmpl for pub and, if clean, signs it with the CA key. The
// template must be complete except for serial and signature algorithm.
func (i *Issuer) issue(ctx context.Context, owner Owner, tmpl *x509.Certificate, pub crypto.PublicKey, checks []certCheck) (*x509.Certificate, error) {
	if err := ctx.Err(); err != nil {
		return nil, errs.Internalf(err, "issue certificate")
	}
	if err := i.checkNotAfter(tmpl.NotAfter); err != nil {
		return nil, err
	}
	if samePublicKey(pub, i.cert.PublicKey) {
		return nil, errs.M(errs.InvalidRequest, msg.CASubjectKeyIsCAKey)
	}
	serial, err := uniqueSerial(ctx, i.inUse)
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.SignatureAlgorithm = i.sigAlg

	lintCert, report, err := i.linter.lintCertificate(tmpl, pub, checks)
	if err != nil {
		return nil, err
	}
	i.logWarnings(report, serial.Text(16))
	if err := report.err(); err != nil {
		return nil, err
	}
	if i.before != nil {
		if err := i.before(ctx, lintCert, owner); err != nil {
			return nil, err
		}
	}

	der, err := x509.CreateCertificate(rand.Reader, tmpl, i.cert, pub, i.signer)
	if err != nil {
		return nil, errs.Internalf(err, "sign certificate")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, errs.Internalf(err, "parse signed certificate")
	}
	// What was linted must be exactly what was signed.
	if !bytes.Equal(cert.RawTBSCertificate, lintCert.RawTBSCertificate) {
		return nil, errs.Ef(errs.Internal, "signed TBS certificate differs from the linted one (serial %x)", serial)
	}
	if err := cert.CheckSignatureFrom(i.cert); err != nil {
		return nil, errs.Internalf(err, "verify new certificate against the CA")
	}
	return cert, nil
}

func (i *Issuer) logWarnings(r lintReport, object string) {
	for _, w := range r.warnings {
		i.log.Warn("pre-issuance lint warning", "object", object, "lint", w.Name, "details", w.Details)
	}
}
