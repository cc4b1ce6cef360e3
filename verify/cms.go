package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/oids"
)

// This file reads a CMS SignedData (a .p7m or .p7s, RFC 5652) far enough
// to check each signer the way qesctl verify reports it. It is a reader of
// its own, not internal/cms, so that what qes writes is checked by code
// that did not write it. It reads DER: a BER .p7m is first made DER by
// internal/ber (readP7).

var (
	tagExplicit0 = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagExplicit1 = cbasn1.Tag(1).Constructed().ContextSpecific()
	tagImplicit0 = cbasn1.Tag(0).ContextSpecific() // subjectKeyIdentifier
	errNotCMS    = ErrNotCMS
)

// p7 is a parsed SignedData.
type p7 struct {
	content  []byte // encapsulated content; nil when detached
	attached bool
	certs    []*x509.Certificate
	hasCRLs  bool     // the crls field holds revocation values (B-LT)
	crls     [][]byte // DER CertificateLists in the crls field
	ocsps    [][]byte // DER OCSPResponses (RFC 5940 other revocation info)
	signers  []*signerInfo
	// What an archive-time-stamp-v3 covers (EN 319 122-1 5.5.3), as
	// encoded: the eContentType element and every element of the
	// certificates and crls fields, whatever their format.
	rawEType []byte
	rawCerts [][]byte
	rawRevs  [][]byte
}

// signerInfo is one SignerInfo with what verification needs.
type signerInfo struct {
	sidIssuer []byte   // issuerAndSerialNumber issuer (DER), or nil
	sidSerial *big.Int // ... and serial
	sidSKI    []byte   // or subjectKeyIdentifier
	digestAlg asn1.ObjectIdentifier
	sigAlg    asn1.ObjectIdentifier
	sigParams []byte // DER parameters of the signature algorithm, if any
	signedSet []byte // the signed attributes re-tagged as SET OF, as signed
	signature []byte
	signed    map[string][][]byte // values (DER) by dotted OID
	unsigned  map[string][][]byte
	// rawFields is version, sid, digestAlgorithm, signedAttrs,
	// signatureAlgorithm and signature as encoded, and unsignedPairs each
	// unsigned attribute value with its attrType element: what an archive
	// time-stamp's imprint and hash index cover.
	rawFields     []byte
	unsignedPairs []attrValue
}

// attrValue is one value of an attribute with the attribute's type, each
// as encoded (tag, length and value).
type attrValue struct{ attrType, value []byte }

// parseP7 reads a ContentInfo holding SignedData.
func parseP7(der []byte) (*p7, error) {
	in := cryptobyte.String(der)
	var ci, explicit, sd, digestAlgs, encap, certs, signerInfos cryptobyte.String
	var ctype asn1.ObjectIdentifier
	var rawEType cryptobyte.String
	var version int
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty() || !ci.ReadASN1ObjectIdentifier(&ctype) || !ctype.Equal(oids.SignedData) ||
		!ci.ReadASN1(&explicit, tagExplicit0) || !ci.Empty() || !explicit.ReadASN1(&sd, cbasn1.SEQUENCE) || !explicit.Empty() ||
		!sd.ReadASN1Integer(&version) || !sd.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!sd.ReadASN1(&encap, cbasn1.SEQUENCE) || !encap.ReadASN1Element(&rawEType, cbasn1.OBJECT_IDENTIFIER) {
		return nil, errNotCMS
	}
	out := &p7{rawEType: rawEType}
	if !encap.Empty() {
		var wrap, content cryptobyte.String
		if !encap.ReadASN1(&wrap, tagExplicit0) || !wrap.ReadASN1(&content, cbasn1.OCTET_STRING) || !wrap.Empty() || !encap.Empty() {
			return nil, errNotCMS
		}
		out.content, out.attached = []byte(content), true
	}
	var present bool
	if !sd.ReadOptionalASN1(&certs, &present, tagExplicit0) {
		return nil, errNotCMS
	}
	for !certs.Empty() {
		var c cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&c, &tag) {
			return nil, errNotCMS
		}
		out.rawCerts = append(out.rawCerts, c)
		if tag != cbasn1.SEQUENCE {
			continue // other certificate formats
		}
		cert, err := x509.ParseCertificate(c)
		if err != nil {
			return nil, fmt.Errorf("a certificate in the SignedData: %w", err)
		}
		out.certs = append(out.certs, cert)
	}
	var crls cryptobyte.String
	if !sd.ReadOptionalASN1(&crls, &out.hasCRLs, tagExplicit1) || !sd.ReadASN1(&signerInfos, cbasn1.SET) || !sd.Empty() {
		return nil, errNotCMS
	}
	out.hasCRLs = out.hasCRLs && !crls.Empty()
	for !crls.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !crls.ReadAnyASN1Element(&el, &tag) {
			return nil, errNotCMS
		}
		out.rawRevs = append(out.rawRevs, el)
		switch tag {
		case cbasn1.SEQUENCE:
			out.crls = append(out.crls, el)
		case tagExplicit1: // OtherRevocationInfoFormat
			var body cryptobyte.String
			var format asn1.ObjectIdentifier
			var resp cryptobyte.String
			if el.ReadASN1(&body, tagExplicit1) && body.ReadASN1ObjectIdentifier(&format) && format.Equal(oids.OtherRevInfoOCSPResp) &&
				body.ReadASN1Element(&resp, cbasn1.SEQUENCE) {
				out.ocsps = append(out.ocsps, resp)
			}
		}
	}
	for !signerInfos.Empty() {
		var raw cryptobyte.String
		if !signerInfos.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
			return nil, errNotCMS
		}
		si, err := parseSignerInfo(raw)
		if err != nil {
			return nil, err
		}
		out.signers = append(out.signers, si)
	}
	if len(out.signers) == 0 {
		return nil, ErrNoSigner
	}
	return out, nil
}

func parseSignerInfo(raw []byte) (*signerInfo, error) {
	in := cryptobyte.String(raw)
	var si, sid, digestAlg, sigAlg cryptobyte.String
	var version int
	bad := errors.New("a SignerInfo is malformed")
	out := &signerInfo{signed: map[string][][]byte{}, unsigned: map[string][][]byte{}}
	if !in.ReadASN1(&si, cbasn1.SEQUENCE) {
		return nil, bad
	}
	whole := si
	if !si.ReadASN1Integer(&version) {
		return nil, bad
	}
	switch {
	case si.PeekASN1Tag(cbasn1.SEQUENCE):
		var issuer cryptobyte.String
		out.sidSerial = new(big.Int)
		if !si.ReadASN1(&sid, cbasn1.SEQUENCE) || !sid.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !sid.ReadASN1Integer(out.sidSerial) {
			return nil, bad
		}
		out.sidIssuer = issuer
	default:
		var ski cryptobyte.String
		if !si.ReadASN1(&ski, tagImplicit0) {
			return nil, bad
		}
		out.sidSKI = ski
	}
	if !si.ReadASN1(&digestAlg, cbasn1.SEQUENCE) || !digestAlg.ReadASN1ObjectIdentifier(&out.digestAlg) {
		return nil, bad
	}
	if si.PeekASN1Tag(tagExplicit0) {
		var attrs cryptobyte.String
		if !si.ReadASN1Element(&attrs, tagExplicit0) {
			return nil, bad
		}
		// What was signed is the attributes under the SET OF tag, not [0].
		out.signedSet = bytes.Clone(attrs)
		out.signedSet[0] = 0x31
		var body cryptobyte.String
		if !attrs.ReadASN1(&body, tagExplicit0) || !readAttrs(body, out.signed, nil) {
			return nil, bad
		}
	}
	if !si.ReadASN1(&sigAlg, cbasn1.SEQUENCE) || !sigAlg.ReadASN1ObjectIdentifier(&out.sigAlg) {
		return nil, bad
	}
	if !sigAlg.Empty() {
		out.sigParams = bytes.Clone(sigAlg)
	}
	if !si.ReadASN1Bytes(&out.signature, cbasn1.OCTET_STRING) {
		return nil, bad
	}
	out.rawFields = whole[:len(whole)-len(si)]
	if !si.Empty() {
		var unsigned cryptobyte.String
		if !si.ReadASN1(&unsigned, tagExplicit1) || !readAttrs(unsigned, out.unsigned, &out.unsignedPairs) || !si.Empty() {
			return nil, bad
		}
	}
	return out, nil
}

// readAttrs collects every value of every attribute by dotted OID and,
// when pairs is not nil, each value with its attribute's type as encoded.
func readAttrs(s cryptobyte.String, into map[string][][]byte, pairs *[]attrValue) bool {
	for !s.Empty() {
		var attr, values, rawType cryptobyte.String
		var id asn1.ObjectIdentifier
		if !s.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1Element(&rawType, cbasn1.OBJECT_IDENTIFIER) ||
			!attr.ReadASN1(&values, cbasn1.SET) {
			return false
		}
		if typ := cryptobyte.String(rawType); !typ.ReadASN1ObjectIdentifier(&id) {
			return false
		}
		for !values.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !values.ReadAnyASN1Element(&v, &tag) {
				return false
			}
			into[id.String()] = append(into[id.String()], v)
			if pairs != nil {
				*pairs = append(*pairs, attrValue{attrType: rawType, value: v})
			}
		}
	}
	return true
}

func (si *signerInfo) attr(id asn1.ObjectIdentifier) []byte {
	if v := si.signed[id.String()]; len(v) > 0 {
		return v[0]
	}
	return nil
}

// signerCert finds the signer's certificate among certs.
func (si *signerInfo) signerCert(certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		switch {
		case si.sidIssuer != nil && bytes.Equal(c.RawIssuer, si.sidIssuer) && c.SerialNumber.Cmp(si.sidSerial) == 0:
			return c
		case si.sidSKI != nil && bytes.Equal(c.SubjectKeyId, si.sidSKI):
			return c
		}
	}
	return nil
}

// checkContent compares the message-digest attribute with the digest of
// content (the document, or for a countersignature the countersigned
// signature value).
func (si *signerInfo) checkContent(content []byte) error {
	h, ok := oids.HashOf(si.digestAlg)
	if !ok {
		return fmt.Errorf("digest algorithm %v is not supported", si.digestAlg)
	}
	if si.signedSet == nil {
		return errors.New("no signed attributes (not a CAdES signature)")
	}
	var md []byte
	if rest, err := asn1.Unmarshal(si.attr(oids.AttrMessageDigest), &md); err != nil || len(rest) > 0 {
		return errors.New("the message-digest attribute is missing or malformed")
	}
	d := h.New()
	d.Write(content)
	if !bytes.Equal(md, d.Sum(nil)) {
		return errors.New("the content does not match the signed digest: it was changed after signing")
	}
	return nil
}

// checkSignature verifies the signature value over the signed attributes
// with cert's key: ECDSA, RSA PKCS#1 v1.5 or RSASSA-PSS, whether the
// algorithm names the hash or only the key type.
func (si *signerInfo) checkSignature(cert *x509.Certificate) error {
	h, ok := oids.HashOf(si.digestAlg)
	if !ok {
		return fmt.Errorf("digest algorithm %v is not supported", si.digestAlg)
	}
	var pss *rsa.PSSOptions
	switch {
	case si.sigAlg.Equal(oids.ECDSAWithSHA256):
		h = crypto.SHA256
	case si.sigAlg.Equal(oids.ECDSAWithSHA384):
		h = crypto.SHA384
	case si.sigAlg.Equal(oids.ECDSAWithSHA512):
		h = crypto.SHA512
	case si.sigAlg.Equal(oids.SHA256WithRSA):
		h = crypto.SHA256
	case si.sigAlg.Equal(oids.SHA384WithRSA):
		h = crypto.SHA384
	case si.sigAlg.Equal(oids.SHA512WithRSA):
		h = crypto.SHA512
	case si.sigAlg.Equal(oids.RSASSAPSS):
		var err error
		if h, pss, err = pssParams(si.sigParams); err != nil {
			return err
		}
	case si.sigAlg.Equal(oids.RSAEncryption), si.sigAlg.Equal(oids.ECPublicKey):
	default:
		return fmt.Errorf("signature algorithm %v is not supported", si.sigAlg)
	}
	d := h.New()
	d.Write(si.signedSet)
	digest := d.Sum(nil)
	var ok2 bool
	switch k := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		ok2 = pss == nil && ecdsa.VerifyASN1(k, digest, si.signature)
	case *rsa.PublicKey:
		if pss != nil {
			ok2 = rsa.VerifyPSS(k, h, digest, si.signature, pss) == nil
		} else {
			ok2 = rsa.VerifyPKCS1v15(k, h, digest, si.signature) == nil
		}
	}
	if !ok2 {
		return errors.New("the signature value does not verify with the signer's certificate")
	}
	return nil
}

// pssParams reads RSASSA-PSS-params (RFC 4055): hash and salt length
// (defaults SHA-1 and 20, which qes refuses as too weak).
func pssParams(der []byte) (crypto.Hash, *rsa.PSSOptions, error) {
	var p struct {
		Hash       asn1.RawValue `asn1:"optional,explicit,tag:0"`
		MGF        asn1.RawValue `asn1:"optional,explicit,tag:1"`
		SaltLength int           `asn1:"optional,explicit,tag:2,default:20"`
	}
	if rest, err := asn1.Unmarshal(der, &p); err != nil || len(rest) > 0 {
		return 0, nil, errors.New("RSASSA-PSS parameters are malformed")
	}
	var alg struct {
		Algorithm asn1.ObjectIdentifier
		Params    asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(p.Hash.Bytes, &alg); err != nil {
		return 0, nil, errors.New("RSASSA-PSS parameters name no supported hash")
	}
	h, ok := oids.HashOf(alg.Algorithm)
	if !ok {
		return 0, nil, fmt.Errorf("RSASSA-PSS hash %v is not supported", alg.Algorithm)
	}
	return h, &rsa.PSSOptions{SaltLength: p.SaltLength, Hash: h}, nil
}

// signingTime is the signing-time attribute (a claim of the signer).
func (si *signerInfo) signingTime() (time.Time, bool) {
	raw := si.attr(oids.AttrSigningTime)
	if raw == nil {
		return time.Time{}, false
	}
	var t time.Time
	if _, err := asn1.Unmarshal(raw, &t); err != nil {
		return time.Time{}, false
	}
	return t, true
}

// signingCertMatches checks signing-certificate-v2: the first ESSCertIDv2
// names cert (hash default SHA-256).
func (si *signerInfo) signingCertMatches(cert *x509.Certificate) bool {
	raw := si.attr(oids.AttrSigningCertV2)
	if raw == nil {
		return false
	}
	s := cryptobyte.String(raw)
	var sc, certs, id cryptobyte.String
	var hash []byte
	if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !sc.ReadASN1(&certs, cbasn1.SEQUENCE) || !certs.ReadASN1(&id, cbasn1.SEQUENCE) {
		return false
	}
	h := crypto.SHA256
	if id.PeekASN1Tag(cbasn1.SEQUENCE) {
		var alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
			return false
		}
		var ok bool
		if h, ok = oids.HashOf(oid); !ok {
			return false
		}
	}
	if !id.ReadASN1Bytes(&hash, cbasn1.OCTET_STRING) {
		return false
	}
	d := h.New()
	d.Write(cert.Raw)
	return bytes.Equal(d.Sum(nil), hash)
}
