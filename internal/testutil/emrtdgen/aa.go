package emrtdgen

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"io"
	"math/big"

	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/emrtd/pki"
)

// AAKey is a chip's Active Authentication key pair (its public half goes
// into DG15). For tests only: the RSA private operation here is a plain
// math/big exponentiation, NOT constant time.
type AAKey struct {
	rsa  *rsa.PrivateKey
	ec   *ec.PrivateKey
	hash crypto.Hash
}

// NewAAKeyRSA is an RSA chip key answering with ISO/IEC 9796-2 scheme 1
// and SHA-1 (trailer 0xBC), as most RSA chips do.
func NewAAKeyRSA(bits int) *AAKey { return &AAKey{rsa: rsaKey(bits), hash: crypto.SHA1} }

// NewAAKeyRSAHash is NewAAKeyRSA with another hash (trailer hashID 0xCC).
func NewAAKeyRSAHash(bits int, h crypto.Hash) *AAKey { return &AAKey{rsa: rsaKey(bits), hash: h} }

// NewAAKeyEC is an EC chip key answering with ecdsa-plain-SHA256.
func NewAAKeyEC(c *ec.Curve) *AAKey {
	k, err := ec.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return &AAKey{ec: k, hash: crypto.SHA256}
}

// SPKI is the SubjectPublicKeyInfo DG15 holds (EC with a named curve).
func (k *AAKey) SPKI() []byte {
	if k.rsa != nil {
		return rsaSPKI(&k.rsa.PublicKey)
	}
	return ecSPKI(&k.ec.PublicKey, false)
}

// Public is the key as emrtd/pki holds it.
func (k *AAKey) Public() pki.PublicKey {
	if k.rsa != nil {
		return &k.rsa.PublicKey
	}
	return &k.ec.PublicKey
}

// Algorithm is the ecdsa-plain OID DG14's ActiveAuthenticationInfo names
// for an EC key, nil for RSA.
func (k *AAKey) Algorithm() asn1.ObjectIdentifier {
	if k.ec == nil {
		return nil
	}
	return map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: pki.OIDECDSAPlainSHA1, crypto.SHA224: pki.OIDECDSAPlainSHA224,
		crypto.SHA256: pki.OIDECDSAPlainSHA256, crypto.SHA384: pki.OIDECDSAPlainSHA384, crypto.SHA512: pki.OIDECDSAPlainSHA512}[k.hash]
}

var aaHashIDs = map[crypto.Hash]byte{crypto.SHA1: 0x33, crypto.SHA256: 0x34, crypto.SHA512: 0x35, crypto.SHA384: 0x36, crypto.SHA224: 0x38}

// Sign is the chip's answer to INTERNAL AUTHENTICATE with challenge.
func (k *AAKey) Sign(challenge []byte) []byte {
	if k.ec != nil {
		d := k.hash.New()
		d.Write(challenge)
		r, s, err := ec.Sign(rand.Reader, k.ec, d.Sum(nil))
		if err != nil {
			panic(err)
		}
		n := (k.ec.Curve.N.BitLen() + 7) / 8
		out := make([]byte, 2*n)
		r.FillBytes(out[:n])
		s.FillBytes(out[n:])
		return out
	}
	// F = 0x6A || M1 || H(M1 || challenge) || trailer, as many bytes as
	// the modulus when its top byte is >= 0x80 (then F < n), one fewer
	// otherwise.
	size := (k.rsa.N.BitLen() + 7) / 8
	if k.rsa.N.BitLen()%8 != 0 {
		size--
	}
	trailer := []byte{0xBC}
	if k.hash != crypto.SHA1 {
		trailer = []byte{aaHashIDs[k.hash], 0xCC}
	}
	m1 := make([]byte, size-1-k.hash.Size()-len(trailer))
	if _, err := io.ReadFull(rand.Reader, m1); err != nil {
		panic(err)
	}
	d := k.hash.New()
	d.Write(m1)
	d.Write(challenge)
	f := append(append(append([]byte{0x6A}, m1...), d.Sum(nil)...), trailer...)
	s := new(big.Int).Exp(new(big.Int).SetBytes(f), k.rsa.D, k.rsa.N)
	return s.FillBytes(make([]byte, (k.rsa.N.BitLen()+7)/8))
}
