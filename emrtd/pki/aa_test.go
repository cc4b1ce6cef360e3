package pki_test

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"encoding/hex"
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

// A real chip's answer, recorded by gmrtd (github.com/gmrtd/gmrtd,
// activeauth/active_auth_test.go, TestDoActiveAuth): its DG15 (an RSA-1792
// key), the challenge the reader sent and the chip's 9796-2 signature. Our
// generator and our verifier share one reading of the standard; this
// vector is the standard as a real chip reads it.
func TestActiveAuthenticationRealChip(t *testing.T) {
	dg15 := mustHex(t, "6F8201023081FF300D06092A864886F70D01010105000381ED003081E90281E100BB8F93F4DC95E205CDA17C6927AB1E365B13065D03CD12E0FCE95D96840529453202F56CC4C13F77CD062930C8BC89A2873B257045C286E601CF3C09323A53103314902804AA10A314628CE222206A8866946A36B442041BB54AC81E6855DD1D6E16101833D65A191C20AC8B33B8A1A32920F46043F8031CF2BC17417030865FC5BE5A39DEE423BCBA3CA8177168EB23CFE01BA43EC87711B1CFFF85DB46F300DD8AE317B50D543B573E119E23AF7070D0B2FED6A3B2313A5EC02A531AAED1741F4390D1013E2A0F081EAC5DC8B0A1B2C6BDB1206F08D30E3643E1E5BDF536110203010001")
	challenge := mustHex(t, "96302b0f3d7e7864")
	sig := mustHex(t, "474256306840c0ab1b63c10e1c26bdfef4a0dd843920283cc4e6e70a60f2bd25dc7725f9677bc1cde66379dc28b38e8490f33afb2d10f9980c44c0bfc175d2b6684218f535c92fdd3e18db770a9ccbf91db3c7f0138e6d9e94b9bc8371761e3abed5e5e9b260279cfb238b58ae0d6a01da51c74c2a3ecd62c448bd9f20127f7384587287fa971204234e55b1a856c3e5aaaa620bb799a68fbae08ee132bb61683eba9b0b40dc1e54641cad975b16991cab50af82e3f3985afd19e7427a125f5b4b9878b12a5d2e01c7eedca3bb41c6fc05dccd818bce379d04b1f2f5d43487d3")
	pub, err := pki.ParsePublicKey(dg15[4:]) // 6F 82 01 02 || SPKI
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.VerifyActiveAuthentication(pub, challenge, sig, nil); err != nil {
		t.Fatalf("the real chip's answer is refused: %v", err)
	}
	challenge[0] ^= 1
	if err := pki.VerifyActiveAuthentication(pub, challenge, sig, nil); err == nil {
		t.Fatal("the real chip's answer verifies for another challenge")
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
