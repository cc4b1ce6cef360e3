package ca

import (
	"encoding/asn1"
	"net/url"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// PolicyInformation is one entry of the certificatePolicies extension,
// optionally with a CPS URI qualifier (RFC 5280 section 4.2.1.4).
type PolicyInformation struct {
	ID     asn1.ObjectIdentifier
	CPSURI string // empty: no qualifier
}

type policyQualifierInfo struct {
	ID        asn1.ObjectIdentifier
	Qualifier asn1.RawValue
}

type policyInformation struct {
	ID         asn1.ObjectIdentifier
	Qualifiers []policyQualifierInfo `asn1:"optional,omitempty"`
}

// marshalPolicies encodes a certificatePolicies extension value. crypto/x509
// cannot write policy qualifiers, hence this encoder.
func marshalPolicies(policies []PolicyInformation) ([]byte, error) {
	infos := make([]policyInformation, len(policies))
	for i, p := range policies {
		infos[i].ID = p.ID
		if p.CPSURI != "" {
			infos[i].Qualifiers = []policyQualifierInfo{{
				ID:        OIDPolicyQualifierCPS,
				Qualifier: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagIA5String, Bytes: []byte(p.CPSURI)},
			}}
		}
	}
	return asn1.Marshal(infos)
}

// ParsePolicies decodes a certificatePolicies extension value, keeping the
// CPS URI qualifiers; other qualifier types are skipped.
func ParsePolicies(der []byte) ([]PolicyInformation, error) {
	var infos []policyInformation
	if err := unmarshalAll(der, &infos); err != nil || len(infos) == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.CAMalformedCertificatePolicies)
	}
	out := make([]PolicyInformation, len(infos))
	for i, in := range infos {
		out[i].ID = in.ID
		for _, q := range in.Qualifiers {
			if q.ID.Equal(OIDPolicyQualifierCPS) {
				if q.Qualifier.Tag != asn1.TagIA5String {
					return nil, errs.M(errs.InvalidRequest, msg.CACPSURINotIA5String)
				}
				out[i].CPSURI = string(q.Qualifier.Bytes)
			}
		}
	}
	return out, nil
}

// parseOID parses a dotted policy OID from configuration.
func parseOID(s string) (asn1.ObjectIdentifier, error) {
	oid, err := oids.Parse(s)
	if err != nil {
		return nil, errs.M(errs.InvalidRequest, msg.CAInvalidOID, printableForError(s), err)
	}
	return oid, nil
}

// validateHTTPURL accepts absolute http or https URLs (AIA, CRL DP, CPS).
// AIA and CRL locations are usually plain http on purpose: the objects are
// signed and a TLS fetch would need revocation checking itself.
func validateHTTPURL(what, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !isIA5(s) {
		return errs.M(errs.InvalidRequest, msg.CAURLNotHTTP, what, printableForError(s))
	}
	return nil
}
