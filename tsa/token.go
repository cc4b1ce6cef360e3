package tsa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/oids"
)

// serialBits is the size of the random TSTInfo serial number: unique without
// coordination between TSA instances, and well above the 64 bits asked of
// certificate serials.
const serialBits = 127

// tokenTemplate holds the parts of every token that depend only on the TSA
// certificate, encoded once in New.
type tokenTemplate struct {
	contentTypeAttr []byte // signed attribute content-type = id-ct-TSTInfo
	essAttr         []byte // signed attribute signing-certificate-v2
	sid             []byte // IssuerAndSerialNumber of the TSA certificate
	certificates    [][]byte
}

func newTokenTemplate(cert *x509.Certificate, chain []*x509.Certificate) (tokenTemplate, error) {
	var t tokenTemplate
	var err error
	t.contentTypeAttr, err = attribute(oids.AttrContentType, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oids.TSTInfo)
	})
	if err != nil {
		return t, errs.Internalf(err, "tsa: encode content-type attribute")
	}
	t.essAttr, err = attribute(oids.AttrSigningCertV2, func(b *cryptobyte.Builder) {
		addSigningCertificateV2(b, cert)
	})
	if err != nil {
		return t, errs.Internalf(err, "tsa: encode signing-certificate-v2 attribute")
	}
	b := cryptobyte.NewBuilder(nil)
	addIssuerAndSerial(b, cert)
	if t.sid, err = b.Bytes(); err != nil {
		return t, errs.Internalf(err, "tsa: encode signer identifier")
	}
	t.certificates = append(t.certificates, cert.Raw)
	for _, c := range chain {
		if c != nil && !c.Equal(cert) {
			t.certificates = append(t.certificates, c.Raw)
		}
	}
	return t, nil
}

// addSigningCertificateV2 writes SigningCertificateV2 (RFC 5035) with one
// ESSCertIDv2: SHA-256 is the DEFAULT hashAlgorithm and so is omitted, and
// issuerSerial is present so verifiers can match the certificate exactly.
func addSigningCertificateV2(b *cryptobyte.Builder, cert *x509.Certificate) {
	certHash := sha256.Sum256(cert.Raw)
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
}

func addIssuerAndSerial(b *cryptobyte.Builder, cert *x509.Certificate) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(cert.RawIssuer)
		b.AddASN1BigInt(cert.SerialNumber)
	})
}

// tstParams are the per-request fields of a TSTInfo.
type tstParams struct {
	imprint []byte // DER MessageImprint
	nonce   *big.Int
	certReq bool
}

func randomSerial() (*big.Int, error) {
	for {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), serialBits))
		if err != nil {
			return nil, err
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// encodeTSTInfo writes TSTInfo (RFC 3161 2.4.2). ordering is left at its
// DEFAULT FALSE and therefore absent.
func (t *TSA) encodeTSTInfo(p tstParams, serial *big.Int, genTime time.Time) ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1ObjectIdentifier(t.cfg.Policy)
		b.AddBytes(p.imprint)
		b.AddASN1BigInt(serial)
		addGeneralizedTime(b, genTime)
		addAccuracy(b, t.cfg.Accuracy)
		if p.nonce != nil {
			b.AddASN1BigInt(p.nonce)
		}
		if t.cfg.IncludeTSAName {
			b.AddASN1(tagContext0, func(b *cryptobyte.Builder) { // tsa [0] GeneralName
				b.AddASN1(tagDirName, func(b *cryptobyte.Builder) { b.AddBytes(t.cfg.Certificate.RawSubject) })
			})
		}
	})
	return b.Bytes()
}

// signToken wraps a TSTInfo in CMS SignedData (RFC 5652) signed over the
// content-type, message-digest and signing-certificate-v2 attributes.
func (t *TSA) signToken(ctx context.Context, tstInfo []byte, certReq bool) ([]byte, error) {
	h := t.alg.Hash.New()
	h.Write(tstInfo)
	digestAttr, err := attribute(oids.AttrMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(h.Sum(nil)) })
	if err != nil {
		return nil, errs.Internalf(err, "tsa: encode message-digest attribute")
	}
	attrs := [][]byte{t.tmpl.contentTypeAttr, digestAttr, t.tmpl.essAttr}

	// The signature covers the attributes as a DER SET OF (tag 0x31); the
	// SignerInfo carries the same bytes under the IMPLICIT [0] tag.
	sb := cryptobyte.NewBuilder(nil)
	addSetOf(sb, cbasn1.SET, attrs)
	signedAttrs, err := sb.Bytes()
	if err != nil {
		return nil, errs.Internalf(err, "tsa: encode signed attributes")
	}
	h = t.alg.Hash.New()
	h.Write(signedAttrs)
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(err, errs.Unavailable, "tsa: request cancelled before signing")
	}
	// crypto.Hash as SignerOpts means PKCS#1 v1.5 for RSA: HSMs refuse
	// PSS with automatic salt length, and v1.5 is what CMS verifiers expect.
	signature, err := t.cfg.Signer.Sign(rand.Reader, h.Sum(nil), t.alg.Hash)
	if err != nil {
		return nil, errs.Internalf(err, "tsa: sign token")
	}

	digestOID, _ := oids.ForHash(t.alg.Hash)
	b := cryptobyte.NewBuilder(make([]byte, 0, 1024+len(tstInfo)+len(signature)+t.certBytes))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(oids.SignedData)
		b.AddASN1(tagContext0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(3) // eContentType is not id-data (RFC 5652 5.1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addAlgorithm(b, digestOID, false) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncapsulatedContentInfo
					b.AddASN1ObjectIdentifier(oids.TSTInfo)
					b.AddASN1(tagContext0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(tstInfo) })
				})
				if certReq {
					addSetOf(b, tagContext0, t.tmpl.certificates) // [0] IMPLICIT CertificateSet
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1) // sid is issuerAndSerialNumber
						b.AddBytes(t.tmpl.sid)
						addAlgorithm(b, digestOID, false)
						addSetOf(b, tagContext0, attrs) // [0] IMPLICIT SignedAttributes
						addAlgorithm(b, t.alg.OID, t.alg.RSA)
						b.AddASN1OctetString(signature)
					})
				})
			})
		})
	})
	token, err := b.Bytes()
	if err != nil {
		return nil, errs.Internalf(err, "tsa: encode token")
	}
	return token, nil
}
