package app

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/sam"
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

func samStateOf(st ca.State) sam.CertState { return sam.CertState(st) }
