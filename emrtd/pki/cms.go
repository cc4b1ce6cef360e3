package pki

import (
	"bytes"
	"crypto/subtle"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// SignedData is a CMS SignedData (RFC 5652 section 5) as EF.SOD and CSCA
// master lists carry it.
type SignedData struct {
	Version          int
	DigestAlgorithms []AlgorithmIdentifier
	EContentType     asn1.ObjectIdentifier
	// EContent is the encapsulated content's octets (nil when detached).
	EContent []byte
	// Certificates are the entries that parsed; CertificatesSkipped counts
	// those that did not (and the other CertificateChoices), which is not
	// an error: a DSC or signer that is needed and missing is found out
	// by FindCertificate.
	Certificates        []*Certificate
	CertificatesSkipped int
	// CRLs are the raw RevocationInfoChoices, if any.
	CRLs        [][]byte
	SignerInfos []SignerInfo
}

// SignerIdentifier is issuerAndSerialNumber or subjectKeyIdentifier.
type SignerIdentifier struct {
	RawIssuer    []byte
	Issuer       pkix.Name
	SerialNumber *big.Int
	SubjectKeyID []byte
}

// String describes the identifier for an error message.
func (id SignerIdentifier) String() string {
	if id.SubjectKeyID != nil {
		return fmt.Sprintf("subjectKeyIdentifier %X", id.SubjectKeyID)
	}
	return fmt.Sprintf("issuer %q serial %X", id.Issuer.String(), id.SerialNumber)
}

// Attribute is one signed attribute with its raw values' elements.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte
}

// SignerInfo is one signer.
type SignerInfo struct {
	Version         int
	SID             SignerIdentifier
	DigestAlgorithm AlgorithmIdentifier
	// RawSignedAttrs is the signedAttrs element as it appears, tag 0xA0
	// included; the signature covers it with the tag as 0x31.
	RawSignedAttrs     []byte
	SignedAttrs        []Attribute
	SignatureAlgorithm AlgorithmIdentifier
	Signature          []byte
	// SigningTime is the signingTime attribute, zero when absent.
	SigningTime time.Time
}

func cmsErr(what string) error {
	return errs.M(errs.InvalidRequest, msg.EmrtdCMSMalformed, what)
}

// maxCMSEntries bounds the certificates, CRLs, digest algorithms, signers
// and attributes one SignedData may carry: the German master list holds
// a few hundred certificates.
const maxCMSEntries = 4096

// ParseSignedData parses a ContentInfo holding a SignedData, in DER. An
// EF.SOD's application tag 0x77 around it is accepted and removed.
func ParseSignedData(der []byte) (*SignedData, error) {
	in := cryptobyte.String(der)
	if in.PeekASN1Tag(cbasn1.Tag(23).Constructed() | 0x40) { // [APPLICATION 23] = 0x77
		var inner cryptobyte.String
		if !in.ReadASN1(&inner, cbasn1.Tag(23).Constructed()|0x40) || !in.Empty() {
			return nil, cmsErr("EF.SOD wrapper")
		}
		in = inner
	}
	var ci, content, sd cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty() || !ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, cmsErr("ContentInfo")
	}
	if !ct.Equal(oidSignedData) {
		return nil, cmsErr("contentType " + ct.String() + " is not signedData")
	}
	if !ci.ReadASN1(&content, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() ||
		!content.ReadASN1(&sd, cbasn1.SEQUENCE) || !content.Empty() {
		return nil, cmsErr("content")
	}
	s := &SignedData{}
	var ok bool
	if s.Version, ok = readSmallInt(&sd); !ok {
		return nil, cmsErr("version")
	}
	var algs cryptobyte.String
	if !sd.ReadASN1(&algs, cbasn1.SET) {
		return nil, cmsErr("digestAlgorithms")
	}
	for !algs.Empty() {
		alg, ok := readAlgorithm(&algs)
		if !ok || len(s.DigestAlgorithms) >= maxCMSEntries {
			return nil, cmsErr("digestAlgorithms")
		}
		s.DigestAlgorithms = append(s.DigestAlgorithms, alg)
	}
	var eci cryptobyte.String
	if !sd.ReadASN1(&eci, cbasn1.SEQUENCE) || !eci.ReadASN1ObjectIdentifier(&s.EContentType) {
		return nil, cmsErr("encapContentInfo")
	}
	if !eci.Empty() {
		var explicit, octets cryptobyte.String
		if !eci.ReadASN1(&explicit, cbasn1.Tag(0).Constructed().ContextSpecific()) || !eci.Empty() ||
			!explicit.ReadASN1(&octets, cbasn1.OCTET_STRING) || !explicit.Empty() {
			return nil, cmsErr("eContent (a constructed OCTET STRING is BER, not DER)")
		}
		s.EContent = octets
	}
	var certs cryptobyte.String
	var present bool
	if !sd.ReadOptionalASN1(&certs, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, cmsErr("certificates")
	}
	for !certs.Empty() {
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&elem, &tag) || len(s.Certificates)+s.CertificatesSkipped >= maxCMSEntries {
			return nil, cmsErr("certificates")
		}
		if tag != cbasn1.SEQUENCE {
			s.CertificatesSkipped++ // an attribute or other certificate
			continue
		}
		cert, err := ParseCertificate(elem)
		if err != nil {
			s.CertificatesSkipped++
			continue
		}
		s.Certificates = append(s.Certificates, cert)
	}
	var crls cryptobyte.String
	if !sd.ReadOptionalASN1(&crls, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return nil, cmsErr("crls")
	}
	for !crls.Empty() {
		var elem cryptobyte.String
		if !crls.ReadAnyASN1Element(&elem, nil) || len(s.CRLs) >= maxCMSEntries {
			return nil, cmsErr("crls")
		}
		s.CRLs = append(s.CRLs, elem)
	}
	var signers cryptobyte.String
	if !sd.ReadASN1(&signers, cbasn1.SET) || !sd.Empty() {
		return nil, cmsErr("signerInfos")
	}
	for !signers.Empty() {
		if len(s.SignerInfos) >= maxCMSEntries {
			return nil, cmsErr("signerInfos")
		}
		si, err := parseSignerInfo(&signers)
		if err != nil {
			return nil, err
		}
		s.SignerInfos = append(s.SignerInfos, si)
	}
	return s, nil
}

func parseSignerInfo(in *cryptobyte.String) (SignerInfo, error) {
	var si SignerInfo
	var seq cryptobyte.String
	var ok bool
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return si, cmsErr("SignerInfo")
	}
	if si.Version, ok = readSmallInt(&seq); !ok {
		return si, cmsErr("SignerInfo version")
	}
	switch {
	case seq.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		if !seq.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) {
			return si, cmsErr("issuerAndSerialNumber")
		}
		si.SID.RawIssuer = issuer
		if si.SID.Issuer, ok = parseName(issuer); !ok {
			return si, cmsErr("issuerAndSerialNumber issuer")
		}
		if si.SID.SerialNumber, ok = readInteger(&ias); !ok || !ias.Empty() {
			return si, cmsErr("issuerAndSerialNumber serialNumber")
		}
	case seq.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		var ski cryptobyte.String
		if !seq.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) {
			return si, cmsErr("subjectKeyIdentifier")
		}
		si.SID.SubjectKeyID = ski
	default:
		return si, cmsErr("SignerIdentifier")
	}
	if si.DigestAlgorithm, ok = readAlgorithm(&seq); !ok {
		return si, cmsErr("digestAlgorithm")
	}
	attrsTag := cbasn1.Tag(0).Constructed().ContextSpecific()
	if seq.PeekASN1Tag(attrsTag) {
		var elem cryptobyte.String
		seq.ReadASN1Element(&elem, attrsTag)
		si.RawSignedAttrs = elem
		var err error
		if si.SignedAttrs, si.SigningTime, err = parseAttributes(elem); err != nil {
			return si, err
		}
	}
	if si.SignatureAlgorithm, ok = readAlgorithm(&seq); !ok {
		return si, cmsErr("signatureAlgorithm")
	}
	var sig cryptobyte.String
	if !seq.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return si, cmsErr("signature")
	}
	si.Signature = sig
	if !seq.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) || !seq.Empty() {
		return si, cmsErr("unsignedAttrs")
	}
	return si, nil
}

func parseAttributes(elem []byte) ([]Attribute, time.Time, error) {
	var signingTime time.Time
	in := cryptobyte.String(elem)
	var set cryptobyte.String
	in.ReadASN1(&set, cbasn1.Tag(0).Constructed().ContextSpecific())
	var attrs []Attribute
	for !set.Empty() {
		var a Attribute
		var seq, values cryptobyte.String
		if len(attrs) >= maxCMSEntries || !set.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.Type) ||
			!seq.ReadASN1(&values, cbasn1.SET) || !seq.Empty() {
			return nil, signingTime, cmsErr("signed attribute")
		}
		for !values.Empty() {
			var v cryptobyte.String
			if len(a.Values) >= maxCMSEntries || !values.ReadAnyASN1Element(&v, nil) {
				return nil, signingTime, cmsErr("signed attribute value")
			}
			a.Values = append(a.Values, v)
		}
		if a.Type.Equal(oidAttrSigningTime) && len(a.Values) == 1 {
			v := cryptobyte.String(a.Values[0])
			t, ok := readTime(&v)
			if !ok || !v.Empty() {
				return nil, signingTime, cmsErr("signingTime")
			}
			signingTime = t
		}
		attrs = append(attrs, a)
	}
	return attrs, signingTime, nil
}

// FindCertificate returns the certificate the SID names: by
// subjectKeyIdentifier, or by issuer (RFC 5280 name comparison) and
// serial number.
func (si *SignerInfo) FindCertificate(certs []*Certificate) (*Certificate, error) {
	for _, c := range certs {
		if si.SID.SubjectKeyID != nil {
			if len(c.SubjectKeyID) > 0 && bytes.Equal(c.SubjectKeyID, si.SID.SubjectKeyID) {
				return c, nil
			}
			continue
		}
		if c.SerialNumber.Cmp(si.SID.SerialNumber) == 0 && SameName(c.RawIssuer, si.SID.RawIssuer) {
			return c, nil
		}
	}
	return nil, errs.M(errs.InvalidRequest, msg.EmrtdSignerNotFound, si.SID.String())
}

func attrErr(what string) error {
	return errs.M(errs.InvalidRequest, msg.EmrtdCMSAttributes, what)
}

// single returns the one value of the one attribute of type t.
func (si *SignerInfo) single(t asn1.ObjectIdentifier, name string) ([]byte, error) {
	var found []byte
	for _, a := range si.SignedAttrs {
		if !a.Type.Equal(t) {
			continue
		}
		if found != nil || len(a.Values) != 1 {
			return nil, attrErr(name + " must be one attribute with one value")
		}
		found = a.Values[0]
	}
	if found == nil {
		return nil, attrErr(name + " is missing")
	}
	return found, nil
}

// Verify checks the signer against cert: the contentType attribute equals
// eContentType, messageDigest equals the digest of eContent under the
// digest algorithm, and the signature over the DER SET of the signed
// attributes verifies with cert's key. Signed attributes are required
// (ICAO 9303-10 4.6.2.2 and 9303-12 both mandate them).
func (si *SignerInfo) Verify(cert *Certificate, eContentType asn1.ObjectIdentifier, eContent []byte) error {
	if si.RawSignedAttrs == nil {
		return attrErr("no signed attributes")
	}
	h, ok := HashByOID(si.DigestAlgorithm.Algorithm)
	if !ok {
		return unsupported("digest algorithm %s", si.DigestAlgorithm.Algorithm)
	}
	ctRaw, err := si.single(oidAttrContentType, "contentType")
	if err != nil {
		return err
	}
	var ct asn1.ObjectIdentifier
	v := cryptobyte.String(ctRaw)
	if !v.ReadASN1ObjectIdentifier(&ct) || !v.Empty() {
		return attrErr("contentType is not an OBJECT IDENTIFIER")
	}
	if !ct.Equal(eContentType) {
		return attrErr(fmt.Sprintf("contentType %s is not the eContentType %s", ct, eContentType))
	}
	mdRaw, err := si.single(oidAttrMessageDigest, "messageDigest")
	if err != nil {
		return err
	}
	var md cryptobyte.String
	v = cryptobyte.String(mdRaw)
	if !v.ReadASN1(&md, cbasn1.OCTET_STRING) || !v.Empty() {
		return attrErr("messageDigest is not an OCTET STRING")
	}
	if subtle.ConstantTimeCompare(md, digest(h, eContent)) != 1 {
		return attrErr("messageDigest is not the " + h.String() + " of the content")
	}
	if cert == nil {
		return sigErr(si.SignatureAlgorithm.String(), "no signer certificate")
	}
	signed := make([]byte, len(si.RawSignedAttrs))
	copy(signed, si.RawSignedAttrs)
	signed[0] = 0x31 // [0] IMPLICIT SET OF -> SET OF (RFC 5652 5.4)
	return verifyWithHash(cert.PublicKey, si.SignatureAlgorithm, h, signed, si.Signature)
}

// SignatureAlgorithmName names the signature as a report shows it: the
// signature algorithm, with the digest when the algorithm names only a
// key type ("rsaEncryption with SHA-256").
func (si *SignerInfo) SignatureAlgorithmName() string {
	spec, ok := lookupSigAlg(si.SignatureAlgorithm.Algorithm)
	if ok && (spec.kind == kindRSAKeyOnly || spec.kind == kindECKeyOnly) {
		if h, ok := HashByOID(si.DigestAlgorithm.Algorithm); ok {
			return spec.name + " with " + h.String()
		}
	}
	return si.SignatureAlgorithm.String()
}
