package pki

import (
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/asn1"
	"fmt"

	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

func aaErr(format string, args ...any) error {
	return errs.M(errs.InvalidRequest, msg.EmrtdAAFailed, fmt.Sprintf(format, args...))
}

// VerifyActiveAuthentication checks a chip's answer to the INTERNAL
// AUTHENTICATE challenge (ICAO 9303-11 section 6.1) with the DG15 key.
//
// RSA: ISO/IEC 9796-2 digital signature scheme 1 with partial message
// recovery. The recovered F = 0x6A || M1 || H || trailer, where the
// trailer is 0xBC (SHA-1 implied) or hashID || 0xCC (0x33 SHA-1, 0x34
// SHA-256, 0x35 SHA-512, 0x36 SHA-384, 0x38 SHA-224), and H must be the
// hash of M1 || challenge.
//
// EC: a plain r || s signature (BSI TR-03111) over the challenge with
// the hash ecdsaAlg names (DG14's ActiveAuthenticationInfo, one of the
// ecdsa-plain-SHA* identifiers). Anything else is refused.
func VerifyActiveAuthentication(pub PublicKey, challenge, signature []byte, ecdsaAlg asn1.ObjectIdentifier) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return verifyAARSA(k, challenge, signature)
	case *ec.PublicKey:
		spec, ok := lookupSigAlg(ecdsaAlg)
		if !ok || spec.kind != kindECDSAPlain {
			return aaErr("EC key but no ecdsa-plain algorithm in DG14 (got %q)", ecdsaAlg.String())
		}
		r, s, ok := splitPlain(signature, k.Curve)
		if !ok {
			return aaErr("%s: a signature of %d bytes does not fit %s", spec.name, len(signature), k.Curve.Name)
		}
		if !ec.Verify(k, digest(spec.hash, challenge), r, s) {
			return aaErr("%s on %s: verification failed", spec.name, k.Curve.Name)
		}
		return nil
	}
	return aaErr("unsupported key type %T", pub)
}

var aaHashIDs = map[byte]crypto.Hash{
	0x33: crypto.SHA1, 0x34: crypto.SHA256, 0x35: crypto.SHA512, 0x36: crypto.SHA384, 0x38: crypto.SHA224,
}

func verifyAARSA(pub *rsa.PublicKey, challenge, signature []byte) error {
	f, err := rsaPublicOp(pub, signature)
	if err != nil {
		return aaErr("ISO/IEC 9796-2: %v", err)
	}
	// F is as long as the modulus; a modulus whose length is not a whole
	// number of bytes leaves leading zero octets.
	for len(f) > 0 && f[0] == 0 {
		f = f[1:]
	}
	if len(f) < 2 {
		return aaErr("ISO/IEC 9796-2: empty message")
	}
	var h crypto.Hash
	var trailerLen int
	switch last := f[len(f)-1]; {
	case last == 0xBC:
		h, trailerLen = crypto.SHA1, 1
	case last == 0xCC:
		var ok bool
		if h, ok = aaHashIDs[f[len(f)-2]]; !ok {
			return aaErr("ISO/IEC 9796-2: unknown hash identifier 0x%02X", f[len(f)-2])
		}
		trailerLen = 2
	default:
		return aaErr("ISO/IEC 9796-2: trailer 0x%02X is neither 0xBC nor 0x..CC", last)
	}
	// 0x6A: '01' header, more-data bit set (partial recovery: M2 is the
	// challenge), padding-free border nibble 0xA.
	if f[0] != 0x6A {
		return aaErr("ISO/IEC 9796-2: header 0x%02X is not 0x6A (partial recovery)", f[0])
	}
	hLen := h.Size()
	if len(f) < 1+hLen+trailerLen {
		return aaErr("ISO/IEC 9796-2: message too short for %s", h)
	}
	m1 := f[1 : len(f)-hLen-trailerLen]
	got := f[len(f)-hLen-trailerLen : len(f)-trailerLen]
	d := newHash(h)
	d.Write(m1)
	d.Write(challenge)
	if subtle.ConstantTimeCompare(d.Sum(nil), got) != 1 {
		return aaErr("ISO/IEC 9796-2 with %s: the hash of M1 || challenge does not match", h)
	}
	return nil
}
