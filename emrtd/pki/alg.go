package pki

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/asn1"
	"fmt"
	"hash"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// AlgorithmIdentifier is an X.509/CMS AlgorithmIdentifier: the OID and
// the parameters' whole DER element (nil when absent).
type AlgorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters []byte
}

// Object identifiers this package reads. Kept here rather than in
// internal/oids: they are the eMRTD world's (SHA-1, SHA-224, brainpool,
// BSI plain ECDSA, ICAO content types), which qes itself never writes.
var (
	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	OIDRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDRSASSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	OIDECPublicKey   = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidPrimeField    = asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1}

	// OIDContentTypeLDSSecurityObject (ICAO 9303-10) and
	// OIDContentTypeCscaMasterList (ICAO 9303-12) are eContentTypes.
	OIDContentTypeLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	OIDContentTypeCscaMasterList    = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}

	oidSignedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
)

// The BSI TR-03111 plain-ECDSA identifiers (ecdsa-plain-SHA1 ... SHA512):
// DG14's ActiveAuthenticationInfo names one of them for EC chips.
var (
	OIDECDSAPlainSHA1   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 1}
	OIDECDSAPlainSHA224 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 2}
	OIDECDSAPlainSHA256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3}
	OIDECDSAPlainSHA384 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 4}
	OIDECDSAPlainSHA512 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 5}
)

type sigKind int

const (
	kindRSAPKCS1 sigKind = iota + 1
	kindRSAPSS
	kindECDSA      // DER SEQUENCE {r, s}
	kindECDSAPlain // r || s (BSI TR-03111)
	kindRSAKeyOnly // rsaEncryption as a signature algorithm: hash from the digest algorithm
	kindECKeyOnly  // id-ecPublicKey as a signature algorithm: likewise
)

type sigAlg struct {
	oid  asn1.ObjectIdentifier
	name string
	kind sigKind
	hash crypto.Hash
}

var sigAlgs = []sigAlg{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}, "sha1WithRSAEncryption", kindRSAPKCS1, crypto.SHA1},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}, "sha224WithRSAEncryption", kindRSAPKCS1, crypto.SHA224},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, "sha256WithRSAEncryption", kindRSAPKCS1, crypto.SHA256},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}, "sha384WithRSAEncryption", kindRSAPKCS1, crypto.SHA384},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}, "sha512WithRSAEncryption", kindRSAPKCS1, crypto.SHA512},
	{OIDRSASSAPSS, "RSASSA-PSS", kindRSAPSS, 0},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}, "ecdsa-with-SHA1", kindECDSA, crypto.SHA1},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}, "ecdsa-with-SHA224", kindECDSA, crypto.SHA224},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, "ecdsa-with-SHA256", kindECDSA, crypto.SHA256},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, "ecdsa-with-SHA384", kindECDSA, crypto.SHA384},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, "ecdsa-with-SHA512", kindECDSA, crypto.SHA512},
	{OIDECDSAPlainSHA1, "ecdsa-plain-SHA1", kindECDSAPlain, crypto.SHA1},
	{OIDECDSAPlainSHA224, "ecdsa-plain-SHA224", kindECDSAPlain, crypto.SHA224},
	{OIDECDSAPlainSHA256, "ecdsa-plain-SHA256", kindECDSAPlain, crypto.SHA256},
	{OIDECDSAPlainSHA384, "ecdsa-plain-SHA384", kindECDSAPlain, crypto.SHA384},
	{OIDECDSAPlainSHA512, "ecdsa-plain-SHA512", kindECDSAPlain, crypto.SHA512},
	{OIDRSAEncryption, "rsaEncryption", kindRSAKeyOnly, 0},
	{OIDECPublicKey, "id-ecPublicKey", kindECKeyOnly, 0},
}

func lookupSigAlg(oid asn1.ObjectIdentifier) (sigAlg, bool) {
	for _, a := range sigAlgs {
		if a.oid.Equal(oid) {
			return a, true
		}
	}
	return sigAlg{}, false
}

// String names the algorithm ("sha256WithRSAEncryption", "RSASSA-PSS",
// "ecdsa-with-SHA256", ...), or its dotted OID when unknown.
func (a AlgorithmIdentifier) String() string {
	if s, ok := lookupSigAlg(a.Algorithm); ok {
		return s.name
	}
	if h, ok := HashByOID(a.Algorithm); ok {
		return h.String()
	}
	return a.Algorithm.String()
}

var hashOIDs = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{oidSHA1, crypto.SHA1}, {oidSHA224, crypto.SHA224}, {oidSHA256, crypto.SHA256},
	{oidSHA384, crypto.SHA384}, {oidSHA512, crypto.SHA512},
}

// HashByOID resolves a digest algorithm identifier: SHA-1, SHA-224,
// SHA-256, SHA-384 or SHA-512, the hashes ICAO 9303 allows for SODs.
func HashByOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, h := range hashOIDs {
		if h.oid.Equal(oid) {
			return h.hash, true
		}
	}
	return 0, false
}

// HashOID is the identifier of h, for the test generators.
func HashOID(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	for _, x := range hashOIDs {
		if x.hash == h {
			return x.oid, true
		}
	}
	return nil, false
}

func newHash(h crypto.Hash) hash.Hash {
	switch h {
	case crypto.SHA1:
		return sha1.New()
	case crypto.SHA224:
		return sha256.New224()
	case crypto.SHA256:
		return sha256.New()
	case crypto.SHA384:
		return sha512.New384()
	case crypto.SHA512:
		return sha512.New()
	}
	return nil
}

func digest(h crypto.Hash, data []byte) []byte {
	d := newHash(h)
	d.Write(data)
	return d.Sum(nil)
}

// PublicKey is *rsa.PublicKey or *ec.PublicKey.
type PublicKey interface{}

func sigErr(alg string, format string, args ...any) error {
	return errs.M(errs.InvalidRequest, msg.EmrtdSignatureInvalid, alg+": "+fmt.Sprintf(format, args...))
}

func unsupported(format string, args ...any) error {
	return errs.M(errs.InvalidRequest, msg.EmrtdAlgorithmUnsupported, fmt.Sprintf(format, args...))
}

// VerifySignature checks signature over signed with pub under alg: RSA
// PKCS#1 v1.5 with SHA-1 to SHA-512, RSASSA-PSS with its parameters, and
// ECDSA (DER or BSI plain) with SHA-1 to SHA-512 on every curve of
// emrtd/ec. SHA-1 is accepted on purpose: CSCAs still in force sign with
// it. A refusal names the algorithm.
func VerifySignature(pub PublicKey, alg AlgorithmIdentifier, signed, signature []byte) error {
	return verifyWithHash(pub, alg, 0, signed, signature)
}

// verifyWithHash is VerifySignature where a CMS SignerInfo may name only
// the key algorithm (rsaEncryption, id-ecPublicKey) and leave the hash to
// its digestAlgorithm, as many SODs do.
func verifyWithHash(pub PublicKey, alg AlgorithmIdentifier, digestHash crypto.Hash, signed, signature []byte) error {
	spec, ok := lookupSigAlg(alg.Algorithm)
	if !ok {
		return unsupported("signature algorithm %s", alg.Algorithm)
	}
	h := spec.hash
	if spec.kind == kindRSAKeyOnly || spec.kind == kindECKeyOnly {
		if digestHash == 0 {
			return unsupported("%s names no hash", spec.name)
		}
		h = digestHash
	}
	switch spec.kind {
	case kindRSAPKCS1, kindRSAKeyOnly:
		rsaPub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return sigErr(spec.name, "the key is not an RSA key")
		}
		if err := rsa.VerifyPKCS1v15(rsaPub, h, digest(h, signed), signature); err != nil {
			return sigErr(spec.name+" with "+h.String(), "%v", err)
		}
		return nil
	case kindRSAPSS:
		rsaPub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return sigErr(spec.name, "the key is not an RSA key")
		}
		params, err := parsePSSParams(alg.Parameters)
		if err != nil {
			return err
		}
		if err := verifyPSS(rsaPub, params, signed, signature); err != nil {
			return sigErr(fmt.Sprintf("RSASSA-PSS with %s, MGF1 %s, salt %d", params.hash, params.mgfHash, params.saltLen), "%v", err)
		}
		return nil
	case kindECDSA, kindECDSAPlain, kindECKeyOnly:
		ecPub, ok := pub.(*ec.PublicKey)
		if !ok {
			return sigErr(spec.name, "the key is not an EC key")
		}
		var r, s *big.Int
		if spec.kind == kindECDSAPlain {
			r, s, ok = splitPlain(signature, ecPub.Curve)
		} else {
			r, s, ok = parseECDSASignature(signature)
		}
		name := spec.name
		if spec.kind == kindECKeyOnly {
			name = "ECDSA with " + h.String()
		}
		if !ok {
			return sigErr(name, "malformed signature value")
		}
		if !ec.Verify(ecPub, digest(h, signed), r, s) {
			return sigErr(name+" on "+ecPub.Curve.Name, "verification failed")
		}
		return nil
	}
	return unsupported("signature algorithm %s", spec.name)
}

func parseECDSASignature(sig []byte) (r, s *big.Int, ok bool) {
	in := cryptobyte.String(sig)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, nil, false
	}
	if r, ok = readInteger(&seq); !ok {
		return nil, nil, false
	}
	if s, ok = readInteger(&seq); !ok || !seq.Empty() {
		return nil, nil, false
	}
	return r, s, true
}

// splitPlain reads r || s, each as long as the order (TR-03111 5.2.1).
func splitPlain(sig []byte, c *ec.Curve) (r, s *big.Int, ok bool) {
	n := (c.N.BitLen() + 7) / 8
	if len(sig) != 2*n {
		return nil, nil, false
	}
	return new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:]), true
}

type pssParams struct {
	hash, mgfHash crypto.Hash
	saltLen       int
}

// parsePSSParams reads RSASSA-PSS-params (RFC 4055 section 3.1) with its
// defaults: SHA-1, MGF1 with SHA-1, salt 20, trailer 1.
func parsePSSParams(raw []byte) (pssParams, error) {
	p := pssParams{hash: crypto.SHA1, mgfHash: crypto.SHA1, saltLen: 20}
	if raw == nil || bytes.Equal(raw, []byte{5, 0}) {
		return p, nil
	}
	bad := func(what string) (pssParams, error) {
		return p, unsupported("RSASSA-PSS parameters: %s", what)
	}
	in := cryptobyte.String(raw)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return bad("not a SEQUENCE")
	}
	var field cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&field, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return bad("hashAlgorithm")
	}
	if present {
		alg, ok := readAlgorithm(&field)
		h, known := HashByOID(alg.Algorithm)
		if !ok || !known || !field.Empty() {
			return bad("hashAlgorithm " + alg.Algorithm.String())
		}
		p.hash = h
	}
	if !seq.ReadOptionalASN1(&field, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return bad("maskGenAlgorithm")
	}
	if present {
		mgf, ok := readAlgorithm(&field)
		if !ok || !field.Empty() || !mgf.Algorithm.Equal(oidMGF1) {
			return bad("maskGenAlgorithm is not MGF1")
		}
		inner := cryptobyte.String(mgf.Parameters)
		halg, ok := readAlgorithm(&inner)
		h, known := HashByOID(halg.Algorithm)
		if !ok || !known || !inner.Empty() {
			return bad("MGF1 hash " + halg.Algorithm.String())
		}
		p.mgfHash = h
	}
	if !seq.ReadOptionalASN1(&field, &present, cbasn1.Tag(2).Constructed().ContextSpecific()) {
		return bad("saltLength")
	}
	if present {
		n, ok := readSmallInt(&field)
		if !ok || !field.Empty() || n > 1024 {
			return bad("saltLength")
		}
		p.saltLen = n
	}
	if !seq.ReadOptionalASN1(&field, &present, cbasn1.Tag(3).Constructed().ContextSpecific()) {
		return bad("trailerField")
	}
	if present {
		n, ok := readSmallInt(&field)
		if !ok || !field.Empty() || n != 1 {
			return bad("trailerField is not 1")
		}
	}
	if !seq.Empty() {
		return bad("trailing data")
	}
	return p, nil
}

// rsaPublicOp is s^e mod n, refusing s >= n and a signature whose length
// is not the modulus's.
func rsaPublicOp(pub *rsa.PublicKey, sig []byte) ([]byte, error) {
	k := (pub.N.BitLen() + 7) / 8
	if len(sig) != k {
		return nil, fmt.Errorf("signature is %d bytes, the modulus %d", len(sig), k)
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return nil, fmt.Errorf("signature out of range")
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(pub.E)), pub.N)
	return m.FillBytes(make([]byte, k)), nil
}

func mgf1(h crypto.Hash, seed []byte, length int) []byte {
	out := make([]byte, 0, length+h.Size())
	var counter [4]byte
	for i := uint32(0); len(out) < length; i++ {
		counter[0], counter[1], counter[2], counter[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		d := newHash(h)
		d.Write(seed)
		d.Write(counter[:])
		out = d.Sum(out)
	}
	return out[:length]
}

// verifyPSS is EMSA-PSS-VERIFY (RFC 8017 section 9.1.2) with its own MGF1
// hash: crypto/rsa ties the MGF1 hash to the message hash, which RFC 4055
// parameters need not do.
func verifyPSS(pub *rsa.PublicKey, p pssParams, signed, sig []byte) error {
	m, err := rsaPublicOp(pub, sig)
	if err != nil {
		return err
	}
	emBits := pub.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	if len(m) > emLen {
		if m[0] != 0 {
			return fmt.Errorf("encoded message too long")
		}
		m = m[1:]
	}
	hLen := p.hash.Size()
	if emLen < hLen+p.saltLen+2 {
		return fmt.Errorf("inconsistent")
	}
	if m[emLen-1] != 0xbc {
		return fmt.Errorf("inconsistent trailer")
	}
	maskedDB, hh := m[:emLen-hLen-1], m[emLen-hLen-1:emLen-1]
	topBits := uint(8*emLen - emBits)
	if maskedDB[0]>>(8-topBits) != 0 {
		return fmt.Errorf("inconsistent")
	}
	db := mgf1(p.mgfHash, hh, len(maskedDB))
	for i := range db {
		db[i] ^= maskedDB[i]
	}
	db[0] &= 0xff >> topBits
	ps := emLen - hLen - p.saltLen - 2
	for _, b := range db[:ps] {
		if b != 0 {
			return fmt.Errorf("inconsistent padding")
		}
	}
	if db[ps] != 1 {
		return fmt.Errorf("inconsistent padding")
	}
	salt := db[len(db)-p.saltLen:]
	d := newHash(p.hash)
	d.Write(make([]byte, 8))
	d.Write(digest(p.hash, signed))
	d.Write(salt)
	if subtle.ConstantTimeCompare(d.Sum(nil), hh) != 1 {
		return fmt.Errorf("verification failed")
	}
	return nil
}
