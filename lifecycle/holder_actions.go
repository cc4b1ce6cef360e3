package lifecycle

import (
	"slices"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/sam"
)

// HolderActions lists what a holder may ask of a certificate in state st,
// in the order a page offers them: a valid certificate can be renewed,
// suspended or revoked; a suspended one reactivated or revoked; nothing
// else can change (a revoked or expired certificate needs a new
// enrolment). The register enforces the same transitions.
func HolderActions(st sam.CertState) []Action {
	switch st {
	case sam.CertValid:
		return []Action{ActionRenew, ActionSuspend, ActionRevoke}
	case sam.CertSuspended:
		return []Action{ActionReactivate, ActionRevoke}
	}
	return nil
}

// HolderRevocationReasons are the revocation reasons a holder may give,
// by code.
func HolderRevocationReasons() []ca.RevocationReason {
	out := make([]ca.RevocationReason, 0, len(holderReasons))
	for r := range holderReasons {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}
