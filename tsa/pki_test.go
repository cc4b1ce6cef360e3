package tsa

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/internal/testutil/fakeclock"
	"github.com/qesproject/qes/internal/testutil/testpki"
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

var (
	caOnce sync.Once
	caRoot testpki.Issuer
	caSub  testpki.Issuer
)

// testCAs makes the CA hierarchy once per test binary: key generation is
// the slow part of these tests.
func testCAs(t testing.TB) (testpki.Issuer, testpki.Issuer) {
	t.Helper()
	caOnce.Do(func() {
		caRoot = testpki.NewRoot(t, pkix.Name{CommonName: "qes test root", Organization: []string{"qes"}}, testpki.Key(t, testpki.P256))
		caSub = caRoot.SubCA(t, pkix.Name{CommonName: "qes test TSA CA", Organization: []string{"qes"}}, testpki.Key(t, testpki.P256), false)
	})
	return caRoot, caSub
}

// tsaCert issues a TSA certificate with the extendedKeyUsage style asked.
func tsaCert(t testing.TB, key crypto.Signer, style ekuStyle) *x509.Certificate {
	t.Helper()
	_, ca := testCAs(t)
	tmpl := &x509.Certificate{
		Subject:  pkix.Name{CommonName: "qes test TSA", Organization: []string{"qes"}},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	switch style {
	case ekuCriticalTimeStamping:
		tmpl.ExtraExtensions = []pkix.Extension{testpki.TimeStamping(t)}
	case ekuNonCritical:
		tmpl.ExtraExtensions = []pkix.Extension{testpki.ExtKeyUsage(t, false, oids.KPTimeStamping)}
	case ekuWithServerAuth:
		tmpl.ExtraExtensions = []pkix.Extension{testpki.ExtKeyUsage(t, true, oids.KPTimeStamping, asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1})}
	}
	return ca.Issue(t, tmpl, key.Public())
}

// newTestPKI gives a TSA key of the named kind (a testpki key kind) with a
// proper certificate and writes the root to a temp dir for openssl.
func newTestPKI(t testing.TB, kind string) *testPKI {
	t.Helper()
	root, ca := testCAs(t)
	key := testpki.Key(t, kind)
	p := &testPKI{root: root.Cert, ca: ca.Cert, tsa: tsaCert(t, key, ekuCriticalTimeStamping), tsaKey: key}
	p.rootPEM = testpki.WritePEM(t, "root.pem", root.Cert)
	return p
}

// fixedClock returns a clock stuck at a time with a sub-second part, so
// tests see genTime's fraction; it stays near now so that openssl, which
// checks certificates at the real time, agrees with the token.
var testNow = time.Now().UTC().Truncate(time.Second).Add(789 * time.Millisecond)

func fixedClock() (time.Time, func() time.Time) {
	return testNow, fakeclock.New(testNow).Now
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
		Clock:          UncheckedClock{}, // test machines' clocks need no NTP
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
