package ca

import "fmt"

// RevocationReason is a CRLReason code (RFC 5280 section 5.3.1).
type RevocationReason int

// CRLReason values. 7 is unused; removeFromCRL (8) belongs to delta CRLs,
// which this CA does not issue: a certificate released from hold simply
// leaves the next full CRL.
const (
	ReasonUnspecified          RevocationReason = 0
	ReasonKeyCompromise        RevocationReason = 1
	ReasonCACompromise         RevocationReason = 2
	ReasonAffiliationChanged   RevocationReason = 3
	ReasonSuperseded           RevocationReason = 4
	ReasonCessationOfOperation RevocationReason = 5
	ReasonCertificateHold      RevocationReason = 6
	ReasonRemoveFromCRL        RevocationReason = 8
	ReasonPrivilegeWithdrawn   RevocationReason = 9
	ReasonAACompromise         RevocationReason = 10
)

var reasonNames = map[RevocationReason]string{
	ReasonUnspecified:          "unspecified",
	ReasonKeyCompromise:        "keyCompromise",
	ReasonCACompromise:         "cACompromise",
	ReasonAffiliationChanged:   "affiliationChanged",
	ReasonSuperseded:           "superseded",
	ReasonCessationOfOperation: "cessationOfOperation",
	ReasonCertificateHold:      "certificateHold",
	ReasonRemoveFromCRL:        "removeFromCRL",
	ReasonPrivilegeWithdrawn:   "privilegeWithdrawn",
	ReasonAACompromise:         "aACompromise",
}

func (r RevocationReason) String() string {
	if s, ok := reasonNames[r]; ok {
		return s
	}
	return fmt.Sprintf("reason(%d)", int(r))
}

// endEntityRevocationReason reports whether r may revoke an end-entity
// certificate permanently: CA and attribute-authority compromise concern CA
// certificates, certificateHold is a suspension, removeFromCRL is delta-only.
func endEntityRevocationReason(r RevocationReason) bool {
	switch r {
	case ReasonUnspecified, ReasonKeyCompromise, ReasonAffiliationChanged, ReasonSuperseded,
		ReasonCessationOfOperation, ReasonPrivilegeWithdrawn:
		return true
	}
	return false
}

// crlEntryReason reports whether r may appear on this CA's CRL.
func crlEntryReason(r RevocationReason) bool {
	return endEntityRevocationReason(r) || r == ReasonCertificateHold
}
