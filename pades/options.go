package pades

import (
	"crypto"
	"crypto/x509"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// DocMDP is the permission of a certification signature.
type DocMDP int

const (
	// Approval is an ordinary (approval) signature: no DocMDP, the default.
	Approval DocMDP = 0
	// CertifyNoChanges certifies the document and forbids any change (P=1).
	CertifyNoChanges DocMDP = 1
	// CertifyFormFilling allows form filling and further signatures (P=2).
	CertifyFormFilling DocMDP = 2
	// CertifyAnnotations also allows annotations (P=3).
	CertifyAnnotations DocMDP = 3
)

// DefaultTimestampSize is the room reserved for one RFC 3161 token. Tokens
// carry the TSA certificate (often its chain too): 4-7 KB is typical.
const DefaultTimestampSize = 12 << 10

// Options controls one PAdES signature.
type Options struct {
	// Level defaults to B-B.
	Level Level
	// Hash is the digest algorithm for the document and the signed
	// attributes: SHA-256 (default), SHA-384 or SHA-512.
	Hash crypto.Hash
	// Scheme selects PKCS#1 v1.5 (default) or PSS for RSA keys.
	Scheme SignatureScheme
	// Time goes into the signature dictionary's /M; PAdES forbids the
	// signing-time attribute. Defaults to time.Now().
	Time time.Time

	// Name, Reason, Location and ContactInfo fill the signature dictionary.
	// Name defaults to the signer certificate's common name.
	Name, Reason, Location, ContactInfo string

	// FieldName of the new signature field; default "Signature<n>".
	FieldName string
	// Certify makes a certification (DocMDP) signature; default approval.
	Certify DocMDP
	// Appearance makes the signature visible; nil means invisible.
	Appearance *Appearance

	// Timestamper is required from B-T on (signature and document time-stamps).
	Timestamper Timestamper
	// Revocation is required from B-LT on, for the DSS.
	Revocation RevocationSource
	// ExtraCertificates are added to the DSS and used to find issuers, e.g.
	// the CA of a TSA whose tokens carry only the TSA certificate.
	ExtraCertificates []*x509.Certificate
	// TimestampSize overrides DefaultTimestampSize (bytes per token).
	TimestampSize int
}

func (o Options) normalized() (Options, error) {
	if o.Level == 0 {
		o.Level = LevelBB
	}
	if o.Level < LevelBB || o.Level > LevelBLTA {
		return o, errs.M(errs.InvalidRequest, msg.PAdESUnknownConformanceLevel)
	}
	if o.Hash == 0 {
		o.Hash = crypto.SHA256
	}
	if o.Time.IsZero() {
		o.Time = time.Now()
	}
	if o.TimestampSize <= 0 {
		o.TimestampSize = DefaultTimestampSize
	}
	if o.Certify < Approval || o.Certify > CertifyAnnotations {
		return o, errs.M(errs.InvalidRequest, msg.PAdESCertificationPermission)
	}
	if o.Level >= LevelBT && o.Timestamper == nil {
		return o, errs.M(errs.InvalidRequest, msg.PAdESLevelNeedsTimestamper, o.Level)
	}
	if o.Level >= LevelBLT && o.Revocation == nil {
		return o, errs.M(errs.InvalidRequest, msg.PAdESLevelNeedsRevocation, o.Level)
	}
	return o, nil
}

// pdfDate formats t as a PDF date string in UTC.
func pdfDate(t time.Time) string {
	return t.UTC().Format("D:20060102150405+00'00'")
}
