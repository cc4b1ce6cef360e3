package pki_test

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"testing"

	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/emrtd/pki"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
)

func TestActiveAuthentication(t *testing.T) {
	challenge := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	cases := []struct {
		name string
		key  *emrtdgen.AAKey
	}{
		{"RSA-1024/9796-2/SHA-1", emrtdgen.NewAAKeyRSA(1024)},
		{"RSA-2048/9796-2/SHA-1", emrtdgen.NewAAKeyRSA(2048)},
		{"RSA-2048/9796-2/SHA-256", emrtdgen.NewAAKeyRSAHash(2048, crypto.SHA256)},
		{"RSA-2048/9796-2/SHA-224", emrtdgen.NewAAKeyRSAHash(2048, crypto.SHA224)},
		{"RSA-2048/9796-2/SHA-384", emrtdgen.NewAAKeyRSAHash(2048, crypto.SHA384)},
		{"RSA-2048/9796-2/SHA-512", emrtdgen.NewAAKeyRSAHash(2048, crypto.SHA512)},
		{"P-256/plain", emrtdgen.NewAAKeyEC(ec.P256)},
		{"brainpoolP256r1/plain", emrtdgen.NewAAKeyEC(ec.BrainpoolP256r1)},
		{"brainpoolP384r1/plain", emrtdgen.NewAAKeyEC(ec.BrainpoolP384r1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pub, err := pki.ParsePublicKey(tc.key.SPKI()) // as DG15 holds it
			if err != nil {
				t.Fatal(err)
			}
			alg := tc.key.Algorithm()
			sig := tc.key.Sign(challenge)
			if err := pki.VerifyActiveAuthentication(pub, challenge, sig, alg); err != nil {
				t.Fatalf("the chip's answer is refused: %v", err)
			}
			other := bytes.Clone(challenge)
			other[7] ^= 1
			if err := pki.VerifyActiveAuthentication(pub, other, sig, alg); err == nil {
				t.Fatal("an answer to another challenge is accepted")
			}
			bad := bytes.Clone(sig)
			bad[len(bad)/2] ^= 1
			if err := pki.VerifyActiveAuthentication(pub, challenge, bad, alg); err == nil {
				t.Fatal("a tampered answer is accepted")
			}
			if err := pki.VerifyActiveAuthentication(emrtdgen.NewAAKeyEC(ec.P256).Public(), challenge, sig, pki.OIDECDSAPlainSHA256); err == nil {
				t.Fatal("another chip's key accepts the answer")
			}
			if alg != nil {
				// The hash must be the one DG14 names; an unknown OID is refused.
				for _, wrong := range []asn1.ObjectIdentifier{pki.OIDECDSAPlainSHA512, nil, {1, 2, 3}} {
					if err := pki.VerifyActiveAuthentication(pub, challenge, sig, wrong); err == nil {
						t.Fatalf("accepted under algorithm %v", wrong)
					}
				}
			}
		})
	}
}
