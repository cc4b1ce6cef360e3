package cms

import (
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// Enveloping is a signed file (a .p7m) read to add a parallel signer to:
// every element is kept as it was encoded, so the signers already there
// stay valid, and Content is a slice of the input, not a copy.
type Enveloping struct {
	Version          int64
	DigestAlgorithms [][]byte // DER AlgorithmIdentifiers
	ContentType      asn1.ObjectIdentifier
	Content          []byte
	Certificates     [][]byte // DER CertificateChoices
	Revocations      [][]byte // DER RevocationInfoChoices
	SignerInfos      [][]byte // DER SignerInfos
}

var errNotEnveloping = errs.M(errs.InvalidRequest, msg.CMSNotEnveloping)

// ParseEnveloping reads a DER ContentInfo holding SignedData with its
// content (id-data) inside and at least one signer. BER (indefinite
// lengths, constructed OCTET STRINGs), which some signing tools write, is
// refused here: its callers make it DER first with internal/ber, so that
// what qes writes around it is DER.
func ParseEnveloping(der []byte) (*Enveloping, error) {
	in := cryptobyte.String(der)
	var ci, explicit, sd, digestAlgs, encap cryptobyte.String
	var ctype asn1.ObjectIdentifier
	e := &Enveloping{}
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&ctype) || !ctype.Equal(oids.SignedData) ||
		!ci.ReadASN1(&explicit, tagContext0) || !ci.Empty() ||
		!explicit.ReadASN1(&sd, cbasn1.SEQUENCE) || !explicit.Empty() ||
		!sd.ReadASN1Int64WithTag(&e.Version, cbasn1.INTEGER) ||
		!sd.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!sd.ReadASN1(&encap, cbasn1.SEQUENCE) ||
		!encap.ReadASN1ObjectIdentifier(&e.ContentType) || !e.ContentType.Equal(oids.Data) {
		return nil, errNotEnveloping
	}
	var wrap, content cryptobyte.String
	if !encap.ReadASN1(&wrap, tagContext0) || !encap.Empty() ||
		!wrap.ReadASN1(&content, cbasn1.OCTET_STRING) || !wrap.Empty() || len(content) == 0 {
		return nil, errNotEnveloping
	}
	e.Content = content
	var ok bool
	if e.DigestAlgorithms, ok = elements(digestAlgs); !ok {
		return nil, errNotEnveloping
	}
	for _, f := range []struct {
		tag cbasn1.Tag
		dst *[][]byte
	}{{tagContext0, &e.Certificates}, {tagContext1, &e.Revocations}} {
		var set cryptobyte.String
		var present bool
		if !sd.ReadOptionalASN1(&set, &present, f.tag) {
			return nil, errNotEnveloping
		}
		if *f.dst, ok = elements(set); !ok {
			return nil, errNotEnveloping
		}
	}
	var signers cryptobyte.String
	if !sd.ReadASN1(&signers, cbasn1.SET) || !sd.Empty() {
		return nil, errNotEnveloping
	}
	if e.SignerInfos, ok = elements(signers); !ok || len(e.SignerInfos) == 0 {
		return nil, errNotEnveloping
	}
	return e, nil
}

// elements splits the body of a SET OF into its encoded elements.
func elements(s cryptobyte.String) ([][]byte, bool) {
	var out [][]byte
	for !s.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !s.ReadAnyASN1Element(&el, &tag) {
			return nil, false
		}
		out = append(out, el)
	}
	return out, true
}

// CountersignTarget returns the signature value (the contents octets of
// signatureValue, which a countersignature's message-digest covers) of the
// one signer of e. A file of several signers is refused: which of them a
// countersignature is meant for cannot be told.
func (e *Enveloping) CountersignTarget() ([]byte, error) {
	if len(e.SignerInfos) != 1 {
		return nil, errs.M(errs.InvalidRequest, msg.CMSCountersignOneSigner, len(e.SignerInfos))
	}
	in := cryptobyte.String(e.SignerInfos[0])
	var si, sid cryptobyte.String
	var sidTag cbasn1.Tag
	var sig []byte
	if !in.ReadASN1(&si, cbasn1.SEQUENCE) ||
		!si.SkipASN1(cbasn1.INTEGER) || // version
		!si.ReadAnyASN1Element(&sid, &sidTag) || // issuerAndSerialNumber or [0] subjectKeyIdentifier
		!si.SkipASN1(cbasn1.SEQUENCE) || // digestAlgorithm
		!si.SkipOptionalASN1(tagContext0) || // signedAttrs
		!si.SkipASN1(cbasn1.SEQUENCE) || // signatureAlgorithm
		!si.ReadASN1Bytes(&sig, cbasn1.OCTET_STRING) || len(sig) == 0 {
		return nil, errNotEnveloping
	}
	return sig, nil
}
