// Package pki is the signature side of ICAO 9303 verification: X.509
// certificates, CRLs and CMS SignedData as CSCAs, Document Signers and
// master-list signers really write them, and the signature checks Go's
// crypto/x509 refuses (brainpool curves, explicit EC domain parameters,
// SHA-1 RSA, RSASSA-PSS with any parameters, link certificates with
// cA=false), plus the Active Authentication signature check.
//
// The parsers are qes's own, on cryptobyte: definite-length DER, every
// field a view of the input, no allocation beyond a small multiple of the
// input's size. Parsing never decides trust: callers chain, compare names
// and check validity with the helpers here.
package pki

import (
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/emrtd/ec"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Certificate is a parsed X.509 certificate.
type Certificate struct {
	Raw, RawTBS, RawSubject, RawIssuer []byte
	// RawSubjectPublicKeyInfo is the SPKI element, as DG15 would hold it.
	RawSubjectPublicKeyInfo []byte
	Version                 int // 1, 2 or 3
	Subject, Issuer         pkix.Name
	SerialNumber            *big.Int
	NotBefore, NotAfter     time.Time
	SubjectKeyID            []byte
	AuthorityKeyID          []byte
	IsCA                    bool
	BasicConstraintsValid   bool
	KeyUsage                x509.KeyUsage
	PublicKey               PublicKey
	// PublicKeyAlgorithm is the SPKI's algorithm, with the EC parameters
	// as the certificate wrote them (named or explicit).
	PublicKeyAlgorithm AlgorithmIdentifier
	SignatureAlgorithm AlgorithmIdentifier
	Signature          []byte
}

var (
	oidExtSKI              = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidExtAKI              = asn1.ObjectIdentifier{2, 5, 29, 35}
)

func certErr(what string) error {
	return errs.M(errs.InvalidRequest, msg.EmrtdCertMalformed, what)
}

// ParseCertificate parses one DER certificate, with no trailing data.
func ParseCertificate(der []byte) (*Certificate, error) {
	in := cryptobyte.String(der)
	var certElem cryptobyte.String
	if !in.ReadASN1Element(&certElem, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, certErr("not one DER SEQUENCE")
	}
	c := &Certificate{Raw: certElem}
	var cert cryptobyte.String
	certElem.ReadASN1(&cert, cbasn1.SEQUENCE)
	var tbsElem cryptobyte.String
	if !cert.ReadASN1Element(&tbsElem, cbasn1.SEQUENCE) {
		return nil, certErr("tbsCertificate")
	}
	c.RawTBS = tbsElem
	var ok bool
	if c.SignatureAlgorithm, ok = readAlgorithm(&cert); !ok {
		return nil, certErr("signatureAlgorithm")
	}
	if c.Signature, ok = readBitString(&cert); !ok || !cert.Empty() {
		return nil, certErr("signatureValue")
	}

	var tbs cryptobyte.String
	tbsElem.ReadASN1(&tbs, cbasn1.SEQUENCE)
	c.Version = 1
	var versionField cryptobyte.String
	var hasVersion bool
	if !tbs.ReadOptionalASN1(&versionField, &hasVersion, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, certErr("version")
	}
	if hasVersion {
		v, ok := readSmallInt(&versionField)
		if !ok || !versionField.Empty() || v > 2 {
			return nil, certErr("version")
		}
		c.Version = v + 1
	}
	if c.SerialNumber, ok = readInteger(&tbs); !ok {
		return nil, certErr("serialNumber")
	}
	innerAlg, ok := readAlgorithm(&tbs)
	if !ok {
		return nil, certErr("signature")
	}
	// RFC 5280 4.1.1.2: the two must be the same algorithm. Parameters are
	// not compared byte for byte (NULL against absent occurs in the wild).
	if !innerAlg.Algorithm.Equal(c.SignatureAlgorithm.Algorithm) {
		return nil, certErr("the two signature algorithms differ")
	}
	var issuer, subject cryptobyte.String
	if !tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) {
		return nil, certErr("issuer")
	}
	c.RawIssuer = issuer
	if c.Issuer, ok = parseName(issuer); !ok {
		return nil, certErr("issuer")
	}
	var validity cryptobyte.String
	if !tbs.ReadASN1(&validity, cbasn1.SEQUENCE) {
		return nil, certErr("validity")
	}
	if c.NotBefore, ok = readTime(&validity); !ok {
		return nil, certErr("notBefore")
	}
	if c.NotAfter, ok = readTime(&validity); !ok || !validity.Empty() {
		return nil, certErr("notAfter")
	}
	if !tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) {
		return nil, certErr("subject")
	}
	c.RawSubject = subject
	if c.Subject, ok = parseName(subject); !ok {
		return nil, certErr("subject")
	}
	var spki cryptobyte.String
	if !tbs.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		return nil, certErr("subjectPublicKeyInfo")
	}
	c.RawSubjectPublicKeyInfo = spki
	pub, keyAlg, err := parseSPKI(spki)
	if err != nil {
		return nil, err
	}
	c.PublicKey, c.PublicKeyAlgorithm = pub, keyAlg
	// issuerUniqueID [1] and subjectUniqueID [2] are skipped.
	for _, tag := range []cbasn1.Tag{cbasn1.Tag(1).ContextSpecific(), cbasn1.Tag(2).ContextSpecific()} {
		if !tbs.SkipOptionalASN1(tag) {
			return nil, certErr("unique identifier")
		}
	}
	var extsField cryptobyte.String
	var hasExts bool
	if !tbs.ReadOptionalASN1(&extsField, &hasExts, cbasn1.Tag(3).Constructed().ContextSpecific()) {
		return nil, certErr("extensions")
	}
	if !tbs.Empty() {
		return nil, certErr("trailing data in tbsCertificate")
	}
	if hasExts {
		if err := c.parseExtensions(extsField); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Certificate) parseExtensions(field cryptobyte.String) error {
	var exts cryptobyte.String
	if !field.ReadASN1(&exts, cbasn1.SEQUENCE) || !field.Empty() {
		return certErr("extensions")
	}
	seen := map[string]bool{}
	for !exts.Empty() {
		var ext, value cryptobyte.String
		var id asn1.ObjectIdentifier
		var critical bool
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&id) ||
			!readOptionalBool(&ext, &critical) ||
			!ext.ReadASN1(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return certErr("extension")
		}
		if seen[id.String()] {
			return certErr("extension " + id.String() + " appears twice")
		}
		seen[id.String()] = true
		switch {
		case id.Equal(oidExtSKI):
			var ski cryptobyte.String
			if !value.ReadASN1(&ski, cbasn1.OCTET_STRING) || !value.Empty() {
				return certErr("subjectKeyIdentifier")
			}
			c.SubjectKeyID = ski
		case id.Equal(oidExtAKI):
			var aki, keyID cryptobyte.String
			var present bool
			if !value.ReadASN1(&aki, cbasn1.SEQUENCE) || !value.Empty() ||
				!aki.ReadOptionalASN1(&keyID, &present, cbasn1.Tag(0).ContextSpecific()) {
				return certErr("authorityKeyIdentifier")
			}
			if present {
				c.AuthorityKeyID = keyID
			}
		case id.Equal(oidExtBasicConstraints):
			var bc cryptobyte.String
			if !value.ReadASN1(&bc, cbasn1.SEQUENCE) || !value.Empty() ||
				!readOptionalBool(&bc, &c.IsCA) {
				return certErr("basicConstraints")
			}
			c.BasicConstraintsValid = true
		case id.Equal(oidExtKeyUsage):
			var bs asn1.BitString
			if !value.ReadASN1BitString(&bs) || !value.Empty() {
				return certErr("keyUsage")
			}
			var ku int
			for i := 0; i < 9; i++ {
				if bs.At(i) != 0 {
					ku |= 1 << uint(i)
				}
			}
			c.KeyUsage = x509.KeyUsage(ku)
		}
	}
	return nil
}

// ParsePublicKey parses a SubjectPublicKeyInfo (as in a certificate or in
// DG15): RSA, or EC with a named curve or explicit parameters that match
// a curve of emrtd/ec.
func ParsePublicKey(spki []byte) (PublicKey, error) {
	pub, _, err := parseSPKI(spki)
	return pub, err
}

func keyErr(format string, args ...any) error {
	return errs.M(errs.InvalidRequest, msg.EmrtdKeyUnsupported, fmt.Sprintf(format, args...))
}

// maxRSABits bounds the modulus: a larger one is no CSCA's and would only
// make verification expensive.
const maxRSABits = 16384

func parseSPKI(der []byte) (PublicKey, AlgorithmIdentifier, error) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, AlgorithmIdentifier{}, keyErr("subjectPublicKeyInfo is not one SEQUENCE")
	}
	alg, ok := readAlgorithm(&seq)
	if !ok {
		return nil, alg, keyErr("algorithm")
	}
	keyBytes, ok := readBitString(&seq)
	if !ok || !seq.Empty() {
		return nil, alg, keyErr("subjectPublicKey")
	}
	switch {
	case alg.Algorithm.Equal(OIDRSAEncryption), alg.Algorithm.Equal(OIDRSASSAPSS):
		k := cryptobyte.String(keyBytes)
		var rsaSeq cryptobyte.String
		if !k.ReadASN1(&rsaSeq, cbasn1.SEQUENCE) || !k.Empty() {
			return nil, alg, keyErr("RSA key")
		}
		n, ok1 := readInteger(&rsaSeq)
		e, ok2 := readInteger(&rsaSeq)
		if !ok1 || !ok2 || !rsaSeq.Empty() || n.Sign() <= 0 || n.BitLen() > maxRSABits {
			return nil, alg, keyErr("RSA key")
		}
		if e.Sign() <= 0 || e.BitLen() > 31 || e.Bit(0) == 0 || e.Int64() < 3 {
			return nil, alg, keyErr("RSA public exponent")
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, alg, nil
	case alg.Algorithm.Equal(OIDECPublicKey):
		curve, err := curveFromParams(alg.Parameters)
		if err != nil {
			return nil, alg, err
		}
		x, y, err := ec.Unmarshal(curve, keyBytes)
		if err != nil {
			return nil, alg, keyErr("EC point: %v", err)
		}
		return &ec.PublicKey{Curve: curve, X: x, Y: y}, alg, nil
	}
	return nil, alg, keyErr("key algorithm %s", alg.Algorithm)
}

// curveFromParams resolves ECParameters: a named curve, or explicit
// SpecifiedECDomain (SEC 1 C.2 / RFC 3279) matched against the known
// curves. implicitlyCA and unknown curves are refused.
func curveFromParams(params []byte) (*ec.Curve, error) {
	in := cryptobyte.String(params)
	if in.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
		var oid asn1.ObjectIdentifier
		if !in.ReadASN1ObjectIdentifier(&oid) || !in.Empty() {
			return nil, keyErr("named curve")
		}
		if c := ec.CurveByOID(oid); c != nil {
			return c, nil
		}
		return nil, keyErr("curve %s", oid)
	}
	var seq, fieldID, curveSeq, aOct, bOct, base cryptobyte.String
	var fieldType asn1.ObjectIdentifier
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, keyErr("EC parameters are neither a named curve nor explicit")
	}
	version, ok := readSmallInt(&seq)
	if !ok || version < 1 || version > 3 {
		return nil, keyErr("explicit EC parameters: version")
	}
	if !seq.ReadASN1(&fieldID, cbasn1.SEQUENCE) || !fieldID.ReadASN1ObjectIdentifier(&fieldType) {
		return nil, keyErr("explicit EC parameters: fieldID")
	}
	if !fieldType.Equal(oidPrimeField) {
		return nil, keyErr("explicit EC parameters: field %s is not a prime field", fieldType)
	}
	p, ok := readInteger(&fieldID)
	if !ok || !fieldID.Empty() || p.Sign() <= 0 {
		return nil, keyErr("explicit EC parameters: prime")
	}
	if !seq.ReadASN1(&curveSeq, cbasn1.SEQUENCE) || !curveSeq.ReadASN1(&aOct, cbasn1.OCTET_STRING) ||
		!curveSeq.ReadASN1(&bOct, cbasn1.OCTET_STRING) || !curveSeq.SkipOptionalASN1(cbasn1.BIT_STRING) || !curveSeq.Empty() {
		return nil, keyErr("explicit EC parameters: curve")
	}
	if !seq.ReadASN1(&base, cbasn1.OCTET_STRING) {
		return nil, keyErr("explicit EC parameters: base")
	}
	n, ok := readInteger(&seq)
	if !ok {
		return nil, keyErr("explicit EC parameters: order")
	}
	if seq.PeekASN1Tag(cbasn1.INTEGER) {
		h, ok := readSmallInt(&seq)
		if !ok || h != 1 {
			return nil, keyErr("explicit EC parameters: cofactor")
		}
	}
	// hash (version 2/3) and anything after are not used: the curve must
	// be one we know, whatever the generation method.
	a := new(big.Int).SetBytes(aOct)
	b := new(big.Int).SetBytes(bOct)
	// The generator may be compressed: decode it against each candidate
	// curve with this prime.
	for _, c := range ec.Curves {
		if c.P.Cmp(p) != 0 {
			continue
		}
		gx, gy, err := ec.Unmarshal(c, base)
		if err != nil {
			continue
		}
		if m := ec.MatchExplicit(p, a, b, gx, gy, n); m != nil {
			return m, nil
		}
	}
	return nil, keyErr("explicit EC parameters match no known curve")
}

// Country is the subject's country (C), upper case, or "".
func (c *Certificate) Country() string {
	if len(c.Subject.Country) == 0 {
		return ""
	}
	return strings.ToUpper(strings.TrimSpace(c.Subject.Country[0]))
}

// CheckSignatureFrom checks only that parent's key signed c. It does not
// look at parent's cA flag or key usage on purpose: Italian link
// certificates with cA=false sign real CSCAs. Callers match names with
// IssuedBy and validity with ValidAt.
func (c *Certificate) CheckSignatureFrom(parent *Certificate) error {
	if parent == nil || parent.PublicKey == nil {
		return sigErr(c.SignatureAlgorithm.String(), "no issuer key")
	}
	return VerifySignature(parent.PublicKey, c.SignatureAlgorithm, c.RawTBS, c.Signature)
}

// IssuedBy reports whether parent's subject is c's issuer (RFC 5280 name
// comparison) and, when both carry key identifiers, they agree.
func (c *Certificate) IssuedBy(parent *Certificate) bool {
	if parent == nil || !SameName(c.RawIssuer, parent.RawSubject) {
		return false
	}
	if len(c.AuthorityKeyID) > 0 && len(parent.SubjectKeyID) > 0 && string(c.AuthorityKeyID) != string(parent.SubjectKeyID) {
		return false
	}
	return true
}

// ValidAt reports whether t lies within [NotBefore, NotAfter].
func (c *Certificate) ValidAt(t time.Time) bool {
	return !t.Before(c.NotBefore) && !t.After(c.NotAfter)
}
