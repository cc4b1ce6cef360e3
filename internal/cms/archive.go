package cms

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"fmt"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/oids"
)

// ArchiveTimestampV3 computes what an archive-time-stamp-v3 (ETSI EN 319
// 122-1 5.5.3) over sd's signer needs before the TSA is asked: the DER
// ATSHashIndexV3 (5.5.2) naming, by their hash with h, every certificate,
// every revocation value and every value of every unsigned attribute sd
// carries now, and the message imprint to time-stamp, the hash with h of
//
//	eContentType || contentDigest || version, sid, digestAlgorithm,
//	signedAttrs, signatureAlgorithm, signature || ATSHashIndexV3
//
// contentDigest is the hash with h of the signed content (the value the
// message-digest attribute holds when h is the signature's hash). The
// index goes into the token as its ats-hash-index-v3 unsigned attribute
// (AddTimestampUnsignedAttribute); the token goes into sd as the
// AttrArchiveTimeStampV3 unsigned attribute.
func (sd *SignedData) ArchiveTimestampV3(h crypto.Hash, contentDigest []byte) (index, imprint []byte, err error) {
	if !h.Available() {
		return nil, nil, fmt.Errorf("cms: archive time-stamp hash %v unavailable", h)
	}
	if len(contentDigest) != h.Size() {
		return nil, nil, fmt.Errorf("cms: content digest of %d bytes for %v", len(contentDigest), h)
	}
	index, err = sd.atsHashIndexV3(h)
	if err != nil {
		return nil, nil, err
	}
	digestAlg, err := asn1.Marshal(sd.DigestAlgorithm)
	if err != nil {
		return nil, nil, fmt.Errorf("cms: encode digest algorithm: %w", err)
	}
	fields, err := sd.signerInfoFields(digestAlg)
	if err != nil {
		return nil, nil, err
	}
	ctype, err := asn1.Marshal(sd.ContentType)
	if err != nil {
		return nil, nil, fmt.Errorf("cms: encode content type: %w", err)
	}
	hh := h.New()
	hh.Write(ctype)
	hh.Write(contentDigest)
	hh.Write(fields)
	hh.Write(index)
	return index, hh.Sum(nil), nil
}

// atsHashIndexV3 encodes
//
//	ATSHashIndexV3 ::= SEQUENCE {
//	  hashIndAlgorithm AlgorithmIdentifier DEFAULT {algorithm id-sha256},
//	  certificatesHashIndex SEQUENCE OF OCTET STRING,
//	  crlsHashIndex SEQUENCE OF OCTET STRING,
//	  unsignedAttrValuesHashIndex SEQUENCE OF OCTET STRING }
//
// hashIndAlgorithm is left out for SHA-256, as DER requires of a DEFAULT.
// Each unsigned attribute value is hashed as attrType || AttributeValue.
func (sd *SignedData) atsHashIndexV3(h crypto.Hash) ([]byte, error) {
	hashOf := func(parts ...[]byte) []byte {
		hh := h.New()
		for _, p := range parts {
			hh.Write(p)
		}
		return hh.Sum(nil)
	}
	revs, err := sd.revocationSet()
	if err != nil {
		return nil, err
	}
	var attrHashes [][]byte
	for _, a := range sortedCopy(sd.UnsignedAttrs) {
		in := cryptobyte.String(a)
		var attr, values cryptobyte.String
		var attrType cryptobyte.String
		var tag cbasn1.Tag
		if !in.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadAnyASN1Element(&attrType, &tag) || tag != cbasn1.OBJECT_IDENTIFIER ||
			!attr.ReadASN1(&values, cbasn1.SET) {
			return nil, fmt.Errorf("cms: malformed unsigned attribute")
		}
		for !values.Empty() {
			var v cryptobyte.String
			if !values.ReadAnyASN1Element(&v, &tag) {
				return nil, fmt.Errorf("cms: malformed unsigned attribute value")
			}
			attrHashes = append(attrHashes, hashOf(attrType, v))
		}
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if h != crypto.SHA256 {
			id, ok := oids.ForHash(h)
			if !ok {
				b.SetError(fmt.Errorf("cms: no identifier for %v", h))
				return
			}
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(id) })
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, c := range sd.certificateSet() {
				b.AddASN1OctetString(hashOf(c))
			}
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, r := range revs {
				b.AddASN1OctetString(hashOf(r))
			}
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, a := range attrHashes {
				b.AddASN1OctetString(a)
			}
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode ATSHashIndexV3: %w", err)
	}
	return der, nil
}

// sortedCopy is in in DER SET OF order, the order the SignerInfo holds
// its unsigned attributes in.
func sortedCopy(in [][]byte) [][]byte {
	out := slices.Clone(in)
	slices.SortFunc(out, bytes.Compare)
	return out
}

// AddTimestampUnsignedAttribute returns token (a DER TimeStampToken with
// one SignerInfo) with attr added to that SignerInfo's unsigned
// attributes. The TSA's signature does not cover them, so the token stays
// valid; every other byte is kept as it was.
func AddTimestampUnsignedAttribute(token, attr []byte) ([]byte, error) {
	bad := fmt.Errorf("cms: time-stamp token is not a SignedData with one signer")
	input := cryptobyte.String(token)
	var ci, explicit, sd cryptobyte.String
	var ctype asn1.ObjectIdentifier
	if !input.ReadASN1(&ci, cbasn1.SEQUENCE) || !input.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&ctype) || !ctype.Equal(oids.SignedData) ||
		!ci.ReadASN1(&explicit, tagContext0) || !ci.Empty() ||
		!explicit.ReadASN1(&sd, cbasn1.SEQUENCE) || !explicit.Empty() {
		return nil, bad
	}
	// Everything before signerInfos is copied as it is.
	var before []byte
	var signerInfos cryptobyte.String
	for {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !sd.ReadAnyASN1Element(&el, &tag) {
			return nil, bad
		}
		if sd.Empty() {
			if tag != cbasn1.SET || !el.ReadASN1(&signerInfos, cbasn1.SET) {
				return nil, bad
			}
			break
		}
		before = append(before, el...)
	}
	var si cryptobyte.String
	if !signerInfos.ReadASN1Element(&si, cbasn1.SEQUENCE) || !signerInfos.Empty() {
		return nil, bad
	}
	newSI, err := addUnsignedAttribute(si, attr)
	if err != nil {
		return nil, err
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, len(token)+len(attr)+16))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oids.SignedData)
		b.AddASN1(tagContext0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddBytes(before)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(newSI) })
			})
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode time-stamp token: %w", err)
	}
	return der, nil
}

// addUnsignedAttribute returns the DER SignerInfo si with attr added to
// its unsigned attributes (created when it has none); the fields the
// signature covers are copied as they are.
func addUnsignedAttribute(si, attr []byte) ([]byte, error) {
	bad := fmt.Errorf("cms: malformed SignerInfo")
	in := cryptobyte.String(si)
	var body cryptobyte.String
	if !in.ReadASN1(&body, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, bad
	}
	var fields []byte
	var unsigned [][]byte
	for !body.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !body.ReadAnyASN1Element(&el, &tag) {
			return nil, bad
		}
		if tag == tagContext1 {
			var set cryptobyte.String
			if !el.ReadASN1(&set, tagContext1) || !body.Empty() {
				return nil, bad
			}
			for !set.Empty() {
				var a cryptobyte.String
				if !set.ReadASN1Element(&a, cbasn1.SEQUENCE) {
					return nil, bad
				}
				unsigned = append(unsigned, a)
			}
			continue
		}
		fields = append(fields, el...)
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, len(si)+len(attr)+8))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(fields)
		addSetOf(b, tagContext1, append(unsigned, attr))
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode SignerInfo: %w", err)
	}
	return der, nil
}
