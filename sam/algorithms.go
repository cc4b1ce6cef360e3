package sam

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// OIDs of the hash and signature algorithms qes speaks in the CSC API.
const (
	OIDSHA256 = "2.16.840.1.101.3.4.2.1"
	OIDSHA384 = "2.16.840.1.101.3.4.2.2"
	OIDSHA512 = "2.16.840.1.101.3.4.2.3"

	OIDRSA           = "1.2.840.113549.1.1.1" // rsaEncryption: PKCS#1 v1.5, hash given separately
	OIDRSAPSS        = "1.2.840.113549.1.1.10"
	OIDSHA256WithRSA = "1.2.840.113549.1.1.11"
	OIDSHA384WithRSA = "1.2.840.113549.1.1.12"
	OIDSHA512WithRSA = "1.2.840.113549.1.1.13"
	OIDECPublicKey   = "1.2.840.10045.2.1" // ECDSA, hash given separately
	OIDECDSASHA256   = "1.2.840.10045.4.3.2"
	OIDECDSASHA384   = "1.2.840.10045.4.3.3"
	OIDECDSASHA512   = "1.2.840.10045.4.3.4"

	OIDCurveP256 = "1.2.840.10045.3.1.7"
	OIDCurveP384 = "1.3.132.0.34"
)

// HashOID is the OID of h ("" for unsupported hashes).
func HashOID(h crypto.Hash) string {
	if id, ok := oids.ForHash(h); ok {
		return id.String()
	}
	return ""
}

// HashFromOID resolves a supported hash OID. SHA-1 and others are refused:
// the CSC spec requires SHA-256 or stronger.
func HashFromOID(oid string) (crypto.Hash, bool) {
	id, err := oids.Parse(oid)
	if err != nil {
		return 0, false
	}
	return oids.HashOf(id)
}

// hashFromLength identifies the hash of a raw digest by its length; unique
// among the hashes qes accepts.
func hashFromLength(n int) (crypto.Hash, bool) {
	switch n {
	case 32:
		return crypto.SHA256, true
	case 48:
		return crypto.SHA384, true
	case 64:
		return crypto.SHA512, true
	}
	return 0, false
}

// SupportedHashOIDs are advertised by info.
var SupportedHashOIDs = []string{OIDSHA256, OIDSHA384, OIDSHA512}

type keyFamily int

const (
	familyRSA keyFamily = iota + 1
	familyEC
)

type signAlgo struct {
	family keyFamily
	hash   crypto.Hash // 0: taken from hashAlgorithmOID
	pss    bool
}

var signAlgos = map[string]signAlgo{
	OIDRSA:           {family: familyRSA},
	OIDSHA256WithRSA: {family: familyRSA, hash: crypto.SHA256},
	OIDSHA384WithRSA: {family: familyRSA, hash: crypto.SHA384},
	OIDSHA512WithRSA: {family: familyRSA, hash: crypto.SHA512},
	OIDRSAPSS:        {family: familyRSA, pss: true},
	OIDECPublicKey:   {family: familyEC},
	OIDECDSASHA256:   {family: familyEC, hash: crypto.SHA256},
	OIDECDSASHA384:   {family: familyEC, hash: crypto.SHA384},
	OIDECDSASHA512:   {family: familyEC, hash: crypto.SHA512},
}

// SignAlgorithmOIDs are advertised by info, combined OIDs first.
var SignAlgorithmOIDs = []string{
	OIDSHA256WithRSA, OIDSHA384WithRSA, OIDSHA512WithRSA, OIDRSAPSS, OIDRSA,
	OIDECDSASHA256, OIDECDSASHA384, OIDECDSASHA512, OIDECPublicKey,
}

// keyAlgos lists what credentials/info reports in key.algo for a key. The
// combined OID with the key's natural hash comes first because some clients
// (pdfsign) sign with key.algo[0] as is.
func keyAlgos(pub crypto.PublicKey) []string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return []string{OIDSHA256WithRSA, OIDSHA384WithRSA, OIDSHA512WithRSA, OIDRSAPSS, OIDRSA}
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P384() {
			return []string{OIDECDSASHA384, OIDECDSASHA256, OIDECDSASHA512, OIDECPublicKey}
		}
		return []string{OIDECDSASHA256, OIDECDSASHA384, OIDECDSASHA512, OIDECPublicKey}
	}
	return nil
}

// keyLenAndCurve reports key.len and key.curve.
func keyLenAndCurve(pub crypto.PublicKey) (int, string) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen(), ""
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return 256, OIDCurveP256
		case elliptic.P384():
			return 384, OIDCurveP384
		}
		return k.Curve.Params().BitSize, ""
	}
	return 0, ""
}

// SignParams is a resolved signature request: the hash every digest must be
// and the options to hand to the HSM signer.
type SignParams struct {
	Hash crypto.Hash
	Opts crypto.SignerOpts
}

// ResolveSignAlgo checks signAlgo (and hashAlgorithmOID / signAlgoParams
// where the algorithm needs them) against the credential's key.
func ResolveSignAlgo(pub crypto.PublicKey, signAlgoOID, hashOID, paramsB64 string) (SignParams, error) {
	alg, ok := signAlgos[signAlgoOID]
	if !ok {
		return SignParams{}, errs.M(errs.InvalidRequest, msg.InvalidParam, "signAlgo")
	}
	switch pub.(type) {
	case *rsa.PublicKey:
		if alg.family != familyRSA {
			return SignParams{}, errs.M(errs.InvalidRequest, msg.InvalidParam, "signAlgo")
		}
	case *ecdsa.PublicKey:
		if alg.family != familyEC {
			return SignParams{}, errs.M(errs.InvalidRequest, msg.InvalidParam, "signAlgo")
		}
	default:
		return SignParams{}, errs.E(errs.Internal, "credential has an unsupported key type")
	}
	if alg.pss {
		if paramsB64 == "" {
			return SignParams{}, errs.M(errs.InvalidRequest, msg.MissingParam, "string", "signAlgoParams")
		}
		return resolvePSS(pub.(*rsa.PublicKey), paramsB64, hashOID)
	}
	h := alg.hash
	if h == 0 {
		// The spec makes hashAlgorithmOID required exactly when signAlgo
		// does not imply the hash; when it does, the OID is ignored.
		if hashOID == "" {
			return SignParams{}, errs.M(errs.InvalidRequest, msg.MissingParam, "string", "hashAlgorithmOID")
		}
		var ok bool
		if h, ok = HashFromOID(hashOID); !ok {
			return SignParams{}, errs.M(errs.InvalidRequest, msg.InvalidParam, "hashAlgorithmOID")
		}
	}
	return SignParams{Hash: h, Opts: h}, nil
}

// RFC 8017 A.2.3 RSASSA-PSS-params.
type pssParams struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:0"`
	MGF          pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:1"`
	SaltLength   int                      `asn1:"explicit,optional,tag:2,default:20"`
	TrailerField int                      `asn1:"explicit,optional,tag:3,default:1"`
}

func resolvePSS(pub *rsa.PublicKey, paramsB64, hashOID string) (SignParams, error) {
	bad := errs.M(errs.InvalidRequest, msg.InvalidParam, "signAlgoParams")
	der, err := base64.StdEncoding.DecodeString(paramsB64)
	if err != nil {
		return SignParams{}, bad
	}
	var p pssParams
	rest, err := asn1.Unmarshal(der, &p)
	if err != nil || len(rest) != 0 {
		return SignParams{}, bad
	}
	if len(p.Hash.Algorithm) == 0 {
		// Absent means SHA-1, which qes refuses.
		return SignParams{}, errs.M(errs.InvalidRequest, msg.PSSNoSHA1)
	}
	h, ok := HashFromOID(p.Hash.Algorithm.String())
	if !ok {
		return SignParams{}, errs.M(errs.InvalidRequest, msg.PSSUnsupportedHash)
	}
	if hashOID != "" && hashOID != p.Hash.Algorithm.String() {
		return SignParams{}, errs.M(errs.InvalidRequest, msg.HashAlgoContradicts)
	}
	if !p.MGF.Algorithm.Equal(oids.MGF1) {
		return SignParams{}, errs.M(errs.InvalidRequest, msg.PSSOnlyMGF1)
	}
	var mgfHash pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mgfHash); err != nil || mgfHash.Algorithm.String() != p.Hash.Algorithm.String() {
		return SignParams{}, errs.M(errs.InvalidRequest, msg.PSSMGF1Hash)
	}
	if p.TrailerField != 1 {
		return SignParams{}, bad
	}
	maxSalt := (pub.N.BitLen()-1+7)/8 - h.Size() - 2
	// A zero salt cannot be expressed to crypto.Signer (0 means "auto",
	// which PKCS#11 tokens refuse), so the range starts at 1.
	if p.SaltLength < 1 || p.SaltLength > maxSalt {
		return SignParams{}, errs.M(errs.InvalidRequest, msg.PSSSaltLength, maxSalt)
	}
	return SignParams{Hash: h, Opts: &rsa.PSSOptions{Hash: h, SaltLength: p.SaltLength}}, nil
}

// PSSParams encodes RSASSA-PSS-params for hash h with the given salt length
// (clients and tests build signAlgoParams with it).
func PSSParams(h crypto.Hash, saltLen int) (string, error) {
	oid, ok := oids.ForHash(h)
	if !ok {
		return "", errs.M(errs.InvalidRequest, msg.MalformedOID, HashOID(h))
	}
	hashAlg := pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
	hashDER, err := asn1.Marshal(hashAlg)
	if err != nil {
		return "", errs.Internalf(err, "encode PSS hash")
	}
	der, err := asn1.Marshal(pssParams{
		Hash:         hashAlg,
		MGF:          pkix.AlgorithmIdentifier{Algorithm: oids.MGF1, Parameters: asn1.RawValue{FullBytes: hashDER}},
		SaltLength:   saltLen,
		TrailerField: 1,
	})
	if err != nil {
		return "", errs.Internalf(err, "encode PSS params")
	}
	return base64.StdEncoding.EncodeToString(der), nil
}
