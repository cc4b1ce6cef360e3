package app

import (
	"bytes"
	"context"
	"crypto/x509"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/pades"
)

// RevocationSource gives PAdES B-LT the validation data of qes's own CA
// hierarchy in-process, without an HTTP round trip to itself:
//
//   - a holder's or the TSA's certificate (issued by the issuing CA): an
//     OCSP response signed now by the delegated responder;
//   - the OCSP responder's certificate: no OCSP (id-pkix-ocsp-nocheck, and a
//     responder cannot vouch for itself) but the issuing CA's CRL, which
//     covers it, so that a validator asking for any revocation data finds
//     some;
//   - the issuing CA's certificate: the root's CRL.
//
// Anything else (another CA's certificates) gets nil, nil.
type RevocationSource struct{ a *App }

var _ pades.RevocationSource = (*RevocationSource)(nil)

// Revocation is the in-process revocation source for PAdES B-LT.
func (a *App) Revocation() *RevocationSource { return &RevocationSource{a: a} }

func hasNoCheck(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oids.OCSPNoCheck) {
			return true
		}
	}
	return false
}

// ours reports whether issuer is the given CA of ours and cert really was
// signed by it (a look-alike certificate must not get our answer).
func ours(cert, issuer, ca *x509.Certificate) bool {
	return cert != nil && issuer != nil && bytes.Equal(issuer.Raw, ca.Raw) && cert.CheckSignatureFrom(ca) == nil
}

// OCSP returns a DER OCSPResponse for certificates of the issuing CA.
func (r *RevocationSource) OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if !ours(cert, issuer, r.a.Authorities.IssuingChain[0]) || hasNoCheck(cert) {
		return nil, nil
	}
	return r.a.OCSP.SignedResponse(ctx, cert.SerialNumber)
}

// CRL returns the root's CRL for the issuing CA, and the issuing CA's CRL
// for the OCSP responder's certificate.
func (r *RevocationSource) CRL(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	name := ""
	switch {
	case ours(cert, issuer, r.a.Authorities.Root) && !bytes.Equal(cert.Raw, r.a.Authorities.Root.Raw):
		name = ca.CRLRoot
	case ours(cert, issuer, r.a.Authorities.IssuingChain[0]) && hasNoCheck(cert):
		name = ca.CRLIssuing
	default:
		return nil, nil
	}
	c := r.a.CRLs.Current(name)
	if c == nil {
		return nil, errs.Ef(errs.Unavailable, "the %s CRL is not published yet", name)
	}
	return c.DER, nil
}
