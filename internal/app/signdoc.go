package app

import (
	"crypto/x509"

	"github.com/qesproject/qes/credential"
)

// docSigner wires CSC signDoc: time-stamps from the in-process TSA and
// revocation data from the in-process OCSP responder and CRLs.
func (a *App) docSigner() *credential.DocSigner {
	tsaChain := append([]*x509.Certificate{a.Authorities.TSACert}, a.Authorities.IssuingChain...)
	return credential.NewDocSigner(a.Credentials, credential.DocSignerConfig{
		Timestamper:           localTimestamper{a.TSA},
		Revocation:            a.Revocation(),
		TimestampCertificates: tsaChain,
		ExtraCertificates:     a.Authorities.IssuingChain,
	})
}
