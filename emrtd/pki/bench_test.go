package pki_test

import (
	"crypto"
	"testing"

	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/emrtd/pki"
	"github.com/qesproject/qes/internal/testutil/emrtdgen"
)

// go test -run '^$' -bench . -benchmem ./emrtd/pki/
func BenchmarkVerifySignature(b *testing.B) {
	families := []struct {
		name string
		key  func() *emrtdgen.Key
	}{
		{"RSA-2048-PKCS1-SHA256", func() *emrtdgen.Key { return emrtdgen.NewRSAKey(2048, false, crypto.SHA256) }},
		{"RSA-4096-PSS-SHA512", func() *emrtdgen.Key { return emrtdgen.NewRSAKey(4096, true, crypto.SHA512) }},
		{"ECDSA-P256-SHA256", func() *emrtdgen.Key { return emrtdgen.NewECKey(ec.P256, false, crypto.SHA256) }},
		{"ECDSA-brainpoolP256r1-SHA256", func() *emrtdgen.Key { return emrtdgen.NewECKey(ec.BrainpoolP256r1, false, crypto.SHA256) }},
		{"ECDSA-brainpoolP384r1-SHA384", func() *emrtdgen.Key { return emrtdgen.NewECKey(ec.BrainpoolP384r1, false, crypto.SHA384) }},
		{"ECDSA-brainpoolP512r1-SHA512", func() *emrtdgen.Key { return emrtdgen.NewECKey(ec.BrainpoolP512r1, false, crypto.SHA512) }},
	}
	data := make([]byte, 1024)
	for _, f := range families {
		b.Run(f.name, func(b *testing.B) {
			key := f.key()
			sig := key.Sign(data)
			spki, err := pki.ParsePublicKey(key.SPKI())
			if err != nil {
				b.Fatal(err)
			}
			alg := algOf(b, key)
			b.ResetTimer()
			for b.Loop() {
				if err := pki.VerifySignature(spki, alg, data, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// algOf reads the key's AlgorithmIdentifier back through a certificate.
func algOf(b *testing.B, key *emrtdgen.Key) pki.AlgorithmIdentifier {
	c := emrtdgen.NewCSCA("IT", "bench", key, t0, t0.AddDate(1, 0, 0))
	return c.Cert.SignatureAlgorithm
}

func BenchmarkVerifyMasterList(b *testing.B) {
	raw := testdata(b, "de.ml")
	anchor := germanAnchor(b)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := pki.VerifyMasterList(raw, []*pki.Certificate{anchor}, mlTime); err != nil {
			b.Fatal(err)
		}
	}
}
