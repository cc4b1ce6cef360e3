package ca

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage/bolt"
)

// memKeys is an in-memory AuthorityKeys; the HSM adapter is exercised by
// internal/app's tests on SoftHSM2.
type memKeys struct {
	mu        sync.Mutex
	keys      map[string]*ecdsa.PrivateKey
	destroyed []string
}

func (m *memKeys) GenerateEC(_ context.Context, curve elliptic.Curve, label string) (string, error) {
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ref := fmt.Sprintf("%s-%d", label, len(m.keys))
	m.keys[ref] = k
	return ref, nil
}

func (m *memKeys) Signer(_ context.Context, ref string) (crypto.Signer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[ref]
	if !ok {
		return nil, fmt.Errorf("no key %q", ref)
	}
	return k, nil
}

func (m *memKeys) Destroy(_ context.Context, ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, ref)
	m.destroyed = append(m.destroyed, ref)
	return nil
}

func TestEnsureAuthorities(t *testing.T) {
	ctx := context.Background()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	keys := &memKeys{keys: map[string]*ecdsa.PrivateKey{}}
	cfg := AuthoritiesConfig{Keys: keys, Store: store, PublicURL: "http://127.0.0.1:8080",
		Country: "IT", Organization: "QES Test", OrgID: "VATIT-12345678901", Log: slog.New(slog.DiscardHandler)}

	first, err := EnsureAuthorities(ctx, cfg)
	if err != nil {
		t.Fatalf("first start: %v", err)
	}
	if len(keys.keys) != 5 {
		t.Fatalf("%d keys generated, want root, issuing, ocsp, tsa and token", len(keys.keys))
	}
	roots := x509.NewCertPool()
	roots.AddCert(first.Root)
	inter := x509.NewCertPool()
	inter.AddCert(first.IssuingChain[0])
	for name, c := range map[string]*x509.Certificate{"OCSP responder": first.OCSPCert, "TSA": first.TSACert} {
		if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Errorf("%s certificate does not chain to the root: %v", name, err)
		}
	}
	if first.IssuingChain[0].Subject.CommonName != "QES Test Qualified Issuing CA" {
		t.Errorf("issuing CA subject %v", first.IssuingChain[0].Subject)
	}

	again, err := EnsureAuthorities(ctx, cfg)
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	if len(keys.keys) != 5 || !again.Root.Equal(first.Root) || !again.TSACert.Equal(first.TSACert) || !again.OCSPCert.Equal(first.OCSPCert) {
		t.Fatal("a second start must load the authorities, not create new ones")
	}
}

// brokenSigner has the key's public half but its signatures fail, as a
// token that refuses the operation would.
type brokenSigner struct{ crypto.Signer }

func (b brokenSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("CKR_FUNCTION_FAILED")
}

type brokenKeys struct{ *memKeys }

func (b brokenKeys) Signer(ctx context.Context, ref string) (crypto.Signer, error) {
	s, err := b.memKeys.Signer(ctx, ref)
	return brokenSigner{s}, err
}

// A key whose certificate cannot be issued is destroyed, not left orphaned
// on the token, and nothing is recorded.
func TestEnsureAuthoritiesDestroysKeyOnFailedCeremony(t *testing.T) {
	ctx := context.Background()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	keys := &memKeys{keys: map[string]*ecdsa.PrivateKey{}}
	_, err = EnsureAuthorities(ctx, AuthoritiesConfig{Keys: brokenKeys{keys}, Store: store, PublicURL: "http://127.0.0.1:8080",
		Country: "IT", Organization: "QES Test", OrgID: "VATIT-12345678901", Log: slog.New(slog.DiscardHandler)})
	if err == nil {
		t.Fatal("EnsureAuthorities succeeded with a signer that cannot sign")
	}
	if len(keys.destroyed) != 1 || len(keys.keys) != 0 {
		t.Fatalf("keys left %d, destroyed %v: the root key must be destroyed", len(keys.keys), keys.destroyed)
	}
	if _, err := store.Authority(ctx, "root"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("root authority recorded after a failed ceremony: %v", err)
	}
}
