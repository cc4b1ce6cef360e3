package pades

import (
	"crypto/x509"
	"time"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/oids"
)

// signedAttrs holds the DER-encoded attributes in DER (sorted) order.
type signedAttrs = cms.SignedAttributes

// buildSignedAttrs returns the PAdES/CAdES signed attributes. signingTime is
// only set for CAdES: PAdES forbids the attribute and puts the time in /M.
func buildSignedAttrs(cert *x509.Certificate, messageDigest []byte, signingTime *time.Time) (signedAttrs, error) {
	ct, err := cms.ContentTypeAttribute(oids.Data)
	if err != nil {
		return nil, err
	}
	md, err := cms.MessageDigestAttribute(messageDigest)
	if err != nil {
		return nil, err
	}
	scv2, err := cms.SigningCertificateV2Attribute(cert)
	if err != nil {
		return nil, err
	}
	attrs := [][]byte{ct, md, scv2}
	if signingTime != nil {
		st, err := cms.SigningTimeAttribute(*signingTime)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, st)
	}
	return cms.NewSignedAttributes(attrs...), nil
}

// buildCountersignAttrs returns a countersignature's signed attributes:
// those of CAdES without content-type, which RFC 5652 11.4 forbids there.
func buildCountersignAttrs(cert *x509.Certificate, messageDigest []byte, signingTime *time.Time) (signedAttrs, error) {
	md, err := cms.MessageDigestAttribute(messageDigest)
	if err != nil {
		return nil, err
	}
	scv2, err := cms.SigningCertificateV2Attribute(cert)
	if err != nil {
		return nil, err
	}
	st, err := cms.SigningTimeAttribute(*signingTime)
	if err != nil {
		return nil, err
	}
	return cms.NewSignedAttributes(md, scv2, st), nil
}

// tlv wraps body in one DER element with the given single-byte tag.
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

// cmsParts is everything that goes into a detached SignedData.
type cmsParts struct {
	alg         algorithm
	signer      *x509.Certificate
	certs       []*x509.Certificate // signer first, then the chain
	attrs       signedAttrs
	signature   []byte
	tsToken     []byte   // signature-time-stamp token, or nil
	crls        [][]byte // DER CRLs (CAdES B-LT only)
	ocsps       [][]byte // DER OCSPResponses (CAdES B-LT only)
	content     []byte   // encapsulated content (CAdES attached), nil when detached
	parallel    *cms.Enveloping
	countersign bool
}

// encode returns the DER ContentInfo of the SignedData.
func (p cmsParts) encode() ([]byte, error) {
	sd, err := p.signedData()
	if err != nil {
		return nil, err
	}
	der, err := sd.Marshal()
	if err != nil {
		return nil, errs.Internalf(err, "encode SignedData")
	}
	return der, nil
}

// signedData is the SignedData p describes, for callers that add to it
// (an archive time-stamp) or write it in parts.
func (p cmsParts) signedData() (*cms.SignedData, error) {
	sd := &cms.SignedData{
		Content:            p.content,
		Parallel:           p.parallel,
		Countersign:        p.countersign,
		ContentType:        oids.Data,
		Signer:             p.signer,
		DigestAlgorithm:    p.alg.digestAlgID(),
		SignedAttrs:        p.attrs,
		SignatureAlgorithm: p.alg.signatureAlgID(),
		Signature:          p.signature,
		CRLs:               p.crls,
		OCSPResponses:      p.ocsps,
	}
	for _, c := range p.certs {
		sd.Certificates = append(sd.Certificates, c.Raw)
	}
	if p.tsToken != nil {
		a, err := cms.Attribute(oids.AttrSignatureTimeStamp, p.tsToken)
		if err != nil {
			return nil, errs.Internalf(err, "encode signature time-stamp attribute")
		}
		sd.UnsignedAttrs = [][]byte{a}
	}
	return sd, nil
}
