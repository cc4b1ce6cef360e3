package tsa

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
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
	certificates    [][]byte
}

func newTokenTemplate(cert *x509.Certificate, chain []*x509.Certificate) (tokenTemplate, error) {
	var t tokenTemplate
	var err error
	if t.contentTypeAttr, err = cms.ContentTypeAttribute(oids.TSTInfo); err != nil {
		return t, errs.Internalf(err, "tsa: encode content-type attribute")
	}
	if t.essAttr, err = cms.SigningCertificateV2Attribute(cert); err != nil {
		return t, errs.Internalf(err, "tsa: encode signing-certificate-v2 attribute")
	}
	t.certificates = append(t.certificates, cert.Raw)
	for _, c := range chain {
		if c != nil && !c.Equal(cert) {
			t.certificates = append(t.certificates, c.Raw)
		}
	}
	return t, nil
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
	digestAttr, err := cms.MessageDigestAttribute(h.Sum(nil))
	if err != nil {
		return nil, errs.Internalf(err, "tsa: encode message-digest attribute")
	}
	attrs := cms.NewSignedAttributes(t.tmpl.contentTypeAttr, digestAttr, t.tmpl.essAttr)
	h = t.alg.Hash.New()
	h.Write(attrs.ToBeSigned())
	if err := ctx.Err(); err != nil {
		return nil, errs.WrapM(err, errs.Unavailable, msg.TSACancelled)
	}
	// crypto.Hash as SignerOpts means PKCS#1 v1.5 for RSA: HSMs refuse
	// PSS with automatic salt length, and v1.5 is what CMS verifiers expect.
	signature, err := t.cfg.Signer.Sign(rand.Reader, h.Sum(nil), t.alg.Hash)
	if err != nil {
		return nil, errs.Internalf(err, "tsa: sign token")
	}
	digestOID, _ := oids.ForHash(t.alg.Hash)
	sd := cms.SignedData{
		ContentType:        oids.TSTInfo,
		Content:            tstInfo,
		Signer:             t.cfg.Certificate,
		DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: digestOID},
		SignedAttrs:        attrs,
		SignatureAlgorithm: t.alg.AlgorithmIdentifier(),
		Signature:          signature,
	}
	if certReq {
		sd.Certificates = t.tmpl.certificates
	}
	token, err := sd.Marshal()
	if err != nil {
		return nil, errs.Internalf(err, "tsa: encode token")
	}
	return token, nil
}
