package app

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"time"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/storage"
)

// Authorities are the service's own keys (all in the HSM) and certificates.
type Authorities struct {
	Root         *x509.Certificate
	RootIssuer   *ca.Issuer
	Issuing      *ca.Issuer
	IssuingChain []*x509.Certificate // issuing CA, root
	OCSPCert     *x509.Certificate
	OCSPKey      crypto.Signer
	TSACert      *x509.Certificate
	TSAKey       crypto.Signer
	TokenKey     crypto.Signer
}

// URLs the CA puts into certificates; served by qesd.
func caURLs(public string) (rootCRT, issuingCRT, rootCRL, issuingCRL, ocsp string) {
	return public + "/ca/root.crt", public + "/ca/issuing.crt", public + "/crl/root.crl", public + "/crl/issuing.crl", public + "/ocsp"
}

// ensureAuthorities loads the service keys and certificates, creating the
// missing ones: a key ceremony in miniature for the embedded default.
func ensureAuthorities(ctx context.Context, a *App) (*Authorities, error) {
	cfg := a.Cfg
	rootCRT, issuingCRT, rootCRL, issuingCRL, ocspURL := caURLs(cfg.PublicURL)
	subject := func(cn string) pkix.Name {
		return pkix.Name{
			Country: []string{cfg.CA.Country}, Organization: []string{cfg.CA.Organization}, CommonName: cn,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oids.AttrOrganizationIdentifier, Value: cfg.CA.OrgID}},
		}
	}
	now := a.Now().UTC().Truncate(time.Second)
	out := &Authorities{}

	// Root CA: P-384, 20 years.
	rootKey, rootCerts, err := ensure(ctx, a, "root", hsm.ECP384, func(signer crypto.Signer) ([]*x509.Certificate, error) {
		c, err := ca.CreateRoot(ctx, signer, ca.CARequest{Subject: subject(cfg.CA.Organization + " Qualified Root CA"),
			NotBefore: now.Add(-time.Minute), NotAfter: now.AddDate(20, 0, 0), MaxPathLen: 1})
		return []*x509.Certificate{c}, err
	})
	if err != nil {
		return nil, fmt.Errorf("root CA: %w", err)
	}
	out.Root = rootCerts[0]
	if out.RootIssuer, err = ca.NewIssuer(ca.IssuerConfig{Certificate: out.Root, Signer: rootKey,
		CAIssuersURL: rootCRT, CRLURL: rootCRL, Clock: a.Now, Logger: a.Log}); err != nil {
		return nil, fmt.Errorf("root issuer: %w", err)
	}

	// Issuing CA: P-384, 10 years, issues only end-entity certificates.
	issKey, issCerts, err := ensure(ctx, a, "issuing", hsm.ECP384, func(signer crypto.Signer) ([]*x509.Certificate, error) {
		c, err := out.RootIssuer.IssueSubordinateCA(ctx, signer.Public(), ca.CARequest{
			Subject:   subject(cfg.CA.Organization + " Qualified Issuing CA"),
			NotBefore: now, NotAfter: now.AddDate(10, 0, 0), MaxPathLen: 0,
		})
		return []*x509.Certificate{c, out.Root}, err
	})
	if err != nil {
		return nil, fmt.Errorf("issuing CA: %w", err)
	}
	out.IssuingChain = issCerts
	if out.Issuing, err = ca.NewIssuer(ca.IssuerConfig{Certificate: issCerts[0], Signer: issKey,
		CAIssuersURL: issuingCRT, OCSPURL: ocspURL, CRLURL: issuingCRL, Clock: a.Now,
		SerialInUse: ca.SerialInUseFunc(a.Store), BeforeSign: ca.RegisterBeforeSign(a.Store, a.Now), Logger: a.Log}); err != nil {
		return nil, fmt.Errorf("issuing CA issuer: %w", err)
	}

	// Delegated OCSP responder and time-stamping unit, issued by the issuing CA.
	ocspKey, ocspCerts, err := ensure(ctx, a, "ocsp", hsm.ECP256, func(signer crypto.Signer) ([]*x509.Certificate, error) {
		c, err := out.Issuing.IssueOCSPResponder(ctx, ca.ServiceRequest{Subject: subject(cfg.CA.Organization + " OCSP Responder"), PublicKey: signer.Public()})
		return append([]*x509.Certificate{c}, issCerts...), err
	})
	if err != nil {
		return nil, fmt.Errorf("OCSP responder: %w", err)
	}
	out.OCSPKey, out.OCSPCert = ocspKey, ocspCerts[0]
	tsaKey, tsaCerts, err := ensure(ctx, a, "tsa", hsm.ECP256, func(signer crypto.Signer) ([]*x509.Certificate, error) {
		c, err := out.Issuing.IssueTSA(ctx, ca.ServiceRequest{Subject: subject(cfg.CA.Organization + " Time-Stamping Unit 1"), PublicKey: signer.Public()})
		return append([]*x509.Certificate{c}, issCerts...), err
	})
	if err != nil {
		return nil, fmt.Errorf("time-stamping unit: %w", err)
	}
	out.TSAKey, out.TSACert = tsaKey, tsaCerts[0]

	// Access tokens are signed by a P-256 key with no certificate.
	if out.TokenKey, _, err = ensure(ctx, a, "token", hsm.ECP256, nil); err != nil {
		return nil, fmt.Errorf("token signing key: %w", err)
	}
	return out, nil
}

// ensure returns the named authority's signer and chain, generating the key
// and certifying it with mint when the authority does not exist yet.
func ensure(ctx context.Context, a *App, name string, kt hsm.KeyType, mint func(crypto.Signer) ([]*x509.Certificate, error)) (crypto.Signer, []*x509.Certificate, error) {
	rec, err := a.Store.Authority(ctx, name)
	switch {
	case err == nil:
		signer, err := a.HSM.Signer(ctx, hsm.KeyRef(rec.KeyRef))
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
	ref, _, err := a.HSM.Generate(ctx, kt, "qes "+name)
	if err != nil {
		return nil, nil, err
	}
	signer, err := a.HSM.Signer(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	var chain []*x509.Certificate
	if mint != nil {
		if chain, err = mint(signer); err != nil {
			_ = a.HSM.Destroy(ctx, ref)
			return nil, nil, err
		}
	}
	rec = &storage.Authority{Name: name, KeyRef: string(ref)}
	for _, c := range chain {
		rec.Certificates = append(rec.Certificates, c.Raw)
	}
	if err := a.Store.PutAuthority(ctx, rec); err != nil {
		return nil, nil, err
	}
	a.Log.InfoContext(ctx, "created service key", "authority", name, "key", kt)
	return signer, chain, nil
}
