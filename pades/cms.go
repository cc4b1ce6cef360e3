package pades

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"sort"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/oids"
)

// attribute is a CMS Attribute with one value, already DER-encoded.
type attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

func newAttribute(oid asn1.ObjectIdentifier, value []byte) ([]byte, error) {
	return asn1.Marshal(attribute{Type: oid, Values: []asn1.RawValue{{FullBytes: value}}})
}

type issuerSerial struct {
	Issuer []asn1.RawValue // GeneralNames with one directoryName
	Serial *big.Int
}

type essCertIDv2 struct {
	// hashAlgorithm is omitted: SHA-256 is its DEFAULT, and DER omits defaults.
	CertHash     []byte
	IssuerSerial issuerSerial
}

type signingCertificateV2 struct {
	Certs []essCertIDv2
}

// signingCertV2 encodes the ESS signing-certificate-v2 value that binds the
// signature to the signer's certificate (SHA-256 hash plus issuer/serial).
func signingCertV2(cert *x509.Certificate) ([]byte, error) {
	sum := sha256.Sum256(cert.Raw)
	dirName := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawIssuer}
	return asn1.Marshal(signingCertificateV2{Certs: []essCertIDv2{{
		CertHash:     sum[:],
		IssuerSerial: issuerSerial{Issuer: []asn1.RawValue{dirName}, Serial: cert.SerialNumber},
	}}})
}

// signedAttrs holds the DER-encoded attributes in DER (sorted) order.
type signedAttrs [][]byte

// buildSignedAttrs returns the PAdES/CAdES signed attributes. signingTime is
// only set for CAdES: PAdES forbids the attribute and puts the time in /M.
func buildSignedAttrs(cert *x509.Certificate, messageDigest []byte, signingTime *time.Time) (signedAttrs, error) {
	ct, err := asn1.Marshal(oids.Data)
	if err != nil {
		return nil, err
	}
	md, err := asn1.Marshal(messageDigest)
	if err != nil {
		return nil, err
	}
	scv2, err := signingCertV2(cert)
	if err != nil {
		return nil, err
	}
	items := []struct {
		oid asn1.ObjectIdentifier
		val []byte
	}{{oids.AttrContentType, ct}, {oids.AttrMessageDigest, md}, {oids.AttrSigningCertV2, scv2}}
	if signingTime != nil {
		st, err := asn1.Marshal(signingTime.UTC().Truncate(time.Second))
		if err != nil {
			return nil, err
		}
		items = append(items, struct {
			oid asn1.ObjectIdentifier
			val []byte
		}{oids.AttrSigningTime, st})
	}
	var attrs signedAttrs
	for _, it := range items {
		a, err := newAttribute(it.oid, it.val)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, a)
	}
	sort.Slice(attrs, func(i, j int) bool { return bytes.Compare(attrs[i], attrs[j]) < 0 })
	return attrs, nil
}

// setOf wraps concatenated DER elements with the given tag byte.
func setOf(tag byte, elems [][]byte) []byte {
	var body []byte
	for _, e := range elems {
		body = append(body, e...)
	}
	return tlv(tag, body)
}

func tlv(tag byte, body []byte) []byte {
	out := []byte{tag}
	n := len(body)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, body...)
}

// toBeSigned is the DER SET OF the attributes: what the signature covers.
func (s signedAttrs) toBeSigned() []byte { return setOf(0x31, s) }

type issuerAndSerialNumber struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfo struct {
	Version            int
	SID                issuerAndSerialNumber
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional"`
}

type encapContentInfo struct {
	ContentType asn1.ObjectIdentifier
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue   `asn1:"optional"`
	CRLs             asn1.RawValue   `asn1:"optional"`
	SignerInfos      []asn1.RawValue `asn1:"set"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue // [0] EXPLICIT, encoded by hand with tlv
}

// cmsParts is everything that goes into a detached SignedData.
type cmsParts struct {
	alg       algorithm
	signer    *x509.Certificate
	certs     []*x509.Certificate // signer first, then the chain
	attrs     signedAttrs
	signature []byte
	tsToken   []byte   // signature-time-stamp token, or nil
	crls      [][]byte // DER CRLs (CAdES B-LT only)
	ocsps     [][]byte // DER OCSPResponses (CAdES B-LT only)
}

// encode returns the DER ContentInfo of the detached SignedData.
func (p cmsParts) encode() ([]byte, error) {
	si := signerInfo{
		Version:            1,
		SID:                issuerAndSerialNumber{Issuer: asn1.RawValue{FullBytes: p.signer.RawIssuer}, Serial: p.signer.SerialNumber},
		DigestAlgorithm:    p.alg.digestAlgID(),
		SignedAttrs:        asn1.RawValue{FullBytes: setOf(0xA0, p.attrs)},
		SignatureAlgorithm: p.alg.signatureAlgID(),
		Signature:          p.signature,
	}
	if p.tsToken != nil {
		a, err := newAttribute(oids.AttrSignatureTimeStamp, p.tsToken)
		if err != nil {
			return nil, errs.Internalf(err, "encode signature time-stamp attribute")
		}
		si.UnsignedAttrs = asn1.RawValue{FullBytes: setOf(0xA1, [][]byte{a})}
	}
	siDER, err := asn1.Marshal(si)
	if err != nil {
		return nil, errs.Internalf(err, "encode SignerInfo")
	}
	sd := signedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{p.alg.digestAlgID()},
		EncapContentInfo: encapContentInfo{ContentType: oids.Data},
		SignerInfos:      []asn1.RawValue{{FullBytes: siDER}},
	}
	var certs [][]byte
	seen := map[string]bool{}
	for _, c := range p.certs {
		if !seen[string(c.Raw)] {
			seen[string(c.Raw)] = true
			certs = append(certs, c.Raw)
		}
	}
	sd.Certificates = asn1.RawValue{FullBytes: setOf(0xA0, sortDER(certs))}
	if len(p.crls)+len(p.ocsps) > 0 {
		var revs [][]byte
		revs = append(revs, p.crls...)
		for _, o := range p.ocsps {
			// OtherRevocationInfoFormat (RFC 5940): [1] { id-ri-ocsp-response, OCSPResponse }
			oid, _ := asn1.Marshal(oids.OtherRevInfoOCSPResp)
			revs = append(revs, tlv(0xA1, append(oid, o...)))
		}
		sd.CRLs = asn1.RawValue{FullBytes: setOf(0xA1, sortDER(revs))}
		if len(p.ocsps) > 0 {
			sd.Version = 5 // RFC 5652 5.1: "other" revocation info formats need v5
		}
	}
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, errs.Internalf(err, "encode SignedData")
	}
	der, err := asn1.Marshal(contentInfo{ContentType: oids.SignedData, Content: asn1.RawValue{FullBytes: tlv(0xA0, sdDER)}})
	if err != nil {
		return nil, errs.Internalf(err, "encode ContentInfo")
	}
	return der, nil
}

// sortDER orders elements for a DER SET OF.
func sortDER(elems [][]byte) [][]byte {
	out := append([][]byte(nil), elems...)
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i], out[j]) < 0 })
	return out
}
