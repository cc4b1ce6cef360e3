package ocsp

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/testpki"
)

type issuer struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func (i issuer) pki() testpki.Issuer { return testpki.Issuer{Cert: i.cert, Key: i.key} }

// testPKI is root -> issuing CA -> {leaves, delegated OCSP responder}.
type testPKI struct {
	root, ca  issuer
	responder issuer
	leaves    map[string]*x509.Certificate // by name
}

var (
	pkiOnce   sync.Once
	sharedPKI *testPKI
)

// newTestPKI builds the hierarchy once per test binary; key generation
// dominates these tests otherwise.
func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		p := &testPKI{leaves: map[string]*x509.Certificate{}}
		p.root = newCA(t, "qes test root", issuer{})
		p.ca = newCA(t, "qes test issuing CA", p.root)
		p.responder = newResponderCert(t, p.ca, testpki.Key(t, testpki.P256), true, true)
		for _, name := range []string{"good", "revoked", "held", "unknown", "changing", "bench"} {
			p.leaves[name] = p.ca.pki().Issue(t, &x509.Certificate{
				Subject:     pkix.Name{CommonName: "holder " + name},
				KeyUsage:    x509.KeyUsageDigitalSignature,
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
			}, testpki.Key(t, testpki.P256).Public())
		}
		sharedPKI = p
	})
	return sharedPKI
}

// newCA makes a root (zero parent) or a CA under parent.
func newCA(t testing.TB, name string, parent issuer) issuer {
	key := testpki.Key(t, testpki.P256)
	subject := pkix.Name{CommonName: name, Organization: []string{"qes"}}
	if parent.key == nil {
		r := testpki.NewRoot(t, subject, key)
		return issuer{cert: r.Cert, key: r.Key}
	}
	c := parent.pki().SubCA(t, subject, key, false)
	return issuer{cert: c.Cert, key: c.Key}
}

// newResponderCert issues a delegated responder certificate; the flags
// allow the broken variants New must refuse.
func newResponderCert(t testing.TB, ca issuer, key crypto.Signer, ocspEKU, noCheck bool) issuer {
	tmpl := &x509.Certificate{
		Subject:  pkix.Name{CommonName: "qes test OCSP responder", Organization: []string{"qes"}},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if ocspEKU {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	if noCheck {
		tmpl.ExtraExtensions = []pkix.Extension{testpki.OCSPNoCheck()}
	}
	return issuer{key: key, cert: ca.pki().Issue(t, tmpl, key.Public())}
}

func mustRSA2048(t testing.TB) crypto.Signer { return testpki.Key(t, testpki.RSA2048) }

func writePEM(t testing.TB, dir, name string, certs ...*x509.Certificate) string {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, testpki.PEM(certs...), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// memSource is an in-memory Source that counts its calls, so tests can
// tell cached answers from fresh ones.
type memSource struct {
	mu       sync.Mutex
	statuses map[string]Status
	calls    atomic.Int64
	err      error
}

func (s *memSource) Status(_ context.Context, serial *big.Int) (Status, error) {
	s.calls.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return Status{}, s.err
	}
	return s.statuses[serial.String()], nil
}

func (s *memSource) set(serial *big.Int, st Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses[serial.String()] = st
}

var revokedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// standardSource knows the leaves of p: good, revoked (keyCompromise),
// held (certificateHold); "unknown" is absent.
func standardSource(p *testPKI) *memSource {
	s := &memSource{statuses: map[string]Status{}}
	s.set(p.leaves["good"].SerialNumber, Status{State: Good})
	s.set(p.leaves["revoked"].SerialNumber, Status{State: Revoked, RevokedAt: revokedAt, Reason: ReasonKeyCompromise})
	s.set(p.leaves["held"].SerialNumber, Status{State: Revoked, RevokedAt: revokedAt, Reason: ReasonCertificateHold})
	s.set(p.leaves["changing"].SerialNumber, Status{State: Good})
	s.set(p.leaves["bench"].SerialNumber, Status{State: Good})
	return s
}

func newTestResponder(t testing.TB, p *testPKI, src Source, mutate ...func(*Config)) *Responder {
	t.Helper()
	cfg := Config{
		Issuer:      p.ca.cert,
		Certificate: p.responder.cert,
		Signer:      p.responder.key,
		Source:      src,
		Logger:      slog.New(slog.DiscardHandler),
	}
	for _, m := range mutate {
		m(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// newLoopbackServer serves h on 127.0.0.1 explicitly.
func newLoopbackServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}
