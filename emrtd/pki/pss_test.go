package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signPSS is EMSA-PSS-ENCODE (RFC 8017 9.1.1) with its own MGF1 hash and
// a raw RSA private operation: crypto/rsa cannot make such signatures.
func signPSS(t *testing.T, k *rsa.PrivateKey, p pssParams, msg []byte) []byte {
	emBits := k.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	hLen := p.hash.Size()
	salt := make([]byte, p.saltLen)
	rand.Read(salt)
	d := newHash(p.hash)
	d.Write(make([]byte, 8))
	d.Write(digest(p.hash, msg))
	d.Write(salt)
	h := d.Sum(nil)
	db := make([]byte, emLen-hLen-1)
	db[len(db)-p.saltLen-1] = 1
	copy(db[len(db)-p.saltLen:], salt)
	mask := mgf1(p.mgfHash, h, len(db))
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= 0xff >> uint(8*emLen-emBits)
	em := append(append(db, h...), 0xbc)
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), k.D, k.N)
	return s.FillBytes(make([]byte, (k.N.BitLen()+7)/8))
}

func pssAlg(t *testing.T, h, mgf crypto.Hash, salt int) AlgorithmIdentifier {
	hashAlg := func(b *cryptobyte.Builder, h crypto.Hash) {
		oid, ok := HashOID(h)
		if !ok {
			oid = []int{1, 2, 840, 113549, 2, 5} // MD5: known to no one here
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) })
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { hashAlg(b, h) })
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidMGF1)
				hashAlg(b, mgf)
			})
		})
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(salt)) })
	})
	return AlgorithmIdentifier{Algorithm: OIDRSASSAPSS, Parameters: b.BytesOrPanic()}
}

// RSASSA-PSS parameters are honoured as written, an MGF1 hash other than
// the message hash included; parameters that do not match the signature
// and malformed ones are refused.
func TestPSSParameters(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("tbsCertificate")
	cases := []pssParams{
		{crypto.SHA256, crypto.SHA1, 32},
		{crypto.SHA512, crypto.SHA256, 64},
		{crypto.SHA384, crypto.SHA384, 0},
		{crypto.SHA1, crypto.SHA1, 20},
	}
	for _, p := range cases {
		sig := signPSS(t, k, p, msg)
		if err := VerifySignature(&k.PublicKey, pssAlg(t, p.hash, p.mgfHash, p.saltLen), msg, sig); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
		if err := VerifySignature(&k.PublicKey, pssAlg(t, p.hash, crypto.SHA224, p.saltLen), msg, sig); err == nil {
			t.Errorf("%+v: verifies under another MGF1 hash", p)
		}
		if err := VerifySignature(&k.PublicKey, pssAlg(t, p.hash, p.mgfHash, p.saltLen+1), msg, sig); err == nil {
			t.Errorf("%+v: verifies under another salt length", p)
		}
	}
	// Absent parameters mean SHA-1, MGF1-SHA-1, salt 20 (RFC 4055).
	sig := signPSS(t, k, pssParams{crypto.SHA1, crypto.SHA1, 20}, msg)
	if err := VerifySignature(&k.PublicKey, AlgorithmIdentifier{Algorithm: OIDRSASSAPSS}, msg, sig); err != nil {
		t.Errorf("default parameters: %v", err)
	}
	for name, params := range map[string][]byte{
		"not a sequence": {0x04, 0x00},
		"unknown hash":   pssAlg(t, crypto.MD5, crypto.SHA1, 20).Parameters,
		"trailer 2":      {0x30, 0x05, 0xa3, 0x03, 0x02, 0x01, 0x02},
		"trailing":       {0x30, 0x02, 0x05, 0x00},
	} {
		if err := VerifySignature(&k.PublicKey, AlgorithmIdentifier{Algorithm: OIDRSASSAPSS, Parameters: params}, msg, sig); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
