package ca

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
)

func TestIssueOCSPResponder(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	for _, alg := range []keyAlg{algP256, algRSA2048} {
		t.Run(string(alg), func(t *testing.T) {
			cert, err := pki.issuer.IssueOCSPResponder(context.Background(), ServiceRequest{Subject: orgName("QES OCSP Responder"), PublicKey: testKey(t, alg, "ocsp").Public()})
			if err != nil {
				t.Fatal(err)
			}
			if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageOCSPSigning {
				t.Errorf("EKU %v", cert.ExtKeyUsage)
			}
			if v, critical := extension(t, cert, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}); critical || string(v) != "\x05\x00" {
				t.Errorf("ocsp-nocheck = %x critical %v, want non-critical NULL", v, critical)
			}
			if cert.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("keyUsage %b", cert.KeyUsage)
			}
			if cert.IsCA || len(cert.OCSPServer) != 0 || len(cert.CRLDistributionPoints) != 0 {
				t.Error("responder must be an end entity without revocation pointers")
			}
			if got, want := cert.NotAfter.Sub(pki.clock.Now()), DefaultOCSPResponderValidity-time.Second; got != want {
				t.Errorf("validity %v, want %v", got, want)
			}
		})
	}
}

func TestIssueTSA(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	cert, err := pki.issuer.IssueTSA(context.Background(), ServiceRequest{Subject: orgName("QES TSU 1"), PublicKey: testKey(t, algP384, "tsa").Public(), PolicyOIDs: []string{"0.4.0.2023.1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	v, critical := extension(t, cert, asn1.ObjectIdentifier{2, 5, 29, 37})
	var ekus []asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(v, &ekus); err != nil || !critical || len(ekus) != 1 || ekus[0].String() != "1.3.6.1.5.5.7.3.8" {
		t.Errorf("EKU %v critical %v (%v): want critical id-kp-timeStamping only", ekus, critical, err)
	}
	if cert.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("keyUsage %b", cert.KeyUsage)
	}
	if len(cert.OCSPServer) != 1 || len(cert.CRLDistributionPoints) != 1 || len(cert.IssuingCertificateURL) != 1 {
		t.Error("TSU certificate needs AIA and CRL DP")
	}
	if want := pki.clock.Now().AddDate(DefaultTSAValidityYears, 0, 0).Add(-time.Second); !cert.NotAfter.Equal(want) {
		t.Errorf("notAfter %v, want %v", cert.NotAfter, want)
	}
	if p := certPolicyIDs(cert); len(p) != 1 || p[0].String() != "0.4.0.2023.1.1" {
		t.Errorf("policies %v", p)
	}
}

func TestServiceRequestValidation(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	good := ServiceRequest{Subject: orgName("QES TSU"), PublicKey: testKey(t, algP256, "tsa").Public()}
	tests := []struct {
		name   string
		mutate func(*ServiceRequest)
		detail string
	}{
		{"no CN", func(r *ServiceRequest) { r.Subject.CommonName = "" }, "common name"},
		{"no country", func(r *ServiceRequest) { r.Subject.Country = nil }, "countryName"},
		{"no key", func(r *ServiceRequest) { r.PublicKey = nil }, "missing"},
		{"negative validity", func(r *ServiceRequest) { r.Validity = -time.Hour }, "validity"},
		{"bad policy", func(r *ServiceRequest) { r.PolicyOIDs = []string{"1"} }, "invalid OID"},
	}
	for _, tt := range tests {
		for _, issue := range []struct {
			name string
			f    func(context.Context, ServiceRequest) (*x509.Certificate, error)
		}{{"OCSP", pki.issuer.IssueOCSPResponder}, {"TSA", pki.issuer.IssueTSA}} {
			t.Run(tt.name+"/"+issue.name, func(t *testing.T) {
				req := good
				tt.mutate(&req)
				before := pki.issSigner.calls.Load()
				_, err := issue.f(context.Background(), req)
				if !errs.Is(err, errs.InvalidRequest) || !strings.Contains(errs.DetailOf(err), tt.detail) {
					t.Fatalf("err = %v, want InvalidRequest containing %q", err, tt.detail)
				}
				if pki.issSigner.calls.Load() != before {
					t.Fatal("CA key signed")
				}
			})
		}
	}
}
