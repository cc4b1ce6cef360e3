package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/crypto/ocsp"
)

// maxRevocationResponse bounds an OCSP response or CRL download.
const maxRevocationResponse = 32 << 20

// aiaRevocation fetches validation data the way any client must: OCSP
// from the certificate's AIA responder, else the CRL from its distribution
// point, over plain HTTP (RFC 6960 / RFC 5280 publish them so). Answers are
// checked - signed by the issuer or its delegated responder, the
// certificate not revoked - before they go into a long-term signature.
type aiaRevocation struct {
	http *http.Client
	now  func() time.Time
}

// OCSP implements pades.RevocationSource.
func (a aiaRevocation) OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if len(cert.OCSPServer) == 0 {
		return nil, nil
	}
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil, fmt.Errorf("OCSP request for %q: %w", cert.Subject.CommonName, err)
	}
	der, err := a.fetch(ctx, http.MethodPost, cert.OCSPServer[0], req, "application/ocsp-request")
	if err != nil {
		return nil, err
	}
	resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
	if err != nil {
		return nil, fmt.Errorf("OCSP response from %s for %q: %w", cert.OCSPServer[0], cert.Subject.CommonName, err)
	}
	switch resp.Status {
	case ocsp.Good:
	case ocsp.Revoked:
		return nil, fmt.Errorf("the certificate %q is revoked (OCSP, since %s)", cert.Subject.CommonName, resp.RevokedAt.UTC().Format(time.RFC3339))
	default:
		return nil, fmt.Errorf("the OCSP responder does not know the certificate %q", cert.Subject.CommonName)
	}
	if !resp.NextUpdate.IsZero() && a.now().After(resp.NextUpdate) {
		return nil, fmt.Errorf("the OCSP response for %q is stale (next update %s)", cert.Subject.CommonName, resp.NextUpdate.UTC().Format(time.RFC3339))
	}
	return der, nil
}

// CRL implements pades.RevocationSource. When OCSP covers the certificate
// the CRL is skipped: it can be large and adds nothing.
func (a aiaRevocation) CRL(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if len(cert.OCSPServer) > 0 || len(cert.CRLDistributionPoints) == 0 {
		return nil, nil
	}
	point := cert.CRLDistributionPoints[0]
	der, err := a.fetch(ctx, http.MethodGet, point, nil, "")
	if err != nil {
		return nil, err
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("CRL from %s: %w", point, err)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, fmt.Errorf("CRL from %s is not signed by %q: %w", point, issuer.Subject.CommonName, err)
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			return nil, fmt.Errorf("the certificate %q is revoked (CRL, since %s)", cert.Subject.CommonName, e.RevocationTime.UTC().Format(time.RFC3339))
		}
	}
	if !crl.NextUpdate.IsZero() && a.now().After(crl.NextUpdate) {
		return nil, fmt.Errorf("the CRL from %s is stale (next update %s)", point, crl.NextUpdate.UTC().Format(time.RFC3339))
	}
	return der, nil
}

func (a aiaRevocation) fetch(ctx context.Context, method, rawURL string, body []byte, contentType string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("revocation URL %q is not http(s)", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxRevocationResponse+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rawURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: HTTP %d", rawURL, resp.StatusCode)
	}
	if len(raw) > maxRevocationResponse {
		return nil, fmt.Errorf("fetch %s: more than %d bytes", rawURL, maxRevocationResponse)
	}
	return raw, nil
}
