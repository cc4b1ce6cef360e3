package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// DefaultOCSPResponderValidity is the lifetime of a delegated OCSP responder
// certificate. It carries id-pkix-ocsp-nocheck, so relying parties never
// check its revocation: RFC 6960 section 4.2.2.2.1 asks for a short lifetime
// and frequent renewal instead.
const DefaultOCSPResponderValidity = 30 * 24 * time.Hour

// DefaultTSAValidityYears is the lifetime of a TSU certificate. The TSU key
// is used for a shorter period (EN 319 421); the certificate outlives it so
// time-stamps stay verifiable.
const DefaultTSAValidityYears = 6

// ServiceRequest asks for a certificate for one of the TSP's own service
// keys (OCSP responder or time-stamping unit).
type ServiceRequest struct {
	// Subject needs countryName, organizationName and commonName.
	Subject   pkix.Name
	PublicKey crypto.PublicKey
	// Validity overrides the profile default when non-zero.
	Validity time.Duration
	// PolicyOIDs are optional dotted certificate policy OIDs (e.g. the TSA
	// policy of EN 319 421 for a TSU).
	PolicyOIDs []string
}

// IssueOCSPResponder issues a delegated OCSP responder certificate (RFC 6960
// section 4.2.2.2): extendedKeyUsage id-kp-OCSPSigning, id-pkix-ocsp-nocheck,
// keyUsage digitalSignature, short validity, no OCSP URL of its own.
func (i *Issuer) IssueOCSPResponder(ctx context.Context, req ServiceRequest) (*x509.Certificate, error) {
	tmpl, err := i.serviceTemplate("OCSP responder", req, DefaultOCSPResponderValidity, 0)
	if err != nil {
		return nil, err
	}
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oids.OCSPNoCheck, Value: asn1.NullBytes})
	return i.issue(ctx, ServiceOwner, tmpl, req.PublicKey, ocspResponderChecks)
}

// IssueTSA issues a time-stamping unit certificate (RFC 3161 section 2.3,
// ETSI EN 319 422): a critical extendedKeyUsage holding only
// id-kp-timeStamping, keyUsage digitalSignature, AIA and CRL DP.
func (i *Issuer) IssueTSA(ctx context.Context, req ServiceRequest) (*x509.Certificate, error) {
	if err := i.requireEndEntityURLs(); err != nil {
		return nil, err
	}
	tmpl, err := i.serviceTemplate("TSA", req, 0, DefaultTSAValidityYears)
	if err != nil {
		return nil, err
	}
	tmpl.OCSPServer = []string{i.urls.ocsp}
	tmpl.CRLDistributionPoints = []string{i.urls.crl}
	// crypto/x509 always writes extendedKeyUsage non-critical; RFC 3161
	// requires it critical, so the extension is written by hand.
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oids.KPTimeStamping})
	if err != nil {
		return nil, errs.Internalf(err, "encode extendedKeyUsage")
	}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oids.ExtKeyUsage, Critical: true, Value: eku})
	return i.issue(ctx, ServiceOwner, tmpl, req.PublicKey, tsaChecks)
}

// serviceTemplate builds what OCSP responder and TSU certificates share.
// Exactly one of defaultValidity and defaultYears is used when req.Validity
// is zero.
func (i *Issuer) serviceTemplate(what string, req ServiceRequest, defaultValidity time.Duration, defaultYears int) (*x509.Certificate, error) {
	if err := validateOrgSubject(what, req.Subject); err != nil {
		return nil, err
	}
	if err := validateSubjectKey(req.PublicKey); err != nil {
		return nil, err
	}
	if req.Validity < 0 {
		return nil, errs.M(errs.InvalidRequest, msg.CAValidityNotNegative)
	}
	ski, err := subjectKeyID(req.PublicKey)
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.CASubjectPublicKey)
	}
	notBefore, now, err := i.validityFrom()
	if err != nil {
		return nil, err
	}
	validity := req.Validity
	if validity == 0 {
		validity = defaultValidity
	}
	tmpl := &x509.Certificate{
		Subject:               req.Subject,
		NotBefore:             notBefore,
		NotAfter:              endOfValidity(now, validity, defaultYears),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		SubjectKeyId:          ski,
		IssuingCertificateURL: []string{i.urls.caIssuers},
	}
	if len(req.PolicyOIDs) > 0 {
		ext, err := policiesExtension(req.PolicyOIDs)
		if err != nil {
			return nil, err
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, ext)
	}
	return tmpl, nil
}

// policiesExtension encodes dotted policy OIDs without qualifiers.
func policiesExtension(dotted []string) (pkix.Extension, error) {
	ps := make([]PolicyInformation, len(dotted))
	for k, s := range dotted {
		oid, err := parseOID(s)
		if err != nil {
			return pkix.Extension{}, err
		}
		ps[k] = PolicyInformation{ID: oid}
	}
	der, err := marshalPolicies(ps)
	if err != nil {
		return pkix.Extension{}, errs.Internalf(err, "encode certificate policies")
	}
	return pkix.Extension{Id: oids.CertificatePolicies, Value: der}, nil
}
