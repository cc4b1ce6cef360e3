package tsa

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/oids"
)

var testPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}

// ekuStyle says how the test TSA certificate's extendedKeyUsage is formed.
type ekuStyle int

const (
	ekuCriticalTimeStamping ekuStyle = iota // what RFC 3161 wants
	ekuNone
	ekuNonCritical
	ekuWithServerAuth
)

// testPKI is root -> issuing CA -> TSA certificate, written as PEM files
// for openssl.
type testPKI struct {
	root, ca, tsa *x509.Certificate
	tsaKey        crypto.Signer
	rootPEM       string // path of the root certificate, the trust anchor
}

type issuer struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var (
	caOnce sync.Once
	caRoot issuer
	caSub  issuer
)

// testCAs makes the CA hierarchy once per test binary: key generation is
// the slow part of these tests.
func testCAs(t testing.TB) (issuer, issuer) {
	t.Helper()
	caOnce.Do(func() {
		rootKey := mustECDSA(t, elliptic.P256())
		caRoot = issuer{key: rootKey}
		caRoot.cert = mustCert(t, &x509.Certificate{
			Subject:               pkix.Name{CommonName: "qes test root", Organization: []string{"qes"}},
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}, rootKey.Public(), caRoot)
		subKey := mustECDSA(t, elliptic.P256())
		caSub = issuer{key: subKey}
		caSub.cert = mustCert(t, &x509.Certificate{
			Subject:               pkix.Name{CommonName: "qes test TSA CA", Organization: []string{"qes"}},
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}, subKey.Public(), caRoot)
	})
	return caRoot, caSub
}

func mustECDSA(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var rsaKeys sync.Map // bits -> *rsa.PrivateKey, reused across tests

func mustRSA(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	if k, ok := rsaKeys.Load(bits); ok {
		return k.(*rsa.PrivateKey)
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	rsaKeys.Store(bits, k)
	return k
}

// mustCert signs tmpl; a zero issuer.cert means self-signed.
func mustCert(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey, iss issuer) *x509.Certificate {
	t.Helper()
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	parent := iss.cert
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, iss.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// tsaCert issues a TSA certificate; Go marks extendedKeyUsage non-critical,
// so the critical form is written as an explicit extension.
func tsaCert(t testing.TB, key crypto.Signer, style ekuStyle) *x509.Certificate {
	t.Helper()
	_, ca := testCAs(t)
	tmpl := &x509.Certificate{
		Subject:  pkix.Name{CommonName: "qes test TSA", Organization: []string{"qes"}},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	purposes := []asn1.ObjectIdentifier{oids.KPTimeStamping}
	critical := true
	switch style {
	case ekuNone:
		purposes = nil
	case ekuNonCritical:
		critical = false
	case ekuWithServerAuth:
		purposes = append(purposes, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1})
	}
	if purposes != nil {
		value, err := asn1.Marshal(purposes)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oids.ExtKeyUsage, Critical: critical, Value: value}}
	}
	return mustCert(t, tmpl, key.Public(), ca)
}

// newTestPKI gives a TSA key of the named kind with a proper certificate
// and writes the root to a temp dir for openssl.
func newTestPKI(t testing.TB, kind string) *testPKI {
	t.Helper()
	root, ca := testCAs(t)
	var key crypto.Signer
	switch kind {
	case "P-256":
		key = mustECDSA(t, elliptic.P256())
	case "P-384":
		key = mustECDSA(t, elliptic.P384())
	case "RSA-2048":
		key = mustRSA(t, 2048)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	p := &testPKI{root: root.cert, ca: ca.cert, tsa: tsaCert(t, key, ekuCriticalTimeStamping), tsaKey: key}
	p.rootPEM = writePEM(t, "root.pem", root.cert)
	return p
}

func writePEM(t testing.TB, name string, certs ...*x509.Certificate) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	var data []byte
	for _, c := range certs {
		data = append(data, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// fixedClock returns a clock stuck at a time with a sub-second part, so
// tests see genTime's fraction; it stays near now so that openssl, which
// checks certificates at the real time, agrees with the token.
var testNow = time.Now().UTC().Truncate(time.Second).Add(789 * time.Millisecond)

func fixedClock() (time.Time, func() time.Time) {
	return testNow, func() time.Time { return testNow }
}

func newTestTSA(t testing.TB, p *testPKI, mutate ...func(*Config)) *TSA {
	t.Helper()
	_, now := fixedClock()
	cfg := Config{
		Signer:         p.tsaKey,
		Certificate:    p.tsa,
		Chain:          []*x509.Certificate{p.ca},
		Policy:         testPolicy,
		Accuracy:       1500 * time.Millisecond,
		Now:            now,
		IncludeTSAName: true,
		Logger:         slog.New(slog.DiscardHandler),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	tsa, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tsa
}
