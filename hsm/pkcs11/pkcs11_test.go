//go:build cgo

package pkcs11_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"os"
	"sync"
	"testing"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

func TestGeneratedKeysSignAndNeverLeaveTheToken(t *testing.T) {
	m := testutil.HSM(t)
	ctx := context.Background()
	tests := []struct {
		kt   hsm.KeyType
		bits int
	}{
		{hsm.ECP256, 256}, {hsm.ECP384, 384}, {hsm.RSA2048, 2048}, {hsm.RSA3072, 3072},
	}
	for _, tt := range tests {
		t.Run(string(tt.kt), func(t *testing.T) {
			ref, pub, err := m.Generate(ctx, tt.kt, "test "+string(tt.kt))
			if err != nil {
				t.Fatal(err)
			}
			attrs, err := m.KeyAttributes(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			if !attrs.Sensitive || attrs.Extractable || !attrs.NeverExtractable || !attrs.Local || attrs.CanDecrypt {
				t.Fatalf("private key attributes %+v: want sensitive, never extractable, generated on token, sign-only", attrs)
			}
			s, err := m.Signer(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			digest := sha256.Sum256([]byte("qes"))
			sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			switch k := pub.(type) {
			case *ecdsa.PublicKey:
				if k.Curve.Params().BitSize != tt.bits || !ecdsa.VerifyASN1(k, digest[:], sig) {
					t.Fatal("ECDSA signature (DER) does not verify with the public key")
				}
			case *rsa.PublicKey:
				if k.N.BitLen() != tt.bits {
					t.Fatalf("modulus %d bits, want %d", k.N.BitLen(), tt.bits)
				}
				if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig); err != nil {
					t.Fatal(err)
				}
				d512 := sha512.Sum512([]byte("qes"))
				pss, err := s.Sign(rand.Reader, d512[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA512})
				if err != nil {
					t.Fatal(err)
				}
				if err := rsa.VerifyPSS(k, crypto.SHA512, d512[:], pss, nil); err != nil {
					t.Fatal(err)
				}
			default:
				t.Fatalf("unexpected public key %T", pub)
			}
		})
	}
}

func TestSignerSurvivesCacheMissAndDestroyIsFinal(t *testing.T) {
	m := testutil.HSM(t)
	ctx := context.Background()
	ref, _, err := m.Generate(ctx, hsm.ECP256, "destroy me")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(ctx, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Signer(ctx, ref); !errs.Is(err, errs.NotFound) {
		t.Fatalf("Signer after Destroy: %v, want NotFound", err)
	}
	if err := m.Destroy(ctx, ref); err != nil {
		t.Fatalf("second Destroy must be a no-op, got %v", err)
	}
	for _, bad := range []hsm.KeyRef{"", "zz", "00112233445566778899aabbccddeeff"} {
		if _, err := m.Signer(ctx, bad); !errs.Is(err, errs.NotFound) {
			t.Errorf("Signer(%q): %v, want NotFound", bad, err)
		}
	}
}

func TestMACKeyIsStableAndKeyed(t *testing.T) {
	m := testutil.HSM(t)
	ctx := context.Background()
	k1, err := m.MACKey(ctx, "test-a")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := m.MACKey(ctx, "test-b")
	if err != nil {
		t.Fatal(err)
	}
	a1, err := k1.Sum([]byte("sad"), []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := k1.Sum([]byte("sad"), []byte("x"))
	b, _ := k2.Sum([]byte("sad"), []byte("x"))
	joined, _ := k1.Sum([]byte("sadx"))
	if len(a1) != 32 || string(a1) != string(a2) {
		t.Fatal("same key and input must give the same 32-byte MAC")
	}
	if string(a1) == string(b) || string(a1) == string(joined) {
		t.Fatal("MAC must depend on the key and on part boundaries")
	}
}

func TestConcurrentSigningUsesThePool(t *testing.T) {
	m := testutil.HSM(t)
	ctx := context.Background()
	ref, pub, err := m.Generate(ctx, hsm.ECP256, "concurrent")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := m.Signer(ctx, ref)
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			d := sha256.Sum256([]byte{byte(i)})
			sig, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
			if err == nil && !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d[:], sig) {
				err = os.ErrInvalid
			}
			errc <- err
		}(i)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestSealerRoundTripAndBinding(t *testing.T) {
	m := testutil.HSM(t)
	ctx := context.Background()
	s, err := m.Sealer(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal([]byte("JBSWY3DPEHPK3PXP"), []byte("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("JBSWY3DP")) {
		t.Fatal("sealed value contains the plaintext")
	}
	s2, _ := m.Sealer(ctx, "test") // found again on the token
	got, err := s2.Open(sealed, []byte("alice"))
	if err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s2.Open(sealed, []byte("mallory")); err == nil {
		t.Fatal("a sealed value must not open for another holder")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := s2.Open(sealed, []byte("alice")); err == nil {
		t.Fatal("a modified sealed value must not open")
	}
}
