package emrtdgen

import (
	"crypto"
	"encoding/asn1"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/emrtd/pki"
)

// SignedDataOptions vary a generated SignedData, mostly to break it.
type SignedDataOptions struct {
	// BySKI identifies the signer by subjectKeyIdentifier (as master-list
	// signers do) instead of issuerAndSerialNumber.
	BySKI bool
	// ContentTypeAttr, when set, replaces the contentType attribute's
	// value (the eContentType otherwise).
	ContentTypeAttr asn1.ObjectIdentifier
	// MessageDigest, when set, replaces the messageDigest attribute.
	MessageDigest []byte
	// SigningTime is the signingTime attribute; zero: time.Now().
	SigningTime time.Time
	// NoSigningTime leaves signingTime out.
	NoSigningTime bool
	// ExtraCertificates are added to certificates after the signer's.
	ExtraCertificates [][]byte
	// NoSignerCertificate leaves the signer's certificate out.
	NoSignerCertificate bool
	// EFSOD wraps the ContentInfo in EF.SOD's application tag 0x77.
	EFSOD bool
}

// SignSOD is an EF.SOD's CMS SignedData (without the 0x77 wrapper): the
// eContent of eContentType (an LDSSecurityObject, normally), signed by
// dsc's key with hash h over signed attributes contentType,
// messageDigest and signingTime, dsc in certificates.
func SignSOD(dsc *pki.Certificate, key *Key, eContentType asn1.ObjectIdentifier, eContent []byte, h crypto.Hash) []byte {
	return SignedData(dsc, key, eContentType, eContent, h, SignedDataOptions{})
}

func attribute(id asn1.ObjectIdentifier, value []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(id)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(value) })
	})
	return b.BytesOrPanic()
}

// SignedData is SignSOD with options.
func SignedData(signer *pki.Certificate, key *Key, eContentType asn1.ObjectIdentifier, eContent []byte, h crypto.Hash, opts SignedDataOptions) []byte {
	var oid, md, st cryptobyte.Builder
	ct := eContentType
	if opts.ContentTypeAttr != nil {
		ct = opts.ContentTypeAttr
	}
	oid.AddASN1ObjectIdentifier(ct)
	d := h.New()
	d.Write(eContent)
	digest := d.Sum(nil)
	if opts.MessageDigest != nil {
		digest = opts.MessageDigest
	}
	md.AddASN1OctetString(digest)
	attrs := [][]byte{
		attribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}, oid.BytesOrPanic()),
		attribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}, md.BytesOrPanic()),
	}
	if !opts.NoSigningTime {
		t := opts.SigningTime
		if t.IsZero() {
			t = time.Now()
		}
		addTime(&st, t)
		attrs = append(attrs, attribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}, st.BytesOrPanic()))
	}
	setBody := derSetOf(attrs)
	var signedSet cryptobyte.Builder
	signedSet.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(setBody) })
	// The signer signs with the SignerInfo's digest algorithm.
	signKey := *key
	signKey.Hash = h
	signature := signKey.Sign(signedSet.BytesOrPanic())
	version := int64(1)
	if opts.BySKI {
		version = 3
	}
	var ci cryptobyte.Builder
	ci.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2})
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(3)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addHashAlg(b, h) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(eContentType)
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1OctetString(eContent) })
				})
				var certs [][]byte
				if !opts.NoSignerCertificate {
					certs = append(certs, signer.Raw)
				}
				certs = append(certs, opts.ExtraCertificates...)
				if len(certs) > 0 {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(derSetOf(certs)) })
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(version)
						if opts.BySKI {
							b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(signer.SubjectKeyID) })
						} else {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddBytes(signer.RawIssuer)
								b.AddASN1BigInt(signer.SerialNumber)
							})
						}
						addHashAlg(b, h)
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(setBody) })
						b.AddBytes(signKey.AlgorithmIdentifier())
						b.AddASN1OctetString(signature)
					})
				})
			})
		})
	})
	out := ci.BytesOrPanic()
	if opts.EFSOD {
		var w cryptobyte.Builder
		w.AddASN1(cbasn1.Tag(23).Constructed()|0x40, func(b *cryptobyte.Builder) { b.AddBytes(out) })
		out = w.BytesOrPanic()
	}
	return out
}

// CscaMasterList is the DER CscaMasterList (version 0) of the
// certificates.
func CscaMasterList(certs [][]byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(derSetOf(certs)) })
	})
	return b.BytesOrPanic()
}

// BuildMasterList is a CSCA master list of certs signed by signer (found
// by SKI, as the German list's signer is), with signer and its CSCA in
// certificates, hash SHA-256.
func BuildMasterList(signer *Issued, signerCSCA *Issued, certs [][]byte) []byte {
	return SignedData(signer.Cert, signer.Key, pki.OIDContentTypeCscaMasterList, CscaMasterList(certs), crypto.SHA256,
		SignedDataOptions{BySKI: true, ExtraCertificates: [][]byte{signerCSCA.DER}})
}
