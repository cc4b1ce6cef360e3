package pades

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

func TestCollectValidationInfo(t *testing.T) {
	pki := newPKI(t, "p256")
	tests := []struct {
		name                  string
		src                   RevocationSource
		certs, pool           []*x509.Certificate
		wantKind              errs.Kind
		nCerts, nOCSPs, nCRLs int
	}{
		{"signer chain", &testRevocation{pki: pki}, pki.chain(), nil, -1, 3, 2, 2},
		{"leaf only, issuers from pool", &testRevocation{pki: pki}, []*x509.Certificate{pki.signer}, []*x509.Certificate{pki.root, pki.ca}, -1, 3, 2, 2},
		{"TSA and signer share the CA", &testRevocation{pki: pki}, []*x509.Certificate{pki.tsa, pki.signer}, pki.chain(), -1, 4, 3, 2},
		{"CRL only for the signer", &testRevocation{pki: pki, noOCSPFor: "Erika Mustermann"}, pki.chain(), nil, -1, 3, 1, 2},
		{"missing issuer", &testRevocation{pki: pki}, []*x509.Certificate{pki.signer}, nil, errs.InvalidRequest, 0, 0, 0},
		{"no revocation data at all", &testRevocation{pki: pki, none: true}, pki.chain(), nil, errs.Unavailable, 0, 0, 0},
		{"no source", nil, pki.chain(), nil, errs.InvalidRequest, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vi, err := CollectValidationInfo(context.Background(), tt.src, tt.certs, tt.pool)
			if tt.wantKind >= 0 {
				if err == nil || errs.KindOf(err) != tt.wantKind {
					t.Fatalf("want %v error, got %v", tt.wantKind, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(vi.Certificates) != tt.nCerts || len(vi.OCSPs) != tt.nOCSPs || len(vi.CRLs) != tt.nCRLs {
				t.Fatalf("got %d certs, %d OCSP, %d CRL; want %d, %d, %d", len(vi.Certificates), len(vi.OCSPs), len(vi.CRLs), tt.nCerts, tt.nOCSPs, tt.nCRLs)
			}
		})
	}
}
