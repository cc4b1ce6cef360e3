// Package testpki builds certificate hierarchies for tests with crypto/x509
// alone, so that the tests of ca/ocsp, tsa, pades and the servers get the
// same roots, issuing CAs and leaves without importing the CA they may be
// testing (or internal/app). Keys are software keys; RSA keys are reused
// per size within a test binary because their generation dominates.
package testpki

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
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/oids"
)

// Key kinds.
const (
	P256    = "P-256"
	P384    = "P-384"
	P521    = "P-521"
	RSA1024 = "RSA-1024" // too short: for tests of the refusal
	RSA2048 = "RSA-2048"
	RSA3072 = "RSA-3072"
)

var rsaKeys sync.Map // bits -> *rsa.PrivateKey

// Key returns a key of kind: a fresh ECDSA key, or the binary's RSA key of
// that size.
func Key(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	switch kind {
	case P256, P384, P521:
		curve := map[string]elliptic.Curve{P256: elliptic.P256(), P384: elliptic.P384(), P521: elliptic.P521()}[kind]
		k, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	case RSA1024, RSA2048, RSA3072:
		bits := map[string]int{RSA1024: 1024, RSA2048: 2048, RSA3072: 3072}[kind]
		if k, ok := rsaKeys.Load(bits); ok {
			return k.(*rsa.PrivateKey)
		}
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		actual, _ := rsaKeys.LoadOrStore(bits, k)
		return actual.(*rsa.PrivateKey)
	}
	t.Fatalf("testpki: unknown key kind %q", kind)
	return nil
}

var slotKeys sync.Map // kind/slot -> crypto.Signer

// SlotKey returns the binary's key of kind for slot ("root", "issuing",
// "leaf"...): the same key each time a slot is asked for, distinct keys
// for distinct slots, so a suite can reuse slow RSA keys without a CA
// certifying its own key.
func SlotKey(t testing.TB, kind, slot string) crypto.Signer {
	t.Helper()
	id := kind + "/" + slot
	if k, ok := slotKeys.Load(id); ok {
		return k.(crypto.Signer)
	}
	var k crypto.Signer
	switch kind {
	case RSA1024, RSA2048, RSA3072:
		bits := map[string]int{RSA1024: 1024, RSA2048: 2048, RSA3072: 3072}[kind]
		rk, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		k = rk
	default:
		k = Key(t, kind)
	}
	actual, _ := slotKeys.LoadOrStore(id, k)
	return actual.(crypto.Signer)
}

// Issuer is a CA certificate and its key.
type Issuer struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewRoot self-signs a root CA certificate for key.
func NewRoot(t testing.TB, subject pkix.Name, key crypto.Signer) Issuer {
	t.Helper()
	tmpl := caTemplate(subject)
	return Issuer{Cert: sign(t, tmpl, tmpl, key.Public(), key), Key: key}
}

// SubCA issues a CA certificate for key under i. pathLenZero makes it an
// issuing CA that certifies end entities only.
func (i Issuer) SubCA(t testing.TB, subject pkix.Name, key crypto.Signer, pathLenZero bool) Issuer {
	t.Helper()
	tmpl := caTemplate(subject)
	tmpl.MaxPathLenZero = pathLenZero
	return Issuer{Cert: i.Issue(t, tmpl, key.Public()), Key: key}
}

// Issue signs tmpl for pub. A nil SerialNumber becomes a random 120-bit
// one; a zero validity becomes an hour ago to a day ahead, near the real
// time because openssl and pdfsig check against it.
func (i Issuer) Issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	return sign(t, tmpl, i.Cert, pub, i.Key)
}

func caTemplate(subject pkix.Name) *x509.Certificate {
	return &x509.Certificate{
		Subject:               subject,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

func sign(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	if tmpl.SerialNumber == nil {
		serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		if err != nil {
			t.Fatal(err)
		}
		tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	}
	if tmpl.NotBefore.IsZero() && tmpl.NotAfter.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatalf("testpki: create certificate %q: %v", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ExtKeyUsage writes extendedKeyUsage by hand: crypto/x509 always marks it
// non-critical, and RFC 3161 wants the TSA's critical with only
// id-kp-timeStamping.
func ExtKeyUsage(t testing.TB, critical bool, purposes ...asn1.ObjectIdentifier) pkix.Extension {
	t.Helper()
	value, err := asn1.Marshal(purposes)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oids.ExtKeyUsage, Critical: critical, Value: value}
}

// TimeStamping is the extendedKeyUsage RFC 3161 requires of a TSA.
func TimeStamping(t testing.TB) pkix.Extension {
	return ExtKeyUsage(t, true, oids.KPTimeStamping)
}

// OCSPNoCheck is id-pkix-ocsp-nocheck, which a delegated OCSP responder
// certificate carries (RFC 6960 4.2.2.2.1).
func OCSPNoCheck() pkix.Extension {
	return pkix.Extension{Id: oids.OCSPNoCheck, Value: asn1.NullBytes}
}

// PEM encodes certificates.
func PEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// WritePEM writes certificates to name in a fresh temporary directory and
// returns the path, for openssl.
func WritePEM(t testing.TB, name string, certs ...*x509.Certificate) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, PEM(certs...), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// SelfSigned signs tmpl with its own key, such as a TLS server certificate
// that the test's client trusts directly.
func SelfSigned(t testing.TB, tmpl *x509.Certificate, key crypto.Signer) *x509.Certificate {
	t.Helper()
	return sign(t, tmpl, tmpl, key.Public(), key)
}
