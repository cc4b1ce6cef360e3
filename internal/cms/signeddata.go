package cms

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/oids"
)

var (
	tagContext0 = cbasn1.Tag(0).Constructed().ContextSpecific() // [0] EXPLICIT, or [0] IMPLICIT SET OF
	tagContext1 = cbasn1.Tag(1).Constructed().ContextSpecific()
	tagDirName  = cbasn1.Tag(4).Constructed().ContextSpecific()
)

// Attribute encodes Attribute ::= SEQUENCE { attrType, attrValues SET OF }
// with the one DER value every attribute qes writes has.
func Attribute(id asn1.ObjectIdentifier, value []byte) ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(id)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(value) })
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode attribute %v: %w", id, err)
	}
	return der, nil
}

// ContentTypeAttribute is the content-type signed attribute.
func ContentTypeAttribute(contentType asn1.ObjectIdentifier) ([]byte, error) {
	v, err := asn1.Marshal(contentType)
	if err != nil {
		return nil, fmt.Errorf("cms: encode content type: %w", err)
	}
	return Attribute(oids.AttrContentType, v)
}

// MessageDigestAttribute is the message-digest signed attribute.
func MessageDigestAttribute(digest []byte) ([]byte, error) {
	v, err := asn1.Marshal(digest)
	if err != nil {
		return nil, fmt.Errorf("cms: encode message digest: %w", err)
	}
	return Attribute(oids.AttrMessageDigest, v)
}

// SigningTimeAttribute is the signing-time signed attribute, to the second;
// encoding/asn1 picks UTCTime up to 2049 as RFC 5652 11.3 requires.
func SigningTimeAttribute(t time.Time) ([]byte, error) {
	v, err := asn1.Marshal(t.UTC().Truncate(time.Second))
	if err != nil {
		return nil, fmt.Errorf("cms: encode signing time: %w", err)
	}
	return Attribute(oids.AttrSigningTime, v)
}

// SigningCertificateV2Attribute binds the signature to cert (RFC 5035): one
// ESSCertIDv2 with SHA-256, its DEFAULT and therefore omitted, and
// issuerSerial so that verifiers can match the certificate exactly.
func SigningCertificateV2Attribute(cert *x509.Certificate) ([]byte, error) {
	certHash := sha256.Sum256(cert.Raw)
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
				b.AddASN1OctetString(certHash[:])
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
						b.AddASN1(tagDirName, func(b *cryptobyte.Builder) { b.AddBytes(cert.RawIssuer) })
					})
					b.AddASN1BigInt(cert.SerialNumber)
				})
			})
		})
	})
	v, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode signing-certificate-v2: %w", err)
	}
	return Attribute(oids.AttrSigningCertV2, v)
}

// SignedAttributes are DER Attributes in DER SET OF order (X.690 11.6).
type SignedAttributes [][]byte

// NewSignedAttributes sorts attrs as a DER SET OF requires.
func NewSignedAttributes(attrs ...[]byte) SignedAttributes {
	sorted := slices.Clone(attrs)
	slices.SortFunc(sorted, bytes.Compare)
	return sorted
}

// ToBeSigned is what the signature covers: the attributes as a DER SET OF
// (tag 0x31), where the SignerInfo carries them under IMPLICIT [0].
func (s SignedAttributes) ToBeSigned() []byte {
	b := cryptobyte.NewBuilder(nil)
	addSetOf(b, cbasn1.SET, s)
	der, _ := b.Bytes() // only already-encoded elements: cannot fail
	return der
}

// SignedData is a CMS SignedData with one signer who signed attributes.
type SignedData struct {
	// ContentType is the encapsulated content's type: id-data for a
	// detached PDF/CAdES signature, id-ct-TSTInfo for a time-stamp token.
	ContentType asn1.ObjectIdentifier
	// Content is encapsulated when not nil; nil means detached.
	Content []byte

	Signer             *x509.Certificate // named by issuerAndSerialNumber
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        SignedAttributes
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      [][]byte // DER Attributes, e.g. a signature time-stamp

	Certificates  [][]byte // DER; duplicates dropped, absent when empty
	CRLs          [][]byte // DER CertificateLists
	OCSPResponses [][]byte // DER OCSPResponses, as RFC 5940 other revocation info

	// Parallel, when set, is the signed file this signer joins: its
	// digest algorithms, certificates, revocation values and signers are
	// kept byte for byte beside the new ones (Content and ContentType
	// must be its own).
	Parallel *Enveloping
	// Countersign, with Parallel of one signer, makes this signer a
	// countersignature (RFC 5652 11.4): its SignerInfo goes into that
	// signer's unsigned attributes instead of beside it.
	Countersign bool
}

// Marshal encodes the ContentInfo wrapping the SignedData.
func (sd *SignedData) Marshal() ([]byte, error) {
	prefix, suffix, err := sd.MarshalParts()
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(prefix)+len(sd.Content)+len(suffix))
	return append(append(append(out, prefix...), sd.Content...), suffix...), nil
}

// MarshalParts encodes the ContentInfo as prefix || Content || suffix, so
// that an enveloping signature (CAdES attached, the .p7m) of a large file
// is written out without a second copy of the file in memory: the caller
// sends the three slices in order.
func (sd *SignedData) MarshalParts() (prefix, suffix []byte, err error) {
	digestAlg, err := asn1.Marshal(sd.DigestAlgorithm)
	if err != nil {
		return nil, nil, fmt.Errorf("cms: encode digest algorithm: %w", err)
	}
	// RFC 5652 5.1: other revocation info formats need v5, an eContentType
	// other than id-data v3; otherwise v1.
	version := int64(1)
	switch {
	case len(sd.OCSPResponses) > 0:
		version = 5
	case !sd.ContentType.Equal(oids.Data):
		version = 3
	}
	digestAlgs := [][]byte{digestAlg}
	var otherSigners [][]byte
	if e := sd.Parallel; e != nil {
		version = max(version, e.Version)
		for _, d := range e.DigestAlgorithms {
			if !slices.ContainsFunc(digestAlgs, func(x []byte) bool { return bytes.Equal(x, d) }) {
				digestAlgs = append(digestAlgs, d)
			}
		}
		otherSigners = e.SignerInfos
	}
	certs := sd.certificateSet()
	revs, err := sd.revocationSet()
	if err != nil {
		return nil, nil, err
	}
	si, err := sd.signerInfo(digestAlg)
	if err != nil {
		return nil, nil, err
	}

	// head: version, digestAlgorithms, and the EncapsulatedContentInfo up
	// to the content octets.
	hb := cryptobyte.NewBuilder(nil)
	hb.AddASN1Int64(version)
	addSetOf(hb, cbasn1.SET, digestAlgs)
	head, err := hb.Bytes()
	if err != nil {
		return nil, nil, fmt.Errorf("cms: encode SignedData head: %w", err)
	}
	ctype, err := asn1.Marshal(sd.ContentType)
	if err != nil {
		return nil, nil, fmt.Errorf("cms: encode content type: %w", err)
	}
	encapBody := len(ctype)
	var econtentHdr []byte
	if sd.Content != nil {
		octetHdr := header(0x04, len(sd.Content))
		econtentHdr = append(header(0xa0, len(octetHdr)+len(sd.Content)), octetHdr...)
		encapBody += len(econtentHdr) + len(sd.Content)
	}
	encapHdr := append(header(0x30, encapBody), ctype...)
	encapHdr = append(encapHdr, econtentHdr...)

	tb := cryptobyte.NewBuilder(nil)
	if len(certs) > 0 {
		addSetOf(tb, tagContext0, certs) // [0] IMPLICIT CertificateSet
	}
	if len(revs) > 0 {
		addSetOf(tb, tagContext1, revs) // [1] IMPLICIT RevocationInfoChoices
	}
	signers := append(slices.Clone(otherSigners), si)
	if sd.Countersign {
		if len(otherSigners) != 1 {
			return nil, nil, fmt.Errorf("cms: a countersignature needs exactly one signer, not %d", len(otherSigners))
		}
		attr, err := Attribute(oids.AttrCountersignature, si)
		if err != nil {
			return nil, nil, err
		}
		target, err := addUnsignedAttribute(otherSigners[0], attr)
		if err != nil {
			return nil, nil, err
		}
		signers = [][]byte{target}
	}
	addSetOf(tb, cbasn1.SET, signers)
	suffix, err = tb.Bytes()
	if err != nil {
		return nil, nil, fmt.Errorf("cms: encode SignedData: %w", err)
	}

	sdLen := len(head) + len(encapHdr) + len(sd.Content) + len(suffix)
	sdHdr := header(0x30, sdLen)
	explicitHdr := header(0xa0, len(sdHdr)+sdLen)
	oid, err := asn1.Marshal(oids.SignedData)
	if err != nil {
		return nil, nil, fmt.Errorf("cms: encode content type: %w", err)
	}
	ciLen := len(oid) + len(explicitHdr) + len(sdHdr) + sdLen
	prefix = make([]byte, 0, 16+len(oid)+len(head)+len(encapHdr))
	prefix = append(prefix, header(0x30, ciLen)...)
	prefix = append(prefix, oid...)
	prefix = append(prefix, explicitHdr...)
	prefix = append(prefix, sdHdr...)
	prefix = append(prefix, head...)
	prefix = append(prefix, encapHdr...)
	return prefix, suffix, nil
}

// header is a DER identifier and definite, minimal length (X.690 10.1).
func header(tag byte, n int) []byte {
	switch {
	case n < 0x80:
		return []byte{tag, byte(n)}
	case n < 0x100:
		return []byte{tag, 0x81, byte(n)}
	case n < 0x10000:
		return []byte{tag, 0x82, byte(n >> 8), byte(n)}
	case n < 0x1000000:
		return []byte{tag, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return []byte{tag, 0x84, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

// certificateSet is the certificates without duplicates, in DER SET OF
// order (the order the archive time-stamp's hash index lists them in).
func (sd *SignedData) certificateSet() [][]byte {
	var certs [][]byte
	all := sd.Certificates
	if sd.Parallel != nil {
		all = append(slices.Clone(sd.Parallel.Certificates), all...)
	}
	for _, c := range all {
		if !slices.ContainsFunc(certs, func(d []byte) bool { return bytes.Equal(c, d) }) {
			certs = append(certs, c)
		}
	}
	slices.SortFunc(certs, bytes.Compare)
	return certs
}

// revocationSet is the RevocationInfoChoices, CRLs and RFC 5940 OCSP
// responses, in DER SET OF order.
func (sd *SignedData) revocationSet() ([][]byte, error) {
	var revs [][]byte
	if sd.Parallel != nil {
		revs = append(revs, sd.Parallel.Revocations...)
	}
	for _, c := range sd.CRLs {
		if !slices.ContainsFunc(revs, func(d []byte) bool { return bytes.Equal(c, d) }) {
			revs = append(revs, c)
		}
	}
	for _, o := range sd.OCSPResponses {
		// OtherRevocationInfoFormat (RFC 5940): [1] { id-ri-ocsp-response, OCSPResponse }
		rb := cryptobyte.NewBuilder(nil)
		rb.AddASN1(tagContext1, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oids.OtherRevInfoOCSPResp)
			b.AddBytes(o)
		})
		r, err := rb.Bytes()
		if err != nil {
			return nil, fmt.Errorf("cms: encode OCSP revocation info: %w", err)
		}
		if !slices.ContainsFunc(revs, func(d []byte) bool { return bytes.Equal(r, d) }) {
			revs = append(revs, r)
		}
	}
	slices.SortFunc(revs, bytes.Compare)
	return revs, nil
}

// signerInfoFields are version, sid, digestAlgorithm, signedAttrs,
// signatureAlgorithm and signature: the SignerInfo without its unsigned
// attributes, which is also what an archive time-stamp v3 covers.
func (sd *SignedData) signerInfoFields(digestAlg []byte) ([]byte, error) {
	sigAlg, err := asn1.Marshal(sd.SignatureAlgorithm)
	if err != nil {
		return nil, fmt.Errorf("cms: encode signature algorithm: %w", err)
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1Int64(1) // sid is issuerAndSerialNumber
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(sd.Signer.RawIssuer)
		b.AddASN1BigInt(sd.Signer.SerialNumber)
	})
	b.AddBytes(digestAlg)
	addSetOf(b, tagContext0, sd.SignedAttrs) // [0] IMPLICIT SignedAttributes
	b.AddBytes(sigAlg)
	b.AddASN1OctetString(sd.Signature)
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode SignerInfo: %w", err)
	}
	return der, nil
}

func (sd *SignedData) signerInfo(digestAlg []byte) ([]byte, error) {
	fields, err := sd.signerInfoFields(digestAlg)
	if err != nil {
		return nil, err
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(fields)
		if len(sd.UnsignedAttrs) > 0 {
			addSetOf(b, tagContext1, sd.UnsignedAttrs) // [1] IMPLICIT UnsignedAttributes
		}
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("cms: encode SignerInfo: %w", err)
	}
	return der, nil
}

// addSetOf writes a DER SET OF (or an IMPLICIT-tagged one) with its
// elements sorted by encoding (X.690 11.6).
func addSetOf(b *cryptobyte.Builder, tag cbasn1.Tag, elements [][]byte) {
	sorted := slices.Clone(elements)
	slices.SortFunc(sorted, bytes.Compare)
	b.AddASN1(tag, func(b *cryptobyte.Builder) {
		for _, e := range sorted {
			b.AddBytes(e)
		}
	})
}
