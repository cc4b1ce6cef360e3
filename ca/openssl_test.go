package ca

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/validator"
)

// openssl runs the real openssl binary; tests skip when it is absent (and
// fail under CI=true).
func openssl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := validator.Need(t, "openssl")
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

func writePEM(t *testing.T, dir, name, typ string, ders ...[]byte) string {
	t.Helper()
	var buf []byte
	for _, der := range ders {
		buf = append(buf, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})...)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type opensslFixture struct {
	pki                   *testPKI
	dir                   string
	root, issuing, bundle string
	qualified, ocsp, tsa  string
	qualifiedCert         *x509.Certificate
	rootCRL               string
}

func newOpenSSLFixture(t *testing.T, rootAlg, issAlg, leafAlg keyAlg) *opensslFixture {
	t.Helper()
	validator.Need(t, "openssl")
	ctx := context.Background()
	pki := newTestPKI(t, rootAlg, issAlg)
	// openssl checks validity against the wall clock.
	pki.clock.Set(time.Now().UTC().Truncate(time.Second))
	dir := t.TempDir()
	f := &opensslFixture{pki: pki, dir: dir}
	var err error
	f.qualifiedCert, err = pki.issuer.IssueQualified(ctx, testProfile(t), QualifiedRequest{Owner: testOwner, Subject: mario(), PublicKey: testKey(t, leafAlg, "leaf").Public()})
	if err != nil {
		t.Fatal(err)
	}
	ocsp, err := pki.issuer.IssueOCSPResponder(ctx, ServiceRequest{Subject: orgName("QES OCSP Responder"), PublicKey: testKey(t, leafAlg, "ocsp").Public()})
	if err != nil {
		t.Fatal(err)
	}
	tsa, err := pki.issuer.IssueTSA(ctx, ServiceRequest{Subject: orgName("QES TSU 1"), PublicKey: testKey(t, leafAlg, "tsa").Public()})
	if err != nil {
		t.Fatal(err)
	}
	rootCRL, err := pki.rootIssuer.CreateCRL(ctx, CRLRequest{Number: big.NewInt(1)})
	if err != nil {
		t.Fatal(err)
	}
	f.root = writePEM(t, dir, "root.pem", "CERTIFICATE", pki.root.Raw)
	f.issuing = writePEM(t, dir, "issuing.pem", "CERTIFICATE", pki.issuing.Raw)
	f.bundle = writePEM(t, dir, "bundle.pem", "CERTIFICATE", pki.root.Raw, pki.issuing.Raw)
	f.qualified = writePEM(t, dir, "leaf.pem", "CERTIFICATE", f.qualifiedCert.Raw)
	f.ocsp = writePEM(t, dir, "ocsp.pem", "CERTIFICATE", ocsp.Raw)
	f.tsa = writePEM(t, dir, "tsa.pem", "CERTIFICATE", tsa.Raw)
	f.rootCRL = writePEM(t, dir, "root-crl.pem", "X509 CRL", rootCRL)
	return f
}

func TestOpenSSLText(t *testing.T) {
	f := newOpenSSLFixture(t, algP256, algP256, algP256)
	out, err := openssl(t, "x509", "-in", f.qualified, "-text", "-noout")
	if err != nil {
		t.Fatalf("openssl x509 -text: %v\n%s", err, out)
	}
	for _, want := range []string{
		"X509v3 Key Usage: critical",
		"Non Repudiation",
		"Policy: 0.4.0.194112.1.2",
		"Policy: 1.3.6.1.4.1.99999.1.1",
		"CPS: https://pki.qes.test/cps",
		"qcStatements",
		"CA Issuers - URI:http://pki.qes.test/qca.crt",
		"OCSP - URI:http://ocsp.qes.test/qca",
		"URI:http://pki.qes.test/qca.crl",
		"email:mario.rossi@example.it",
		"serialNumber = TINIT-RSSMRA80A01H501U",
		"GN = Mario",
		"SN = Rossi",
		"CN = Mario Rossi",
		"X509v3 Subject Key Identifier",
		"X509v3 Authority Key Identifier",
		"ecdsa-with-SHA256",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("openssl output lacks %q", want)
		}
	}
	if strings.Contains(out, "Digital Signature") {
		t.Error("qualified certificate must carry nonRepudiation only")
	}
	if testing.Verbose() {
		t.Log(out)
	}
}

func TestOpenSSLVerifyChains(t *testing.T) {
	for _, algs := range []struct{ root, iss, leaf keyAlg }{
		{algP384, algP256, algP256},
		{algRSA2048, algRSA2048, algRSA3072},
		{algP256, algP384, algP384},
	} {
		t.Run(string(algs.root)+"/"+string(algs.iss)+"/"+string(algs.leaf), func(t *testing.T) {
			f := newOpenSSLFixture(t, algs.root, algs.iss, algs.leaf)
			tests := []struct {
				name string
				cert string
				args []string
			}{
				{"qualified", f.qualified, nil},
				{"qualified purpose any", f.qualified, []string{"-purpose", "any"}},
				{"qualified purpose smimesign", f.qualified, []string{"-purpose", "smimesign"}},
				{"OCSP responder purpose any", f.ocsp, []string{"-purpose", "any"}},
				{"OCSP responder purpose ocsphelper", f.ocsp, []string{"-purpose", "ocsphelper"}},
				{"TSA purpose any", f.tsa, []string{"-purpose", "any"}},
				// timestampsign demands a critical EKU with only id-kp-timeStamping.
				{"TSA purpose timestampsign", f.tsa, []string{"-purpose", "timestampsign"}},
				{"issuing CA with root CRL", f.issuing, []string{"-crl_check", "-CRLfile", f.rootCRL}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					args := append([]string{"verify", "-x509_strict", "-CAfile", f.root, "-untrusted", f.issuing}, tt.args...)
					out, err := openssl(t, append(args, tt.cert)...)
					if err != nil || !strings.Contains(out, ": OK") {
						t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
					}
				})
			}
		})
	}
}

// timestampsign must fail for a certificate without the TSA EKU: proves the
// purpose check above is not vacuous.
func TestOpenSSLTimestampPurposeRejectsQualified(t *testing.T) {
	f := newOpenSSLFixture(t, algP256, algP256, algP256)
	out, err := openssl(t, "verify", "-CAfile", f.root, "-untrusted", f.issuing, "-purpose", "timestampsign", f.qualified)
	if err == nil || strings.Contains(out, ": OK") {
		t.Fatalf("a qualified signing certificate passed the timestampsign purpose:\n%s", out)
	}
}

func TestOpenSSLCRL(t *testing.T) {
	f := newOpenSSLFixture(t, algP256, algP256, algP256)
	ctx := context.Background()
	lc := Lifecycle{}
	serial := f.qualifiedCert.SerialNumber
	issued := f.pki.clock.Now().Add(-time.Minute)
	st := NewCertStatus(f.qualifiedCert.NotAfter, issued)

	crlFile := func(name string, s CertStatus, number int64) string {
		t.Helper()
		var entries []CRLEntry
		if e, ok := s.CRLEntry(serial); ok {
			entries = append(entries, e)
		}
		der, err := f.pki.issuer.CreateCRL(ctx, CRLRequest{Number: big.NewInt(number), ThisUpdate: f.pki.clock.Now(), Entries: entries})
		if err != nil {
			t.Fatal(err)
		}
		path := writePEM(t, f.dir, name, "X509 CRL", der)
		out, err := openssl(t, "crl", "-in", path, "-noout", "-verify", "-CAfile", f.bundle)
		if err != nil || !strings.Contains(out, "verify OK") {
			t.Fatalf("openssl crl -verify: %v\n%s", err, out)
		}
		return path
	}
	verifyWithCRL := func(crl string) (string, error) {
		return openssl(t, "verify", "-crl_check_all", "-CAfile", f.root, "-untrusted", f.issuing,
			"-CRLfile", crl, "-CRLfile", f.rootCRL, f.qualified)
	}

	out, err := verifyWithCRL(crlFile("empty.pem", st, 1))
	if err != nil || !strings.Contains(out, ": OK") {
		t.Fatalf("active certificate with CRL check: %v\n%s", err, out)
	}

	held, err := lc.Suspend(st, f.pki.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	holdCRL := crlFile("hold.pem", held, 2)
	text, err := openssl(t, "crl", "-in", holdCRL, "-noout", "-text")
	if err != nil || !strings.Contains(text, "Certificate Hold") || !strings.Contains(text, "X509v3 CRL Number") || !strings.Contains(text, "X509v3 Authority Key Identifier") {
		t.Fatalf("CRL text lacks hold, number or AKI: %v\n%s", err, text)
	}
	if out, err := verifyWithCRL(holdCRL); err == nil || !strings.Contains(out, "certificate revoked") {
		t.Fatalf("suspended certificate passed the CRL check:\n%s", out)
	}

	back, err := lc.Reactivate(held, f.pki.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if out, err := verifyWithCRL(crlFile("back.pem", back, 3)); err != nil || !strings.Contains(out, ": OK") {
		t.Fatalf("reactivated certificate with CRL check: %v\n%s", err, out)
	}

	revoked, err := lc.Revoke(back, ReasonKeyCompromise, f.pki.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	revCRL := crlFile("revoked.pem", revoked, 4)
	if out, err := verifyWithCRL(revCRL); err == nil || !strings.Contains(out, "certificate revoked") {
		t.Fatalf("revoked certificate passed the CRL check:\n%s", out)
	}
	if text, _ := openssl(t, "crl", "-in", revCRL, "-noout", "-text"); !strings.Contains(text, "Key Compromise") {
		t.Fatalf("CRL text lacks the reason:\n%s", text)
	}
}
