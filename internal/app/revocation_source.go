package app

import (
	"github.com/qesproject/qes/ca/ocsp"
	"github.com/qesproject/qes/pades"
)

var _ pades.RevocationSource = (*ocsp.ValidationData)(nil)

// Revocation is the in-process revocation source for PAdES B-LT over the
// service's own hierarchy (ocsp.ValidationData).
func (a *App) Revocation() *ocsp.ValidationData {
	return &ocsp.ValidationData{Root: a.Authorities.Root, Issuing: a.Authorities.IssuingChain[0], Responder: a.OCSP, CRLs: a.CRLs}
}
