package ca

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/qesproject/qes/internal/oids"
)

// Own pre-issuance checks: rules of ETSI EN 319 412-1/-2/-5, RFC 3161 and
// RFC 6960 that zlint does not implement, run on the parsed lint
// certificate so they judge the bytes that will be signed, not the request.

func findExtension(c *x509.Certificate, oid asn1.ObjectIdentifier) ([]byte, bool, bool) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e.Value, e.Critical, true
		}
	}
	return nil, false, false
}

// certQCStatements returns the decoded QC statements, or a reason string.
func certQCStatements(c *x509.Certificate) (QCStatements, string) {
	v, _, ok := findExtension(c, OIDQCStatements)
	if !ok {
		return QCStatements{}, "no qcStatements extension"
	}
	q, err := ParseQCStatements(v)
	if err != nil {
		return QCStatements{}, err.Error()
	}
	return q, ""
}

func certPolicyIDs(c *x509.Certificate) []asn1.ObjectIdentifier {
	v, _, ok := findExtension(c, oids.CertificatePolicies)
	if !ok {
		return nil
	}
	ps, err := ParsePolicies(v)
	if err != nil {
		return nil
	}
	ids := make([]asn1.ObjectIdentifier, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

func hasAnyPolicy(c *x509.Certificate, wanted []asn1.ObjectIdentifier) bool {
	for _, id := range certPolicyIDs(c) {
		if oids.Contains(wanted, id) {
			return true
		}
	}
	return false
}

// qualifiedChecks apply to every EU qualified certificate profile.
var qualifiedChecks = []certCheck{
	{"e_qes_qscd_policy_requires_qcsscd", func(c *x509.Certificate) string {
		if !hasAnyPolicy(c, qscdPolicies) {
			return ""
		}
		q, why := certQCStatements(c)
		if why != "" {
			return "QSCD policy present but " + why
		}
		if !q.SSCD {
			return "QCP-n-qscd/QCP-l-qscd policy present but QcSSCD statement missing"
		}
		return ""
	}},
	{"e_qes_qualified_policy_requires_qccompliance", func(c *x509.Certificate) string {
		if !hasAnyPolicy(c, qualifiedPolicies) {
			return ""
		}
		q, why := certQCStatements(c)
		if why != "" {
			return "qualified policy present but " + why
		}
		if !q.Compliance {
			return "qualified policy (QCP-*) present but QcCompliance statement missing"
		}
		return ""
	}},
	{"e_qes_qccompliance_requires_qualified_policy", func(c *x509.Certificate) string {
		q, why := certQCStatements(c)
		if why != "" || !q.Compliance || hasAnyPolicy(c, qualifiedPolicies) {
			return ""
		}
		return "QcCompliance present but no ETSI EN 319 411-2 qualified policy (QCP-*)"
	}},
	{"e_qes_qcsscd_requires_qscd_policy", func(c *x509.Certificate) string {
		q, why := certQCStatements(c)
		if why != "" || !q.SSCD || hasAnyPolicy(c, qscdPolicies) {
			return ""
		}
		return "QcSSCD present but neither QCP-n-qscd nor QCP-l-qscd policy"
	}},
	{"e_qes_qualified_requires_qcpds", func(c *x509.Certificate) string {
		q, why := certQCStatements(c)
		if why != "" || !q.Compliance || len(q.PDS) > 0 {
			return ""
		}
		return "qualified certificate without QcPDS statement"
	}},
}

// naturalPersonChecks apply to the qualified certificate for electronic
// signatures of a natural person (ETSI EN 319 412-2).
var naturalPersonChecks = []certCheck{
	{"e_qes_natural_person_key_usage_content_commitment", func(c *x509.Certificate) string {
		if c.KeyUsage&x509.KeyUsageContentCommitment == 0 {
			return "keyUsage lacks nonRepudiation (contentCommitment)"
		}
		return ""
	}},
	{"e_qes_natural_person_subject_attributes", func(c *x509.Certificate) string {
		return checkNaturalPersonSubject(c)
	}},
	{"e_qes_semantics_identifier_statement", func(c *x509.Certificate) string {
		q, why := certQCStatements(c)
		if why != "" {
			return why
		}
		if !OIDSemanticsIDNatural.Equal(q.SemanticsID) {
			return "serialNumber holds a natural person semantics identifier but the pkixQCSyntax-v2 statement with id-etsi-qcs-semanticsId-Natural is missing"
		}
		return ""
	}},
	{"e_qes_qctype_esign", func(c *x509.Certificate) string {
		q, why := certQCStatements(c)
		if why != "" {
			return why
		}
		if len(q.Types) != 1 || !q.Types[0].Equal(OIDQcTypeESign) {
			return "QcType must be exactly esign for a natural person signing certificate"
		}
		return ""
	}},
}

// checkNaturalPersonSubject verifies EN 319 412-2 section 4.2.4 attributes
// as they will appear in the certificate: exactly one each of countryName,
// givenName, surname, serialNumber (a valid semantics identifier) and
// commonName, and no pseudonym alongside the real name.
func checkNaturalPersonSubject(c *x509.Certificate) string {
	counts := make(map[string][]string)
	for _, atv := range c.Subject.Names {
		s, ok := atv.Value.(string)
		if !ok {
			return fmt.Sprintf("subject attribute %v is not a string", atv.Type)
		}
		counts[atv.Type.String()] = append(counts[atv.Type.String()], s)
	}
	var missing []string
	for _, a := range []struct {
		oid  asn1.ObjectIdentifier
		name string
	}{{oids.AttrCountryName, "countryName"}, {oids.AttrGivenName, "givenName"}, {oids.AttrSurname, "surname"}, {oids.AttrSerialNumber, "serialNumber"}, {oids.AttrCommonName, "commonName"}} {
		vals := counts[a.oid.String()]
		switch {
		case len(vals) == 0:
			missing = append(missing, a.name)
		case len(vals) > 1:
			return a.name + " appears more than once"
		case strings.TrimSpace(vals[0]) == "" || !utf8.ValidString(vals[0]):
			return a.name + " is empty"
		}
	}
	if len(missing) > 0 {
		return "subject lacks " + strings.Join(missing, ", ")
	}
	if len(counts[oids.AttrPseudonym.String()]) > 0 {
		return "pseudonym must not appear together with givenName and surname"
	}
	if !isCountryCode(counts[oids.AttrCountryName.String()][0]) {
		return "countryName is not an ISO 3166-1 alpha-2 code"
	}
	if _, err := ParseSemanticsIdentifier(counts[oids.AttrSerialNumber.String()][0]); err != nil {
		return "serialNumber is not a natural person semantics identifier: " + err.Error()
	}
	return ""
}

// ocspResponderChecks: RFC 6960 section 4.2.2.2 delegated responder.
var ocspResponderChecks = []certCheck{
	{"e_qes_ocsp_responder_eku", func(c *x509.Certificate) string {
		if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageOCSPSigning || len(c.UnknownExtKeyUsage) > 0 {
			return "extendedKeyUsage must be exactly id-kp-OCSPSigning"
		}
		return ""
	}},
	{"e_qes_ocsp_responder_nocheck", func(c *x509.Certificate) string {
		v, _, ok := findExtension(c, oids.OCSPNoCheck)
		if !ok || string(v) != "\x05\x00" {
			return "id-pkix-ocsp-nocheck extension (NULL) missing"
		}
		return ""
	}},
	{"e_qes_digital_signature_only", checkDigitalSignatureOnly},
	{"e_qes_end_entity", checkEndEntity},
}

// tsaChecks: RFC 3161 section 2.3 and ETSI EN 319 422.
var tsaChecks = []certCheck{
	{"e_qes_tsa_eku_critical_timestamping_only", func(c *x509.Certificate) string {
		_, critical, ok := findExtension(c, oids.ExtKeyUsage)
		if !ok || !critical {
			return "extendedKeyUsage must be present and critical"
		}
		if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(c.UnknownExtKeyUsage) > 0 {
			return "extendedKeyUsage must contain only id-kp-timeStamping"
		}
		return ""
	}},
	{"e_qes_digital_signature_only", checkDigitalSignatureOnly},
	{"e_qes_end_entity", checkEndEntity},
}

// caChecks apply to root and issuing CA certificates.
var caChecks = []certCheck{
	{"e_qes_ca_basic_constraints", func(c *x509.Certificate) string {
		if !c.BasicConstraintsValid || !c.IsCA {
			return "basicConstraints cA must be true"
		}
		return ""
	}},
	{"e_qes_ca_key_usage", func(c *x509.Certificate) string {
		if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
			return "keyUsage must be exactly keyCertSign and cRLSign"
		}
		return ""
	}},
	{"e_qes_subject_key_identifier", func(c *x509.Certificate) string {
		if len(c.SubjectKeyId) == 0 {
			return "subjectKeyIdentifier missing"
		}
		return ""
	}},
}

func checkDigitalSignatureOnly(c *x509.Certificate) string {
	if c.KeyUsage != x509.KeyUsageDigitalSignature {
		return "keyUsage must be exactly digitalSignature"
	}
	return ""
}

func checkEndEntity(c *x509.Certificate) string {
	if c.IsCA {
		return "must not be a CA certificate"
	}
	return ""
}
