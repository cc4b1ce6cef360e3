package ca

import "encoding/asn1"

// Object identifiers used by the profiles. Sources: ETSI EN 319 411-2 (QCP
// policies), ETSI EN 319 412-1 (semantics identifiers), ETSI EN 319 412-5
// (QCStatements), RFC 3739 (qcStatements extension, pkixQCSyntax-v2),
// RFC 5280. Identifiers other packages speak too (extensions, name
// attributes, algorithms) live in internal/oids.
var (
	// OIDQCStatements is the qcStatements certificate extension (RFC 3739).
	OIDQCStatements = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}

	// OIDQcCompliance: the certificate is an EU qualified certificate.
	OIDQcCompliance = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}
	// OIDQcRetentionPeriod: years the registration evidence is kept after expiry.
	OIDQcRetentionPeriod = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 3}
	// OIDQcSSCD: the private key lives in a qualified signature creation device.
	OIDQcSSCD = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 4}
	// OIDQcPDS: locations of the PKI disclosure statements.
	OIDQcPDS = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 5}
	// OIDQcType: the type of qualified certificate (esign, eseal, web).
	OIDQcType = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}
	// OIDQcTypeESign: certificate for electronic signatures.
	OIDQcTypeESign = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 1}

	// OIDQCSyntaxV2 is id-qcs-pkixQCSyntax-v2, the statement carrying a
	// semantics identifier (RFC 3739 section 3.2.6).
	OIDQCSyntaxV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 11, 2}
	// OIDSemanticsIDNatural is id-etsi-qcs-semanticsId-Natural
	// (ETSI EN 319 412-1 section 5.1.2).
	OIDSemanticsIDNatural = asn1.ObjectIdentifier{0, 4, 0, 194121, 1, 1}

	// OIDPolicyQCPn is QCP-n: qualified certificate for a natural person.
	OIDPolicyQCPn = asn1.ObjectIdentifier{0, 4, 0, 194112, 1, 0}
	// OIDPolicyQCPl is QCP-l: qualified certificate for a legal person.
	OIDPolicyQCPl = asn1.ObjectIdentifier{0, 4, 0, 194112, 1, 1}
	// OIDPolicyQCPnQSCD is QCP-n-qscd: QCP-n with the key in a QSCD.
	OIDPolicyQCPnQSCD = asn1.ObjectIdentifier{0, 4, 0, 194112, 1, 2}
	// OIDPolicyQCPlQSCD is QCP-l-qscd: QCP-l with the key in a QSCD.
	OIDPolicyQCPlQSCD = asn1.ObjectIdentifier{0, 4, 0, 194112, 1, 3}

	// OIDPolicyQualifierCPS is id-qt-cps, the CPS URI policy qualifier.
	OIDPolicyQualifierCPS = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 2, 1}
)

// qualifiedPolicies are the ETSI EN 319 411-2 policies that make a
// certificate qualified; any of them requires QcCompliance.
var qualifiedPolicies = []asn1.ObjectIdentifier{OIDPolicyQCPn, OIDPolicyQCPl, OIDPolicyQCPnQSCD, OIDPolicyQCPlQSCD}

// qscdPolicies are the policies that promise the key is in a QSCD; any of
// them requires QcSSCD.
var qscdPolicies = []asn1.ObjectIdentifier{OIDPolicyQCPnQSCD, OIDPolicyQCPlQSCD}
