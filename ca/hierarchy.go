package ca

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// CARequest describes a CA certificate. Root and issuing CA certificates
// are made in key ceremonies, so their validity is given explicitly.
type CARequest struct {
	// Subject needs countryName, organizationName and commonName; add the
	// organizationIdentifier (2.5.4.97, e.g. "VATIT-12345678901") through
	// ExtraNames as ETSI EN 319 412-1 section 5.1.4 describes.
	Subject   pkix.Name
	NotBefore time.Time
	NotAfter  time.Time
	// MaxPathLen is the basicConstraints pathLenConstraint; -1 leaves it out.
	// An issuing CA that signs only end-entity certificates uses 0.
	MaxPathLen int
	// PolicyOIDs optionally constrain the subordinate CA's policies (dotted;
	// e.g. QCP-n-qscd and the TSP policy). Ignored for roots.
	PolicyOIDs []string
}

func (r CARequest) validate() error {
	if err := validateOrgSubject("CA", r.Subject); err != nil {
		return err
	}
	if r.NotBefore.IsZero() || !r.NotAfter.After(r.NotBefore) {
		return errs.M(errs.InvalidRequest, msg.CAValidityInverted)
	}
	if r.MaxPathLen < -1 {
		return errs.M(errs.InvalidRequest, msg.CAMaxPathLen)
	}
	return nil
}

// template builds what root and subordinate CA certificates share; pub must
// be a key this package can sign with once it is a CA.
func (r CARequest) template(pub crypto.PublicKey) (*x509.Certificate, error) {
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.CACAPublicKey)
	}
	if _, err := signatureAlgorithmFor(pub); err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.CACAPublicKey)
	}
	return &x509.Certificate{
		Subject:               r.Subject,
		NotBefore:             r.NotBefore.UTC().Truncate(time.Second),
		NotAfter:              r.NotAfter.UTC().Truncate(time.Second),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            r.MaxPathLen,
		MaxPathLenZero:        r.MaxPathLen == 0,
		SubjectKeyId:          ski,
	}, nil
}

// CreateRoot makes the self-signed root CA certificate for signer: keyUsage
// keyCertSign and cRLSign (critical), basicConstraints cA (critical), SKI,
// and an AKI equal to the SKI. No AIA or CRL distribution point: a root is a
// trust anchor, distributed out of band. It is linted (with a throwaway key
// of the same algorithm) before the root key signs.
func CreateRoot(ctx context.Context, signer crypto.Signer, req CARequest) (*x509.Certificate, error) {
	if err := ctx.Err(); err != nil {
		return nil, errs.Internalf(err, "create root")
	}
	if signer == nil {
		return nil, errs.M(errs.InvalidRequest, msg.CARootSignerMissing)
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	tmpl, err := req.template(signer.Public())
	if err != nil {
		return nil, err
	}
	tmpl.AuthorityKeyId = tmpl.SubjectKeyId
	if tmpl.SignatureAlgorithm, err = signatureAlgorithmFor(signer.Public()); err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.CARootKey)
	}
	if tmpl.SerialNumber, err = NewSerial(rand.Reader); err != nil {
		return nil, err
	}

	// Lint a self-signed twin made with a throwaway key; it has the real
	// SKI/AKI, so only the public key and signature differ.
	lintKey, err := newThrowawayKey(signer.Public())
	if err != nil {
		return nil, err
	}
	reg, err := newRegistry(nil)
	if err != nil {
		return nil, err
	}
	lintDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, lintKey.Public(), lintKey)
	if err != nil {
		return nil, errs.Internalf(err, "create lint root")
	}
	l := &linter{registry: reg}
	if _, report, err := l.lintDER(lintDER, caChecks); err != nil {
		return nil, err
	} else if err := report.err(); err != nil {
		return nil, err
	}

	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer)
	if err != nil {
		return nil, errs.Internalf(err, "sign root certificate")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, errs.Internalf(err, "parse root certificate")
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		return nil, errs.Internalf(err, "verify root self-signature")
	}
	return cert, nil
}

// IssueSubordinateCA issues an issuing (subordinate) CA certificate for pub,
// signed by this issuer (normally the root): keyUsage keyCertSign and
// cRLSign (critical), basicConstraints (critical) with req.MaxPathLen,
// SKI/AKI, AIA caIssuers (and OCSP if configured) and the CRL distribution
// point of this issuer.
func (i *Issuer) IssueSubordinateCA(ctx context.Context, pub crypto.PublicKey, req CARequest) (*x509.Certificate, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	tmpl, err := req.template(pub)
	if err != nil {
		return nil, err
	}
	if tmpl.NotBefore.Before(i.cert.NotBefore) {
		return nil, errs.M(errs.InvalidRequest, msg.CASubordinateBeforeIssuer)
	}
	tmpl.IssuingCertificateURL = []string{i.urls.caIssuers}
	tmpl.CRLDistributionPoints = []string{i.urls.crl}
	if i.urls.ocsp != "" {
		tmpl.OCSPServer = []string{i.urls.ocsp}
	}
	if len(req.PolicyOIDs) > 0 {
		ext, err := policiesExtension(req.PolicyOIDs)
		if err != nil {
			return nil, err
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, ext)
	}
	return i.issue(ctx, ServiceOwner, tmpl, pub, caChecks)
}
