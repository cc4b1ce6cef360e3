package ca

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
)

func TestHierarchy(t *testing.T) {
	tests := []struct {
		name            string
		rootAlg, issAlg keyAlg
		rootSigAlg      x509.SignatureAlgorithm
		issSigAlg       x509.SignatureAlgorithm
	}{
		{"ECDSA P-384 root, P-256 issuing", algP384, algP256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA384},
		{"ECDSA P-256 everywhere", algP256, algP256, x509.ECDSAWithSHA256, x509.ECDSAWithSHA256},
		{"RSA root, ECDSA issuing", algRSA2048, algP256, x509.SHA256WithRSA, x509.SHA256WithRSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pki := newTestPKI(t, tt.rootAlg, tt.issAlg)
			root, iss := pki.root, pki.issuing

			if root.SignatureAlgorithm != tt.rootSigAlg || iss.SignatureAlgorithm != tt.issSigAlg {
				t.Errorf("signature algorithms root %v issuing %v", root.SignatureAlgorithm, iss.SignatureAlgorithm)
			}
			if err := root.CheckSignatureFrom(root); err != nil {
				t.Errorf("root self-signature: %v", err)
			}
			if err := iss.CheckSignatureFrom(root); err != nil {
				t.Errorf("issuing CA signature: %v", err)
			}
			for _, c := range []*x509.Certificate{root, iss} {
				ku, critical := extension(t, c, asn1.ObjectIdentifier{2, 5, 29, 15})
				if !critical || c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign || len(ku) == 0 {
					t.Errorf("%s keyUsage %b critical %v", c.Subject.CommonName, c.KeyUsage, critical)
				}
				if _, critical := extension(t, c, asn1.ObjectIdentifier{2, 5, 29, 19}); !critical || !c.IsCA {
					t.Errorf("%s basicConstraints must be critical with cA", c.Subject.CommonName)
				}
				if len(c.SubjectKeyId) != 20 {
					t.Errorf("%s SKI %x", c.Subject.CommonName, c.SubjectKeyId)
				}
				if c.Subject.String() == "" || len(c.Subject.Organization) != 1 {
					t.Errorf("subject %v", c.Subject)
				}
			}
			if root.MaxPathLen != 1 || iss.MaxPathLen != 0 || !iss.MaxPathLenZero {
				t.Errorf("pathLen root %d issuing %d (zero %v)", root.MaxPathLen, iss.MaxPathLen, iss.MaxPathLenZero)
			}
			if !bytes.Equal(root.AuthorityKeyId, root.SubjectKeyId) || !bytes.Equal(iss.AuthorityKeyId, root.SubjectKeyId) {
				t.Error("AKI must point at the root's SKI")
			}
			if len(root.IssuingCertificateURL)+len(root.CRLDistributionPoints)+len(root.OCSPServer) != 0 {
				t.Error("a root carries no AIA or CRL DP")
			}
			if len(iss.IssuingCertificateURL) != 1 || iss.IssuingCertificateURL[0] != "http://pki.qes.test/root.crt" ||
				len(iss.CRLDistributionPoints) != 1 || iss.CRLDistributionPoints[0] != "http://pki.qes.test/root.crl" {
				t.Errorf("issuing CA AIA %v CRL DP %v", iss.IssuingCertificateURL, iss.CRLDistributionPoints)
			}
			// crypto/x509 path building accepts the chain.
			roots, inter := x509.NewCertPool(), x509.NewCertPool()
			roots.AddCert(root)
			inter.AddCert(iss)
			leaf, err := pki.issuer.IssueQualified(context.Background(), testProfile(t), QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				t.Fatalf("chain verification: %v", err)
			}
		})
	}
}

func TestSubordinateWithPolicies(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	sub, err := pki.rootIssuer.IssueSubordinateCA(context.Background(), testKey(t, algP384, "sub2").Public(), CARequest{
		Subject: orgName("QES Second CA"), NotBefore: pki.clock.Now(), NotAfter: pki.clock.Now().AddDate(5, 0, 0),
		PolicyOIDs: []string{"0.4.0.194112.1.2", "1.3.6.1.4.1.99999.1.1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := certPolicyIDs(sub)
	if len(got) != 2 || !got[0].Equal(OIDPolicyQCPnQSCD) {
		t.Fatalf("policies %v", got)
	}
}

func TestCARequestValidation(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	now := pki.clock.Now()
	good := CARequest{Subject: orgName("X CA"), NotBefore: now, NotAfter: now.AddDate(5, 0, 0)}
	tests := []struct {
		name   string
		mutate func(*CARequest)
		detail string
	}{
		{"no country", func(r *CARequest) { r.Subject.Country = nil }, "countryName"},
		{"bad country", func(r *CARequest) { r.Subject.Country = []string{"ZZ"} }, "countryName"},
		{"no organization", func(r *CARequest) { r.Subject.Organization = nil }, "organizationName"},
		{"no CN", func(r *CARequest) { r.Subject.CommonName = "" }, "common name is required"},
		{"inverted validity", func(r *CARequest) { r.NotAfter = r.NotBefore.Add(-time.Hour) }, "notBefore before notAfter"},
		{"zero notBefore", func(r *CARequest) { r.NotBefore = time.Time{} }, "notBefore before notAfter"},
		{"pathLen -2", func(r *CARequest) { r.MaxPathLen = -2 }, "MaxPathLen"},
		{"before the root", func(r *CARequest) { r.NotBefore = pki.root.NotBefore.Add(-time.Hour) }, "before its issuer"},
		{"after the root", func(r *CARequest) { r.NotAfter = pki.root.NotAfter.Add(time.Hour) }, "expire after the issuing CA"},
		{"bad policy", func(r *CARequest) { r.PolicyOIDs = []string{"x"} }, "invalid OID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := good
			req.Subject.Country = append([]string(nil), good.Subject.Country...)
			tt.mutate(&req)
			before := pki.rootSigner.calls.Load()
			_, err := pki.rootIssuer.IssueSubordinateCA(context.Background(), testKey(t, algP256, "sub2").Public(), req)
			if k := errs.KindOf(err); (k != errs.InvalidRequest && k != errs.Conflict) || !strings.Contains(errs.DetailOf(err), tt.detail) {
				t.Fatalf("err = %v, want a detail containing %q", err, tt.detail)
			}
			if pki.rootSigner.calls.Load() != before {
				t.Fatal("root key signed")
			}
		})
	}
}

func TestNewIssuerValidation(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	base := IssuerConfig{Certificate: pki.issuing, Signer: pki.issSigner, CAIssuersURL: "http://a.test/c.crt", CRLURL: "http://a.test/c.crl"}
	leaf, err := pki.issuer.IssueQualified(context.Background(), testProfile(t), QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(*IssuerConfig)
		detail string
	}{
		{"no certificate", func(c *IssuerConfig) { c.Certificate = nil }, "CA certificate"},
		{"wrong signer", func(c *IssuerConfig) { c.Signer = testKey(t, algP256, "other") }, "does not match"},
		{"leaf as CA", func(c *IssuerConfig) { c.Certificate = leaf }, "must be a CA"},
		{"relative CRL URL", func(c *IssuerConfig) { c.CRLURL = "/crl" }, "CRL URL"},
		{"ldap caIssuers", func(c *IssuerConfig) { c.CAIssuersURL = "ldap://a/c" }, "caIssuers"},
		{"bad OCSP URL", func(c *IssuerConfig) { c.OCSPURL = "ocsp" }, "OCSP URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.mutate(&cfg)
			_, err := NewIssuer(cfg)
			if !errs.Is(err, errs.InvalidRequest) || !strings.Contains(errs.DetailOf(err), tt.detail) {
				t.Fatalf("err = %v, want InvalidRequest containing %q", err, tt.detail)
			}
		})
	}
	// An issuer without OCSP URL cannot issue end-entity certificates.
	noOCSP, err := NewIssuer(base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := noOCSP.IssueQualified(context.Background(), testProfile(t), QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, algP256, "leaf").Public()}); !errs.Is(err, errs.InvalidRequest) {
		t.Fatalf("err = %v, want InvalidRequest for missing OCSP URL", err)
	}
}

func TestCreateRootRefusesBadInput(t *testing.T) {
	now := time.Now()
	signer := &countingSigner{Signer: testKey(t, algP256, "root")}
	tests := []struct {
		name string
		req  CARequest
	}{
		{"no organization", CARequest{Subject: pkix.Name{Country: []string{"IT"}, CommonName: "R"}, NotBefore: now, NotAfter: now.Add(time.Hour)}},
		{"no validity", CARequest{Subject: orgName("R")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := CreateRoot(context.Background(), signer, tt.req); !errs.Is(err, errs.InvalidRequest) {
				t.Fatalf("err = %v, want InvalidRequest", err)
			}
			if signer.calls.Load() != 0 {
				t.Fatal("root key signed")
			}
		})
	}
}

func TestCAKeysMustBeSignable(t *testing.T) {
	pki := newTestPKI(t, algP256, algP256)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	now := pki.clock.Now()
	req := CARequest{Subject: orgName("Ed CA"), NotBefore: now, NotAfter: now.AddDate(1, 0, 0)}
	if _, err := pki.rootIssuer.IssueSubordinateCA(context.Background(), edKey.Public(), req); !errs.Is(err, errs.InvalidRequest) {
		t.Fatalf("subordinate with Ed25519 key: %v, want InvalidRequest", err)
	}
	if _, err := CreateRoot(context.Background(), edKey, req); !errs.Is(err, errs.InvalidRequest) {
		t.Fatalf("root with Ed25519 key: %v, want InvalidRequest", err)
	}
}
