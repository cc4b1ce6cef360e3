package app

import (
	"crypto/x509"

	"github.com/qesproject/qes/csc"
	"github.com/qesproject/qes/signdoc"
)

// docSigner wires CSC signDoc: time-stamps from the in-process TSA and
// revocation data from the in-process OCSP responder and CRLs.
func (a *App) docSigner() *signdoc.Signer {
	tsaChain := append([]*x509.Certificate{a.Authorities.TSACert}, a.Authorities.IssuingChain...)
	return signdoc.New(a.Credentials, signdoc.Config{
		Timestamper:           localTimestamper{a.TSA},
		Revocation:            a.Revocation(),
		TimestampCertificates: tsaChain,
		ExtraCertificates:     a.Authorities.IssuingChain,
	})
}

// signDocLimits are the configured signDoc bounds (zero: csc's defaults).
func (a *App) signDocLimits() csc.SignDocLimits {
	c := a.Cfg.Service.SignDoc
	return csc.SignDocLimits{Budget: c.Budget, Wait: c.Wait.D(), PerCredential: csc.Rate{Burst: c.Burst, Every: c.Every.D()}}
}
