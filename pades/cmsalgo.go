package pades

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// SignatureScheme selects how an RSA key signs; ECDSA keys ignore it.
type SignatureScheme int

const (
	// PKCS1v15 is RSASSA-PKCS1-v1_5 (the default for RSA keys).
	PKCS1v15 SignatureScheme = iota
	// PSS is RSASSA-PSS with MGF1 over the same hash and a salt as long as the hash.
	PSS
)

// algorithm describes how the signer's key signs, with the identifiers the
// CMS needs and the largest signature value it can produce.
type algorithm struct {
	hash      crypto.Hash
	pss       bool
	ecdsa     bool
	pub       crypto.PublicKey
	maxSigLen int
}

// hashOID is the digest identifier of h, refused with the reason a caller
// can act on when qes does not sign with it.
func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	if id, ok := oids.ForHash(h); ok {
		return id, nil
	}
	return nil, errs.M(errs.InvalidRequest, msg.PAdESUnsupportedDigest, h)
}

func newAlgorithm(pub crypto.PublicKey, h crypto.Hash, scheme SignatureScheme) (algorithm, error) {
	if h == 0 {
		h = crypto.SHA256
	}
	if _, err := hashOID(h); err != nil {
		return algorithm{}, err
	}
	a := algorithm{hash: h, pub: pub}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return algorithm{}, errs.M(errs.InvalidRequest, msg.PAdESRSAKeyTooSmall, k.N.BitLen())
		}
		a.pss = scheme == PSS
		a.maxSigLen = k.Size()
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return algorithm{}, errs.M(errs.InvalidRequest, msg.PAdESUnsupportedCurve)
		}
		a.ecdsa = true
		n := (k.Curve.Params().BitSize + 7) / 8
		// SEQUENCE { INTEGER r, INTEGER s }, each with a possible 0x00 pad.
		a.maxSigLen = 3 + 2*(2+n+1) + 1
	default:
		return algorithm{}, errs.M(errs.InvalidRequest, msg.PAdESUnsupportedKeyType, pub)
	}
	return a, nil
}

func (a algorithm) digestAlgID() pkix.AlgorithmIdentifier {
	oid, _ := hashOID(a.hash)
	return pkix.AlgorithmIdentifier{Algorithm: oid}
}

type pssParams struct {
	Hash       pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
	MGF        pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
	SaltLength int                      `asn1:"explicit,tag:2"`
}

// signatureAlgID is the SignerInfo signatureAlgorithm, which is also what a
// CSC client sends as signAlgo (+ signAlgoParams for PSS).
func (a algorithm) signatureAlgID() pkix.AlgorithmIdentifier {
	switch {
	case a.ecdsa:
		switch a.hash {
		case crypto.SHA384:
			return pkix.AlgorithmIdentifier{Algorithm: oids.ECDSAWithSHA384}
		case crypto.SHA512:
			return pkix.AlgorithmIdentifier{Algorithm: oids.ECDSAWithSHA512}
		}
		return pkix.AlgorithmIdentifier{Algorithm: oids.ECDSAWithSHA256}
	case a.pss:
		return pkix.AlgorithmIdentifier{Algorithm: oids.RSASSAPSS, Parameters: asn1.RawValue{FullBytes: a.pssParamsDER()}}
	}
	// The combined OIDs (not bare rsaEncryption) so that the CSC signAlgo and
	// the CMS name the same algorithm.
	switch a.hash {
	case crypto.SHA384:
		return pkix.AlgorithmIdentifier{Algorithm: oids.SHA384WithRSA, Parameters: asn1.NullRawValue}
	case crypto.SHA512:
		return pkix.AlgorithmIdentifier{Algorithm: oids.SHA512WithRSA, Parameters: asn1.NullRawValue}
	}
	return pkix.AlgorithmIdentifier{Algorithm: oids.SHA256WithRSA, Parameters: asn1.NullRawValue}
}

func (a algorithm) pssParamsDER() []byte {
	oid, _ := hashOID(a.hash)
	h := pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
	hb, _ := asn1.Marshal(h)
	p := pssParams{
		Hash:       h,
		MGF:        pkix.AlgorithmIdentifier{Algorithm: oids.MGF1, Parameters: asn1.RawValue{FullBytes: hb}},
		SaltLength: a.hash.Size(),
	}
	der, err := asn1.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("pades: marshal PSS parameters: %v", err)) // static structure, cannot fail
	}
	return der
}

func (a algorithm) signerOpts() crypto.SignerOpts {
	if a.pss {
		return &rsa.PSSOptions{SaltLength: a.hash.Size(), Hash: a.hash}
	}
	return a.hash
}

// verify checks a signature value over digest against the signer's public
// key, so a wrong key or encoding is caught before it is embedded.
func (a algorithm) verify(digest, sig []byte) error {
	switch k := a.pub.(type) {
	case *rsa.PublicKey:
		if a.pss {
			return rsa.VerifyPSS(k, a.hash, digest, sig, &rsa.PSSOptions{SaltLength: a.hash.Size(), Hash: a.hash})
		}
		return rsa.VerifyPKCS1v15(k, a.hash, digest, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return fmt.Errorf("ECDSA signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("unsupported key type %T", a.pub)
}

// normalizeECDSA accepts a raw r||s signature (as some HSM APIs return) and
// converts it to the DER Ecdsa-Sig-Value that CMS requires.
func (a algorithm) normalizeECDSA(sig []byte) []byte {
	k, ok := a.pub.(*ecdsa.PublicKey)
	if !ok {
		return sig
	}
	n := (k.Curve.Params().BitSize + 7) / 8
	if len(sig) != 2*n {
		return sig
	}
	var v struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(sig, &v); err == nil && len(rest) == 0 {
		return sig // already DER
	}
	v.R = new(big.Int).SetBytes(sig[:n])
	v.S = new(big.Int).SetBytes(sig[n:])
	der, err := asn1.Marshal(v)
	if err != nil {
		return sig
	}
	return der
}
