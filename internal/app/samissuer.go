package app

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/sam"
	"github.com/qesproject/qes/storage"
)

// samIssuer is the CA as the SAM sees it (sam.Issuer). The SAM has its own
// word for a certificate's state, so that it links no CA code; the states
// are the same strings, and samStateOf converts.
type samIssuer struct{ *ca.Service }

// CertificateState is the CA's answer in the SAM's words.
func (i samIssuer) CertificateState(ctx context.Context, cert *x509.Certificate, now time.Time) (sam.CertState, error) {
	st, err := i.Service.CertificateState(ctx, cert, now)
	return samStateOf(st), err
}

// CertificateStateOf is StateOf in the SAM's words.
func (i samIssuer) CertificateStateOf(cert *x509.Certificate, rec *storage.Certificate, now time.Time) sam.CertState {
	return samStateOf(i.Service.StateOf(cert, rec, now))
}

// RegisterKey is the register's key of cert.
func (samIssuer) RegisterKey(cert *x509.Certificate) string { return ca.RegisterKey(cert) }

func samStateOf(st ca.State) sam.CertState { return sam.CertState(st) }
