package app

import (
	"crypto/x509"

	"github.com/qesproject/qes/credential"
)

// docSigner wires CSC signDoc: time-stamps from the in-process TSA.
func (a *App) docSigner() *credential.DocSigner {
	tsaChain := append([]*x509.Certificate{a.Authorities.TSACert}, a.Authorities.IssuingChain...)
	return credential.NewDocSigner(a.Credentials, credential.DocSignerConfig{
		Timestamper:           localTimestamper{a.TSA},
		TimestampCertificates: tsaChain,
		ExtraCertificates:     a.Authorities.IssuingChain,
	})
}
