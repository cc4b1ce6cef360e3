package ca

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log/slog"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/storage"
)

// Authorities are the service's own keys (all in the HSM) and certificates.
type Authorities struct {
	Root         *x509.Certificate
	RootIssuer   *Issuer
	Issuing      *Issuer
	IssuingChain []*x509.Certificate // issuing CA, root
	OCSPCert     *x509.Certificate
	OCSPKey      crypto.Signer
	TSACert      *x509.Certificate
	TSAKey       crypto.Signer
	TokenKey     crypto.Signer
}

// AuthorityKeys generates and finds the authorities' keys (the HSM).
type AuthorityKeys interface {
	GenerateEC(ctx context.Context, curve elliptic.Curve, label string) (ref string, err error)
	Signer(ctx context.Context, ref string) (crypto.Signer, error)
	Destroy(ctx context.Context, ref string) error
}

// AuthoritiesConfig is what the hierarchy is built from.
type AuthoritiesConfig struct {
	Keys AuthorityKeys
	// Store keeps the authorities and, through the issuing CA's
	// BeforeSign, the register of the certificates it issues.
	Store interface {
		storage.Authorities
		storage.Certificates
	}
	PublicURL    string // the URLs put into certificates are below it
	Country      string
	Organization string
	OrgID        string // organizationIdentifier (ETSI EN 319 412-1)
	Now          func() time.Time
	Log          *slog.Logger
}

// URLs the CA puts into certificates, below publicURL; qesd serves them.
func authorityURLs(public string) (rootCRT, issuingCRT, rootCRL, issuingCRL, ocsp string) {
	return public + "/ca/root.crt", public + "/ca/issuing.crt", public + "/crl/root.crl", public + "/crl/issuing.crl", public + "/ocsp"
}

// EnsureAuthorities loads the service keys and certificates, creating the
// missing ones: a key ceremony in miniature for the embedded default. The
// root (P-384, 20 years) certifies the issuing CA (P-384, 10 years, end
// entities only), which certifies the delegated OCSP responder and the
// time-stamping unit (P-256); access tokens are signed by a P-256 key with
// no certificate.
func EnsureAuthorities(ctx context.Context, cfg AuthoritiesConfig) (*Authorities, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	rootCRT, issuingCRT, rootCRL, issuingCRL, ocspURL := authorityURLs(cfg.PublicURL)
	subject := func(cn string) pkix.Name {
		return pkix.Name{
			Country: []string{cfg.Country}, Organization: []string{cfg.Organization}, CommonName: cn,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oids.AttrOrganizationIdentifier, Value: cfg.OrgID}},
		}
	}
	now := cfg.Now().UTC().Truncate(time.Second)
	out := &Authorities{}

	rootKey, rootCerts, err := cfg.ensure(ctx, "root", elliptic.P384(), func(signer crypto.Signer) ([]*x509.Certificate, error) {
		c, err := CreateRoot(ctx, signer, CARequest{Subject: subject(cfg.Organization + " Qualified Root CA"),
			NotBefore: now.Add(-time.Minute), NotAfter: now.AddDate(20, 0, 0), MaxPathLen: 1})
		return []*x509.Certificate{c}, err
	})
	if err != nil {
		return nil, fmt.Errorf("root CA: %w", err)
	}
	out.Root = rootCerts[0]
	if out.RootIssuer, err = NewIssuer(IssuerConfig{Certificate: out.Root, Signer: rootKey,
		CAIssuersURL: rootCRT, CRLURL: rootCRL, Clock: cfg.Now, Logger: cfg.Log}); err != nil {
		return nil, fmt.Errorf("root issuer: %w", err)
	}

	issKey, issCerts, err := cfg.ensure(ctx, "issuing", elliptic.P384(), func(signer crypto.Signer) ([]*x509.Certificate, error) {
		c, err := out.RootIssuer.IssueSubordinateCA(ctx, signer.Public(), CARequest{
			Subject:   subject(cfg.Organization + " Qualified Issuing CA"),
			NotBefore: now, NotAfter: now.AddDate(10, 0, 0), MaxPathLen: 0,
		})
		return []*x509.Certificate{c, out.Root}, err
	})
	if err != nil {
		return nil, fmt.Errorf("issuing CA: %w", err)
	}
	out.IssuingChain = issCerts
	if out.Issuing, err = NewIssuer(IssuerConfig{Certificate: issCerts[0], Signer: issKey,
		CAIssuersURL: issuingCRT, OCSPURL: ocspURL, CRLURL: issuingCRL, Clock: cfg.Now,
		SerialInUse: SerialInUseFunc(cfg.Store), BeforeSign: RegisterBeforeSign(cfg.Store, cfg.Now), Logger: cfg.Log}); err != nil {
		return nil, fmt.Errorf("issuing CA issuer: %w", err)
	}

	ocspKey, ocspCerts, err := cfg.ensure(ctx, "ocsp", elliptic.P256(), func(signer crypto.Signer) ([]*x509.Certificate, error) {
		c, err := out.Issuing.IssueOCSPResponder(ctx, ServiceRequest{Subject: subject(cfg.Organization + " OCSP Responder"), PublicKey: signer.Public()})
		return append([]*x509.Certificate{c}, issCerts...), err
	})
	if err != nil {
		return nil, fmt.Errorf("OCSP responder: %w", err)
	}
	out.OCSPKey, out.OCSPCert = ocspKey, ocspCerts[0]
	tsaKey, tsaCerts, err := cfg.ensure(ctx, "tsa", elliptic.P256(), func(signer crypto.Signer) ([]*x509.Certificate, error) {
		c, err := out.Issuing.IssueTSA(ctx, ServiceRequest{Subject: subject(cfg.Organization + " Time-Stamping Unit 1"), PublicKey: signer.Public()})
		return append([]*x509.Certificate{c}, issCerts...), err
	})
	if err != nil {
		return nil, fmt.Errorf("time-stamping unit: %w", err)
	}
	out.TSAKey, out.TSACert = tsaKey, tsaCerts[0]

	if out.TokenKey, _, err = cfg.ensure(ctx, "token", elliptic.P256(), nil); err != nil {
		return nil, fmt.Errorf("token signing key: %w", err)
	}
	return out, nil
}

// ensure returns the named authority's signer and chain, generating the key
// and certifying it with mint when the authority does not exist yet.
func (cfg AuthoritiesConfig) ensure(ctx context.Context, name string, curve elliptic.Curve, mint func(crypto.Signer) ([]*x509.Certificate, error)) (crypto.Signer, []*x509.Certificate, error) {
	rec, err := cfg.Store.Authority(ctx, name)
	switch {
	case err == nil:
		signer, err := cfg.Keys.Signer(ctx, rec.KeyRef)
		if err != nil {
			return nil, nil, fmt.Errorf("the %s key recorded in the database is not on the token (wrong token or data directory?): %w", name, err)
		}
		chain := make([]*x509.Certificate, 0, len(rec.Certificates))
		for _, der := range rec.Certificates {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, nil, errs.Internalf(err, "parse %s certificate", name)
			}
			chain = append(chain, c)
		}
		return signer, chain, nil
	case !errs.Is(err, errs.NotFound):
		return nil, nil, err
	}
	ref, err := cfg.Keys.GenerateEC(ctx, curve, "qes "+name)
	if err != nil {
		return nil, nil, err
	}
	signer, err := cfg.Keys.Signer(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	var chain []*x509.Certificate
	if mint != nil {
		if chain, err = mint(signer); err != nil {
			_ = cfg.Keys.Destroy(ctx, ref)
			return nil, nil, err
		}
	}
	rec = &storage.Authority{Name: name, KeyRef: ref}
	for _, c := range chain {
		rec.Certificates = append(rec.Certificates, c.Raw)
	}
	if err := cfg.Store.PutAuthority(ctx, rec); err != nil {
		return nil, nil, err
	}
	cfg.Log.InfoContext(ctx, "created service key", "authority", name, "curve", curve.Params().Name)
	return signer, chain, nil
}
