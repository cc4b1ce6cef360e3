package ca

import (
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Owner says whose certificate is being issued; the register records it
// with the serial before the CA key signs (IssuerConfig.BeforeSign). It is
// part of every issuance request so that a forgotten owner is refused
// instead of turning a holder's certificate into a service certificate.
type Owner struct {
	// Service marks the CA's own certificates (subordinate CA, OCSP
	// responder, TSA): they belong to no holder.
	Service bool
	// HolderID and CredentialID name the holder and the credential (key)
	// of a qualified certificate.
	HolderID     string
	CredentialID string
}

// ServiceOwner owns the CA's own service certificates.
var ServiceOwner = Owner{Service: true}

// HolderOwner owns a holder's certificate for one credential.
func HolderOwner(holderID, credentialID string) Owner {
	return Owner{HolderID: holderID, CredentialID: credentialID}
}

// validateHolder accepts a holder's owner: both identifiers, not a service.
func (o Owner) validateHolder() error {
	if o.Service || o.HolderID == "" || o.CredentialID == "" {
		return errs.M(errs.InvalidRequest, msg.CAOwnerMissing)
	}
	return nil
}
