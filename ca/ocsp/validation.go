package ocsp

import (
	"bytes"
	"context"
	"crypto/x509"

	"github.com/qesproject/qes/ca"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// ValidationData gives PAdES B-LT (pades.RevocationSource) the validation
// data of qes's own CA hierarchy in-process, without an HTTP round trip to
// itself:
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
type ValidationData struct {
	Root      *x509.Certificate
	Issuing   *x509.Certificate
	Responder *Responder // for the issuing CA
	CRLs      *ca.CRLPublisher
}

func hasNoCheck(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oids.OCSPNoCheck) {
			return true
		}
	}
	return false
}

// issuedBy reports whether issuer is the given CA of ours and cert really
// was signed by it (a look-alike certificate must not get our answer).
func issuedBy(cert, issuer, ca *x509.Certificate) bool {
	return cert != nil && issuer != nil && bytes.Equal(issuer.Raw, ca.Raw) && cert.CheckSignatureFrom(ca) == nil
}

// OCSP returns a DER OCSPResponse for certificates of the issuing CA.
func (v *ValidationData) OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if !issuedBy(cert, issuer, v.Issuing) || hasNoCheck(cert) {
		return nil, nil
	}
	return v.Responder.SignedResponse(ctx, cert.SerialNumber)
}

// CRL returns the root's CRL for the issuing CA, and the issuing CA's CRL
// for the OCSP responder's certificate.
func (v *ValidationData) CRL(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	name := ""
	switch {
	case issuedBy(cert, issuer, v.Root) && !bytes.Equal(cert.Raw, v.Root.Raw):
		name = ca.CRLRoot
	case issuedBy(cert, issuer, v.Issuing) && hasNoCheck(cert):
		name = ca.CRLIssuing
	default:
		return nil, nil
	}
	c := v.CRLs.Current(name)
	if c == nil {
		return nil, errs.M(errs.Unavailable, msg.OCSPCRLNotPublishedYet, name)
	}
	return c.DER, nil
}
