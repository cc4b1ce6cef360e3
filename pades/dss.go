package pades

import (
	"bytes"
	"context"
	"crypto/x509"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// RevocationSource supplies validation data for B-LT. Each method returns a
// DER OCSPResponse or DER CRL for cert, whose issuer is given; nil, nil means
// none applies (for instance no OCSP responder for that CA).
type RevocationSource interface {
	OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)
	CRL(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)
}

// ValidationInfo is the validation data a signature embeds (in the DSS for
// PAdES, in SignedData for CAdES): what a CSC signDoc response returns as
// validationInfo when returnValidationInfo is set. All values are DER.
type ValidationInfo struct {
	Certificates [][]byte
	OCSPs        [][]byte
	CRLs         [][]byte
}

func (v *ValidationInfo) merge(o ValidationInfo) {
	v.Certificates = appendUnique(v.Certificates, o.Certificates...)
	v.OCSPs = appendUnique(v.OCSPs, o.OCSPs...)
	v.CRLs = appendUnique(v.CRLs, o.CRLs...)
}

func appendUnique(list [][]byte, items ...[]byte) [][]byte {
	for _, it := range items {
		dup := false
		for _, l := range list {
			if bytes.Equal(l, it) {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, it)
		}
	}
	return list
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

func findIssuer(c *x509.Certificate, pool []*x509.Certificate) *x509.Certificate {
	for _, p := range pool {
		if bytes.Equal(p.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(p) == nil {
			return p
		}
	}
	return nil
}

// collectValidationInfo gathers the certificates of targets and their
// issuers up to a root and, for every certificate that is not a root, its
// OCSP response and/or CRL. pool holds further candidate issuers.
// Certificates without any revocation data are an error: a B-LT signature
// without them would not be verifiable in the long term.
func collectValidationInfo(ctx context.Context, src RevocationSource, targets, pool []*x509.Certificate) (ValidationInfo, error) {
	var vi ValidationInfo
	all := append(append([]*x509.Certificate(nil), targets...), pool...)
	queue := append([]*x509.Certificate(nil), targets...)
	seen := map[string]bool{}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if seen[string(c.Raw)] {
			continue
		}
		seen[string(c.Raw)] = true
		vi.Certificates = appendUnique(vi.Certificates, c.Raw)
		if isSelfSigned(c) {
			continue
		}
		issuer := findIssuer(c, all)
		if issuer == nil {
			return vi, errs.M(errs.InvalidRequest, msg.PAdESIssuerNotFound, c.Subject.String())
		}
		queue = append(queue, issuer)
		ocsp, err := src.OCSP(ctx, c, issuer)
		if err != nil {
			return vi, errs.WrapM(err, errs.Unavailable, msg.PAdESFetchOCSPResponse, c.Subject.String())
		}
		crl, err := src.CRL(ctx, c, issuer)
		if err != nil {
			return vi, errs.WrapM(err, errs.Unavailable, msg.PAdESFetchCRL, c.Subject.String())
		}
		if len(ocsp) == 0 && len(crl) == 0 {
			return vi, errs.M(errs.Unavailable, msg.PAdESNoRevocationData, c.Subject.String())
		}
		if len(ocsp) > 0 {
			vi.OCSPs = appendUnique(vi.OCSPs, ocsp)
		}
		if len(crl) > 0 {
			vi.CRLs = appendUnique(vi.CRLs, crl)
		}
	}
	return vi, nil
}

// appendDSS writes an update that adds vi to the document security store,
// keeping whatever a DSS already holds.
func (e *editor) appendDSS(vi ValidationInfo) ([]byte, error) {
	cat, err := e.catalog()
	if err != nil {
		return nil, err
	}
	old, err := e.resolveDict(cat.get("DSS"))
	if err != nil {
		return nil, err
	}
	dss := newDict().set("Type", name("DSS"))
	if old != nil {
		dss = old.clone()
	}
	u := newUpdate(&e.ch)
	for _, part := range []struct {
		key   name
		items [][]byte
	}{{"Certs", vi.Certificates}, {"OCSPs", vi.OCSPs}, {"CRLs", vi.CRLs}} {
		existing, err := e.resolveArray(dss.get(part.key))
		if err != nil {
			return nil, err
		}
		arr := append(array{}, existing...)
		for _, it := range part.items {
			r := u.alloc()
			u.putStream(r, newDict(), it)
			arr = append(arr, r)
		}
		if len(arr) > 0 {
			dss.set(part.key, arr)
		}
	}
	dssRef := u.alloc()
	e.put(u, dssRef, dss)
	newCat := cat.clone()
	newCat.set("DSS", dssRef)
	e.put(u, e.ch.root, newCat)
	return u.finish(), nil
}

// CollectValidationInfo returns the certificates and revocation data for
// certs up to their root, as B-LT embeds them: for a CSC signDoc response
// with returnValidationInfo at any level. pool supplies further issuers.
func CollectValidationInfo(ctx context.Context, src RevocationSource, certs, pool []*x509.Certificate) (ValidationInfo, error) {
	if src == nil {
		return ValidationInfo{}, errs.M(errs.InvalidRequest, msg.PAdESNoRevocationSource)
	}
	return collectValidationInfo(ctx, src, certs, pool)
}
