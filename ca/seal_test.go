package ca

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/qesproject/qes/storage/bolt"
)

func TestEnsureSeal(t *testing.T) {
	ctx := context.Background()
	store, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	keys := &memKeys{keys: map[string]*ecdsa.PrivateKey{}}
	cfg := AuthoritiesConfig{Keys: keys, Store: store, PublicURL: "http://127.0.0.1:8080",
		Country: "IT", Organization: "QES Test", OrgID: "VATIT-12345678901", Log: slog.New(slog.DiscardHandler)}
	auth, err := EnsureAuthorities(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, chain, err := EnsureSeal(ctx, cfg, auth)
	if err != nil {
		t.Fatal(err)
	}
	seal := chain[0]
	if len(chain) != 3 || !chain[2].Equal(auth.Root) || !seal.PublicKey.(*ecdsa.PublicKey).Equal(key.Public()) {
		t.Fatalf("seal chain %d long, or not the key's", len(chain))
	}
	if seal.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment || len(seal.ExtKeyUsage) != 0 || seal.IsCA ||
		seal.Subject.CommonName != "QES Test Registration Authority Seal" || len(seal.CRLDistributionPoints) != 1 {
		t.Fatalf("seal certificate: KU %v, EKU %v, CA %v, CN %q", seal.KeyUsage, seal.ExtKeyUsage, seal.IsCA, seal.Subject.CommonName)
	}
	roots := x509.NewCertPool()
	roots.AddCert(auth.Root)
	inter := x509.NewCertPool()
	inter.AddCert(auth.IssuingChain[0])
	if _, err := seal.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("the seal certificate does not chain to the root: %v", err)
	}
	if _, err := store.Certificate(ctx, serialKey(seal.SerialNumber)); err != nil {
		t.Fatalf("the seal certificate is not in the register: %v", err)
	}
	n := len(keys.keys)
	_, again, err := EnsureSeal(ctx, cfg, auth)
	if err != nil || len(keys.keys) != n || !again[0].Equal(seal) {
		t.Fatalf("a second start must load the seal key, not make a new one (%v)", err)
	}
}
