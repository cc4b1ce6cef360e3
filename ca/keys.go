package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// signatureAlgorithmFor picks the signature algorithm a CA key signs with
// (oids.SignatureFor holds the rule for every service key).
func signatureAlgorithmFor(pub crypto.PublicKey) (x509.SignatureAlgorithm, error) {
	alg, err := oids.SignatureFor(pub)
	if err != nil {
		return 0, fmt.Errorf("CA key: %w", err)
	}
	return alg.X509, nil
}

// validateSubjectKey accepts the subject keys the profiles allow: RSA 2048,
// 3072 or 4096 bits with exponent 65537, and ECDSA P-256 or P-384.
func validateSubjectKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return errs.M(errs.InvalidRequest, msg.CAUnsupportedSubjectCurve, k.Curve.Params().Name)
		}
		return nil
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048, 3072, 4096:
		default:
			return errs.M(errs.InvalidRequest, msg.CAUnsupportedRSAKeySize, k.N.BitLen())
		}
		if k.E != 65537 {
			return errs.M(errs.InvalidRequest, msg.CAUnsupportedRSAExponent, k.E)
		}
		return nil
	case nil:
		return errs.M(errs.InvalidRequest, msg.CASubjectPublicKeyMissing)
	}
	return errs.M(errs.InvalidRequest, msg.CAUnsupportedSubjectKeyType, pub)
}

// subjectKeyID derives the key identifier with RFC 7093 section 2 method 1:
// the leftmost 160 bits of the SHA-256 of the subjectPublicKey BIT STRING
// value. Computing it here (rather than letting crypto/x509 do it for CAs
// only) keeps leaf and CA identifiers on one rule and avoids SHA-1.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}

// samePublicKey reports whether two public keys are equal.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
