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
)

var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSigningCertV2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidAttrSignatureTST     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidTSTInfo              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSHA256WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSASSAPSS            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidOtherRevInfoOCSPResp = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
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

func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA256:
		return oidSHA256, nil
	case crypto.SHA384:
		return oidSHA384, nil
	case crypto.SHA512:
		return oidSHA512, nil
	}
	return nil, errs.Ef(errs.InvalidRequest, "unsupported digest algorithm %v (use SHA-256, SHA-384 or SHA-512)", h)
}

func hashFromOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, true
	case oid.Equal(oidSHA384):
		return crypto.SHA384, true
	case oid.Equal(oidSHA512):
		return crypto.SHA512, true
	}
	return 0, false
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
			return algorithm{}, errs.Ef(errs.InvalidRequest, "RSA key of %d bits is too small (at least 2048)", k.N.BitLen())
		}
		a.pss = scheme == PSS
		a.maxSigLen = k.Size()
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return algorithm{}, errs.E(errs.InvalidRequest, "unsupported elliptic curve (use P-256, P-384 or P-521)")
		}
		a.ecdsa = true
		n := (k.Curve.Params().BitSize + 7) / 8
		// SEQUENCE { INTEGER r, INTEGER s }, each with a possible 0x00 pad.
		a.maxSigLen = 3 + 2*(2+n+1) + 1
	default:
		return algorithm{}, errs.Ef(errs.InvalidRequest, "unsupported signer key type %T (use RSA or ECDSA)", pub)
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
			return pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA384}
		case crypto.SHA512:
			return pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA512}
		}
		return pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}
	case a.pss:
		return pkix.AlgorithmIdentifier{Algorithm: oidRSASSAPSS, Parameters: asn1.RawValue{FullBytes: a.pssParamsDER()}}
	}
	// The combined OIDs (not bare rsaEncryption) so that the CSC signAlgo and
	// the CMS name the same algorithm.
	switch a.hash {
	case crypto.SHA384:
		return pkix.AlgorithmIdentifier{Algorithm: oidSHA384WithRSA, Parameters: asn1.NullRawValue}
	case crypto.SHA512:
		return pkix.AlgorithmIdentifier{Algorithm: oidSHA512WithRSA, Parameters: asn1.NullRawValue}
	}
	return pkix.AlgorithmIdentifier{Algorithm: oidSHA256WithRSA, Parameters: asn1.NullRawValue}
}

func (a algorithm) pssParamsDER() []byte {
	oid, _ := hashOID(a.hash)
	h := pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
	hb, _ := asn1.Marshal(h)
	p := pssParams{
		Hash:       h,
		MGF:        pkix.AlgorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: hb}},
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
