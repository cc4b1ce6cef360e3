package ca

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/fakeclock"
	"github.com/qesproject/qes/internal/testutil/testpki"
)

// countingSigner wraps a signer and counts Sign calls, to prove that a
// refused certificate never reached the CA key.
type countingSigner struct {
	crypto.Signer
	calls atomic.Int64
}

func (c *countingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	c.calls.Add(1)
	return c.Signer.Sign(r, digest, opts)
}

type keyAlg string

const (
	algP256    keyAlg = "P-256"
	algP384    keyAlg = "P-384"
	algRSA2048 keyAlg = "RSA-2048"
	algRSA3072 keyAlg = "RSA-3072"
)

// RSA key generation is slow; tests share keys per algorithm and slot.
func testKey(t testing.TB, alg keyAlg, slot string) crypto.Signer {
	t.Helper()
	return testpki.SlotKey(t, string(alg), slot)
}

func orgName(cn string) pkix.Name {
	return pkix.Name{
		Country:      []string{"IT"},
		Organization: []string{"QES Test Trust Services S.p.A."},
		CommonName:   cn,
		ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: []int{2, 5, 4, 97}, Value: "VATIT-00743110157"},
		},
	}
}

// testPKI is a root, an issuing CA and an Issuer for the issuing CA.
type testPKI struct {
	root, issuing         *x509.Certificate
	rootSigner, issSigner *countingSigner
	rootIssuer, issuer    *Issuer
	clock                 *fakeclock.Clock // the issuers' clock
}

func newTestPKI(t testing.TB, rootAlg, issAlg keyAlg) *testPKI {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	p := &testPKI{
		rootSigner: &countingSigner{Signer: testKey(t, rootAlg, "root")},
		issSigner:  &countingSigner{Signer: testKey(t, issAlg, "issuing")},
		clock:      fakeclock.New(now),
	}
	clock := p.clock.Now
	var err error
	p.root, err = CreateRoot(ctx, p.rootSigner, CARequest{
		Subject:    orgName("QES Test Root CA"),
		NotBefore:  now.Add(-time.Hour),
		NotAfter:   now.AddDate(20, 0, 0),
		MaxPathLen: 1,
	})
	if err != nil {
		t.Fatalf("CreateRoot: %v", err)
	}
	p.rootIssuer, err = NewIssuer(IssuerConfig{
		Certificate:  p.root,
		Signer:       p.rootSigner,
		CAIssuersURL: "http://pki.qes.test/root.crt",
		CRLURL:       "http://pki.qes.test/root.crl",
		Clock:        clock,
	})
	if err != nil {
		t.Fatalf("NewIssuer(root): %v", err)
	}
	p.issuing, err = p.rootIssuer.IssueSubordinateCA(ctx, p.issSigner.Public(), CARequest{
		Subject:    orgName("QES Test Qualified CA"),
		NotBefore:  now.Add(-time.Hour),
		NotAfter:   now.AddDate(10, 0, 0),
		MaxPathLen: 0,
	})
	if err != nil {
		t.Fatalf("IssueSubordinateCA: %v", err)
	}
	p.issuer, err = NewIssuer(IssuerConfig{
		Certificate:  p.issuing,
		Signer:       p.issSigner,
		CAIssuersURL: "http://pki.qes.test/qca.crt",
		OCSPURL:      "http://ocsp.qes.test/qca",
		CRLURL:       "http://pki.qes.test/qca.crl",
		Clock:        clock,
	})
	if err != nil {
		t.Fatalf("NewIssuer(issuing): %v", err)
	}
	return p
}

func testProfileConfig() QualifiedProfileConfig {
	return QualifiedProfileConfig{
		PolicyOID: "1.3.6.1.4.1.99999.1.1",
		CPSURI:    "https://pki.qes.test/cps",
		PDS: []PDSLocation{
			{URL: "https://pki.qes.test/pds-en.pdf", Language: "en"},
			{URL: "https://pki.qes.test/pds-it.pdf", Language: "it"},
		},
		RetentionYears: 20,
	}
}

func testProfile(t testing.TB) *QualifiedProfile {
	t.Helper()
	p, err := NewQualifiedProfile(testProfileConfig())
	if err != nil {
		t.Fatalf("NewQualifiedProfile: %v", err)
	}
	return p
}

// testOwner owns the qualified certificates the tests issue directly.
var testOwner = HolderOwner("holder-1", "cred-1")

func mario() NaturalPerson {
	return NaturalPerson{
		Country:      "IT",
		GivenName:    "Mario",
		Surname:      "Rossi",
		SerialNumber: "TINIT-RSSMRA80A01H501U",
		Email:        "mario.rossi@example.it",
	}
}
