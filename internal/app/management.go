package app

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"time"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/csc"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/verify"
)

// managementRoutes serves the holders' certificate management API, the
// emergency suspension and the signature verification (csc.NewManagement)
// under /api/v1/.
func (a *App) managementRoutes(mux *routeMux) {
	auth := a.Authorities
	mux.Handle("/api/v1/", csc.NewManagement(a.Credentials, a.Lifecycle, csc.ManageConfig{Tokens: a.Tokens, Verify: csc.VerifyConfig{
		Roots: []*x509.Certificate{auth.Root}, Intermediates: auth.IssuingChain, Status: registerStatus(a.CA, auth.IssuingChain[0]), Now: a.Now,
	}}, a.Log))
}

// registerStatus answers verify's status question from the CA's register
// for the certificates qes's issuing CA signed: the status at the signing
// (or time-stamp) time from the register's history of changes, so that a
// certificate on hold when it signed reads suspended even after it was
// reactivated, and one revoked after the signature reads good.
func registerStatus(reg *ca.Service, issuing *x509.Certificate) verify.StatusSource {
	const source = "qes certificate register"
	return func(ctx context.Context, cert *x509.Certificate, at time.Time) (verify.CertStatus, bool, error) {
		if !bytes.Equal(cert.RawIssuer, issuing.RawSubject) || cert.CheckSignatureFrom(issuing) != nil {
			return verify.CertStatus{}, false, nil
		}
		past, err := reg.StatusAt(ctx, cert.SerialNumber, at)
		if err != nil {
			var e *errs.Error
			if errors.As(err, &e) && e.Kind == errs.NotFound {
				return verify.CertStatus{Status: verify.StatusUnknown, Source: source}, true, nil
			}
			return verify.CertStatus{}, false, err
		}
		switch past.State {
		case ca.StateSuspended:
			return verify.CertStatus{Status: verify.StatusSuspended, Source: source, RevokedAt: past.Since}, true, nil
		case ca.StateRevoked:
			return verify.CertStatus{Status: verify.StatusRevoked, Source: source, RevokedAt: past.Since}, true, nil
		case ca.StateValid:
			// RevokedAt: a hold or revocation that began after the signature.
			return verify.CertStatus{Status: verify.StatusGood, Source: source, RevokedAt: past.Later}, true, nil
		default:
			return verify.CertStatus{Status: verify.StatusUnknown, Source: source}, true, nil
		}
	}
}
