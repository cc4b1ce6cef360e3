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

// QualifiedProfileConfig is the service's configuration of the qualified
// certificate for electronic signatures of natural persons, key in a QSCD
// (ETSI EN 319 411-2 QCP-n-qscd; profile EN 319 412-2 and EN 319 412-5).
type QualifiedProfileConfig struct {
	// PolicyOID is the TSP's own certificate policy, dotted ("1.3.6.1.4.1...").
	PolicyOID string
	// CPSURI is the https URL of the CPS, put as qualifier on PolicyOID.
	CPSURI string
	// PDS are the PKI disclosure statements; one must be in English.
	PDS []PDSLocation
	// RetentionYears is how long registration evidence is kept after expiry
	// (QcRetentionPeriod); 0 leaves the statement out.
	RetentionYears int
	// Validity is the certificate lifetime; zero means three calendar years.
	Validity time.Duration
}

// QualifiedProfile is a validated QualifiedProfileConfig with its
// certificate policies and fixed QC statements encoded once.
type QualifiedProfile struct {
	policies []byte
	qc       QCStatements
	validity time.Duration
}

// NewQualifiedProfile validates the configuration; do it at start-up so that
// a bad PDS URL or policy OID stops the server, not the first enrolment.
func NewQualifiedProfile(cfg QualifiedProfileConfig) (*QualifiedProfile, error) {
	oid, err := parseOID(cfg.PolicyOID)
	if err != nil {
		return nil, err
	}
	if oids.Contains(qualifiedPolicies, oid) {
		return nil, errs.M(errs.InvalidRequest, msg.CAPolicyOIDNotQCP)
	}
	if err := validateHTTPURL("CPS URI", cfg.CPSURI); err != nil {
		return nil, err
	}
	if err := validatePDS(cfg.PDS); err != nil {
		return nil, err
	}
	if cfg.RetentionYears < 0 || cfg.RetentionYears > 100 {
		return nil, errs.M(errs.InvalidRequest, msg.CARetentionPeriod)
	}
	if cfg.Validity < 0 {
		return nil, errs.M(errs.InvalidRequest, msg.CAValidityNotNegative)
	}
	policies, err := marshalPolicies([]PolicyInformation{
		{ID: OIDPolicyQCPnQSCD},
		{ID: oid, CPSURI: cfg.CPSURI},
	})
	if err != nil {
		return nil, errs.Internalf(err, "encode certificate policies")
	}
	return &QualifiedProfile{
		policies: policies,
		qc: QCStatements{
			SemanticsID:    OIDSemanticsIDNatural,
			Compliance:     true,
			RetentionYears: cfg.RetentionYears,
			SSCD:           true,
			PDS:            append([]PDSLocation(nil), cfg.PDS...),
			Types:          []asn1.ObjectIdentifier{OIDQcTypeESign},
		},
		validity: cfg.Validity,
	}, nil
}

// QualifiedRequest asks for a qualified certificate for a verified natural
// person whose key was generated in the QSCD.
type QualifiedRequest struct {
	Owner     Owner // the holder and credential; required
	Subject   NaturalPerson
	PublicKey crypto.PublicKey
}

// IssueQualified issues a qualified certificate for electronic signatures:
// keyUsage nonRepudiation only (critical), policies QCP-n-qscd and the TSP
// policy with CPS, QC statements (compliance, QSCD, esign type, PDS,
// retention, natural person semantics identifier), AIA, CRL DP, SKI/AKI.
func (i *Issuer) IssueQualified(ctx context.Context, prof *QualifiedProfile, req QualifiedRequest) (*x509.Certificate, error) {
	if err := req.Owner.validateHolder(); err != nil {
		return nil, err
	}
	tmpl, err := i.qualifiedTemplate(prof, req)
	if err != nil {
		return nil, err
	}
	return i.issue(ctx, req.Owner, tmpl, req.PublicKey, qualifiedNaturalPersonChecks)
}

var qualifiedNaturalPersonChecks = append(append([]certCheck{}, qualifiedChecks...), naturalPersonChecks...)

// qualifiedTemplate builds the to-be-signed certificate for IssueQualified.
func (i *Issuer) qualifiedTemplate(prof *QualifiedProfile, req QualifiedRequest) (*x509.Certificate, error) {
	if prof == nil {
		return nil, errs.M(errs.InvalidRequest, msg.CAQualifiedProfileMissing)
	}
	if err := i.requireEndEntityURLs(); err != nil {
		return nil, err
	}
	subj, err := req.Subject.normalized()
	if err != nil {
		return nil, err
	}
	if err := validateSubjectKey(req.PublicKey); err != nil {
		return nil, err
	}
	rawSubject, err := subj.rawSubject()
	if err != nil {
		return nil, err
	}
	qc, err := prof.qc.Marshal()
	if err != nil {
		return nil, errs.Internalf(err, "encode QC statements")
	}
	ski, err := subjectKeyID(req.PublicKey)
	if err != nil {
		return nil, errs.WrapM(err, errs.InvalidRequest, msg.CASubjectPublicKey)
	}
	notBefore, now, err := i.validityFrom()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		RawSubject:            rawSubject,
		NotBefore:             notBefore,
		NotAfter:              endOfValidity(now, prof.validity, 3),
		KeyUsage:              x509.KeyUsageContentCommitment,
		SubjectKeyId:          ski,
		IssuingCertificateURL: []string{i.urls.caIssuers},
		OCSPServer:            []string{i.urls.ocsp},
		CRLDistributionPoints: []string{i.urls.crl},
		ExtraExtensions: []pkix.Extension{
			{Id: oids.CertificatePolicies, Value: prof.policies},
			{Id: OIDQCStatements, Value: qc},
		},
	}
	if subj.Email != "" {
		tmpl.EmailAddresses = []string{subj.Email}
	}
	return tmpl, nil
}

// endOfValidity returns notAfter for a certificate issued at now: now plus
// validity, or plus defaultYears calendar years when validity is zero. One
// second is taken off because notAfter is inclusive (RFC 5280 4.1.2.5).
func endOfValidity(now time.Time, validity time.Duration, defaultYears int) time.Time {
	if validity == 0 {
		return now.AddDate(defaultYears, 0, 0).Add(-time.Second)
	}
	return now.Add(validity).Add(-time.Second)
}

func (i *Issuer) requireEndEntityURLs() error {
	if i.urls.ocsp == "" {
		return errs.M(errs.InvalidRequest, msg.CAIssuerNoOCSPURL)
	}
	return nil
}
