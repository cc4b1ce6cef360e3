package oids

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
)

// Signature is how a service key (CA, OCSP responder, TSA) signs.
type Signature struct {
	Hash crypto.Hash
	OID  asn1.ObjectIdentifier
	X509 x509.SignatureAlgorithm
	// RSA: the AlgorithmIdentifier carries NULL parameters (RFC 4055).
	RSA bool
}

// SignatureFor picks the algorithm a service key signs with. RSA keys
// always use PKCS#1 v1.5 with SHA-256: crypto11 refuses RSA-PSS with an
// automatic salt length, and v1.5 is what every validator of qualified
// signatures accepts. The hash follows the curve size for ECDSA (SOG-IS /
// ETSI TS 119 312). The error says what is wrong; callers add whose key.
func SignatureFor(pub crypto.PublicKey) (Signature, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return Signature{Hash: crypto.SHA256, OID: ECDSAWithSHA256, X509: x509.ECDSAWithSHA256}, nil
		case elliptic.P384():
			return Signature{Hash: crypto.SHA384, OID: ECDSAWithSHA384, X509: x509.ECDSAWithSHA384}, nil
		case elliptic.P521():
			return Signature{Hash: crypto.SHA512, OID: ECDSAWithSHA512, X509: x509.ECDSAWithSHA512}, nil
		}
		return Signature{}, fmt.Errorf("only ECDSA P-256, P-384 and P-521 keys are supported, not %s", k.Curve.Params().Name)
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < 2048 {
			return Signature{}, fmt.Errorf("an RSA key of %d bits is too short; 2048 is the minimum", bits)
		}
		return Signature{Hash: crypto.SHA256, OID: SHA256WithRSA, X509: x509.SHA256WithRSA, RSA: true}, nil
	}
	return Signature{}, fmt.Errorf("unsupported signer key type %T; use ECDSA or RSA", pub)
}

// AlgorithmIdentifier is the signatureAlgorithm a CMS SignerInfo, an OCSP
// response or a certificate names s with: RSA identifiers carry NULL
// parameters (RFC 4055), ECDSA ones none (RFC 5758).
func (s Signature) AlgorithmIdentifier() pkix.AlgorithmIdentifier {
	if s.RSA {
		return pkix.AlgorithmIdentifier{Algorithm: s.OID, Parameters: asn1.NullRawValue}
	}
	return pkix.AlgorithmIdentifier{Algorithm: s.OID}
}
