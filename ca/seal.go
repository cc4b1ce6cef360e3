package ca

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log/slog"

	"github.com/qesproject/qes/internal/oids"
)

// DefaultSealValidityYears is the lifetime of the registration authority's
// seal certificate. Evidence bundles are re-verified for 20 years, but
// their time-stamps (and the register) prove the seal was made while the
// certificate was valid, as for a time-stamping unit.
const DefaultSealValidityYears = 6

// SealAuthority is the name of the registration authority's seal key
// among the authorities ("ra-seal"): it signs the manifests of evidence
// bundles.
const SealAuthority = "ra-seal"

// IssueSeal issues the certificate of one of the TSP's own electronic
// seal keys (the registration authority's, which seals evidence bundles):
// keyUsage digitalSignature and nonRepudiation (contentCommitment), since
// the seal commits the TSP to the content; no extendedKeyUsage, so that a
// CMS verifier's default purpose accepts it; AIA, OCSP and CRL DP like
// every end entity of the issuing CA.
func (i *Issuer) IssueSeal(ctx context.Context, req ServiceRequest) (*x509.Certificate, error) {
	if err := i.requireEndEntityURLs(); err != nil {
		return nil, err
	}
	tmpl, err := i.serviceTemplate("seal", req, 0, DefaultSealValidityYears)
	if err != nil {
		return nil, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	tmpl.OCSPServer = []string{i.urls.ocsp}
	tmpl.CRLDistributionPoints = []string{i.urls.crl}
	return i.issue(ctx, ServiceOwner, tmpl, req.PublicKey, sealChecks)
}

// sealChecks: a service seal signs content only.
var sealChecks = []certCheck{
	{"e_qes_seal_key_usage", func(c *x509.Certificate) string {
		if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
			return "keyUsage must be exactly digitalSignature and nonRepudiation"
		}
		return ""
	}},
	{"e_qes_seal_no_eku", func(c *x509.Certificate) string {
		if len(c.ExtKeyUsage) > 0 || len(c.UnknownExtKeyUsage) > 0 {
			return "a seal certificate has no extendedKeyUsage"
		}
		return ""
	}},
	{"e_qes_end_entity", checkEndEntity},
}

// EnsureSeal loads the registration authority's seal key and its chain
// (seal certificate, issuing CA, root), creating the P-256 key in the HSM
// and certifying it by the issuing CA the first time: the same ceremony in
// miniature as the TSA's (EnsureAuthorities), kept apart so that the
// hierarchy's own set of keys does not change.
func EnsureSeal(ctx context.Context, cfg AuthoritiesConfig, a *Authorities) (crypto.Signer, []*x509.Certificate, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	subject := pkix.Name{
		Country: []string{cfg.Country}, Organization: []string{cfg.Organization},
		CommonName: cfg.Organization + " Registration Authority Seal",
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: oids.AttrOrganizationIdentifier, Value: cfg.OrgID}},
	}
	key, chain, err := cfg.ensure(ctx, SealAuthority, elliptic.P256(), func(signer crypto.Signer) ([]*x509.Certificate, error) {
		c, err := a.Issuing.IssueSeal(ctx, ServiceRequest{Subject: subject, PublicKey: signer.Public()})
		return append([]*x509.Certificate{c}, a.IssuingChain...), err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("registration authority seal: %w", err)
	}
	return key, chain, nil
}
