package bundle

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/oids"
)

// Timestamper gets an RFC 3161 time-stamp token over a digest (qes's own
// TSA, in process).
type Timestamper interface {
	Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error)
}

// sign makes manifest.p7s: a detached CAdES B-T signature (ETSI EN 319
// 122-1) over content by signer, whose chain (own certificate first, root
// last) goes into the SignedData: signed content-type, message-digest,
// signing-time and signing-certificate-v2, and a signature time-stamp
// token over the signature value as an unsigned attribute.
func sign(ctx context.Context, signer crypto.Signer, chain []*x509.Certificate, ts Timestamper, content []byte, now time.Time) ([]byte, error) {
	alg, err := oids.SignatureFor(signer.Public())
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	digestOID, _ := oids.ForHash(alg.Hash)
	h := alg.Hash.New()
	h.Write(content)
	var attrs [][]byte
	for _, mk := range []func() ([]byte, error){
		func() ([]byte, error) { return cms.ContentTypeAttribute(oids.Data) },
		func() ([]byte, error) { return cms.MessageDigestAttribute(h.Sum(nil)) },
		func() ([]byte, error) { return cms.SigningTimeAttribute(now) },
		func() ([]byte, error) { return cms.SigningCertificateV2Attribute(chain[0]) },
	} {
		a, err := mk()
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, a)
	}
	signed := cms.NewSignedAttributes(attrs...)
	h = alg.Hash.New()
	h.Write(signed.ToBeSigned())
	signature, err := signer.Sign(rand.Reader, h.Sum(nil), alg.Hash)
	if err != nil {
		return nil, fmt.Errorf("seal key signs: %w", err)
	}
	// The time-stamp covers the signature value (EN 319 122-1 5.3).
	sigDigest := sha256.Sum256(signature)
	token, err := ts.Timestamp(ctx, crypto.SHA256, sigDigest[:])
	if err != nil {
		return nil, fmt.Errorf("time-stamp the seal: %w", err)
	}
	tsAttr, err := cms.Attribute(oids.AttrSignatureTimeStamp, token)
	if err != nil {
		return nil, err
	}
	sd := &cms.SignedData{
		ContentType: oids.Data, Signer: chain[0],
		DigestAlgorithm: pkix.AlgorithmIdentifier{Algorithm: digestOID}, SignedAttrs: signed,
		SignatureAlgorithm: alg.AlgorithmIdentifier(), Signature: signature, UnsignedAttrs: [][]byte{tsAttr},
	}
	for _, c := range chain {
		sd.Certificates = append(sd.Certificates, c.Raw)
	}
	return sd.Marshal()
}

// signedData is the part of a CMS SignedData with one SignerInfo that the
// seal's and the time-stamp token's checks read.
type signedData struct {
	eContentType asn1.ObjectIdentifier
	eContent     []byte // nil when detached
	certs        []*x509.Certificate
	issuer       []byte // sid: issuerAndSerialNumber
	serial       *big.Int
	digestAlg    asn1.ObjectIdentifier
	signedSet    []byte // the signed attributes as the DER SET OF that was signed
	signed       map[string][]byte
	sigAlg       asn1.ObjectIdentifier
	signature    []byte
	unsigned     map[string][]byte
}

var (
	tag0 = cbasn1.Tag(0).Constructed().ContextSpecific()
	tag1 = cbasn1.Tag(1).Constructed().ContextSpecific()
)

var errMalformed = errors.New("not a CMS SignedData with one signer")

// parseSignedData reads a DER ContentInfo holding SignedData. Parsing is
// strict DER through cryptobyte; nothing is trusted until verify.
func parseSignedData(der []byte) (*signedData, error) {
	in := cryptobyte.String(der)
	var ci, explicit, sdSeq, digestAlgs, encap, signerInfos, si cryptobyte.String
	var ct asn1.ObjectIdentifier
	var version int
	if !in.ReadASN1(&ci, cbasn1.SEQUENCE) || !in.Empty() ||
		!ci.ReadASN1ObjectIdentifier(&ct) || !ct.Equal(oids.SignedData) ||
		!ci.ReadASN1(&explicit, tag0) || !explicit.ReadASN1(&sdSeq, cbasn1.SEQUENCE) ||
		!sdSeq.ReadASN1Integer(&version) || !sdSeq.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!sdSeq.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, errMalformed
	}
	out := &signedData{signed: map[string][]byte{}, unsigned: map[string][]byte{}}
	if !encap.ReadASN1ObjectIdentifier(&out.eContentType) {
		return nil, errMalformed
	}
	if !encap.Empty() {
		var wrap cryptobyte.String
		var content []byte
		if !encap.ReadASN1(&wrap, tag0) || !wrap.ReadASN1Bytes(&content, cbasn1.OCTET_STRING) {
			return nil, errMalformed
		}
		out.eContent = content
	}
	var certs cryptobyte.String
	var hasCerts bool
	if !sdSeq.ReadOptionalASN1(&certs, &hasCerts, tag0) || !sdSeq.SkipOptionalASN1(tag1) ||
		!sdSeq.ReadASN1(&signerInfos, cbasn1.SET) || !sdSeq.Empty() {
		return nil, errMalformed
	}
	for !certs.Empty() {
		var raw cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&raw, &tag) {
			return nil, errMalformed
		}
		if tag != cbasn1.SEQUENCE {
			continue
		}
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, fmt.Errorf("certificate in SignedData: %w", err)
		}
		out.certs = append(out.certs, c)
	}
	var sid, issuer, digestAlg, sigAlg, signedAttrs cryptobyte.String
	var siVersion int
	out.serial = new(big.Int)
	if !signerInfos.ReadASN1(&si, cbasn1.SEQUENCE) || !signerInfos.Empty() ||
		!si.ReadASN1Integer(&siVersion) || siVersion != 1 ||
		!si.ReadASN1(&sid, cbasn1.SEQUENCE) || !sid.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !sid.ReadASN1Integer(out.serial) ||
		!si.ReadASN1(&digestAlg, cbasn1.SEQUENCE) || !digestAlg.ReadASN1ObjectIdentifier(&out.digestAlg) ||
		!si.ReadASN1Element(&signedAttrs, tag0) ||
		!si.ReadASN1(&sigAlg, cbasn1.SEQUENCE) || !sigAlg.ReadASN1ObjectIdentifier(&out.sigAlg) ||
		!si.ReadASN1Bytes(&out.signature, cbasn1.OCTET_STRING) {
		return nil, errMalformed
	}
	out.issuer = issuer
	// What was signed is the attributes under the SET OF tag, not [0].
	out.signedSet = bytes.Clone(signedAttrs)
	out.signedSet[0] = 0x31
	var body cryptobyte.String
	attrsCopy := cryptobyte.String(signedAttrs)
	if !attrsCopy.ReadASN1(&body, tag0) || !readAttributes(body, out.signed) {
		return nil, errMalformed
	}
	if !si.Empty() {
		var unsigned cryptobyte.String
		if !si.ReadASN1(&unsigned, tag1) || !readAttributes(unsigned, out.unsigned) || !si.Empty() {
			return nil, errMalformed
		}
	}
	return out, nil
}

// readAttributes keeps each attribute's first value (DER) by dotted OID.
func readAttributes(s cryptobyte.String, into map[string][]byte) bool {
	for !s.Empty() {
		var attr, values, value cryptobyte.String
		var id asn1.ObjectIdentifier
		var tag cbasn1.Tag
		if !s.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&id) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !values.ReadAnyASN1Element(&value, &tag) {
			return false
		}
		if _, dup := into[id.String()]; dup {
			return false // one value per attribute type, as CAdES requires
		}
		into[id.String()] = value
	}
	return true
}

// verify checks that sd's signer signed content (or the encapsulated
// content when content is nil): message digest, signature, and that the
// signer's certificate chains to root at t for usage. It returns the
// signer's certificate.
func (sd *signedData) verify(content []byte, root *x509.Certificate, t time.Time, usage x509.ExtKeyUsage) (*x509.Certificate, error) {
	if content == nil {
		content = sd.eContent
	}
	var signer *x509.Certificate
	for _, c := range sd.certs {
		if bytes.Equal(c.RawIssuer, sd.issuer) && c.SerialNumber.Cmp(sd.serial) == 0 {
			signer = c
		}
	}
	if signer == nil {
		return nil, errors.New("the signer's certificate is not in the SignedData")
	}
	h, ok := oids.HashOf(sd.digestAlg)
	if !ok {
		return nil, fmt.Errorf("digest algorithm %v not supported", sd.digestAlg)
	}
	d := h.New()
	d.Write(content)
	var md []byte
	if rest, err := asn1.Unmarshal(sd.signed[oids.AttrMessageDigest.String()], &md); err != nil || len(rest) > 0 {
		return nil, errors.New("message-digest attribute missing or malformed")
	}
	if !bytes.Equal(md, d.Sum(nil)) {
		return nil, errors.New("the message digest does not match the content: the content was changed")
	}
	var alg x509.SignatureAlgorithm
	switch {
	case sd.sigAlg.Equal(oids.ECDSAWithSHA256):
		alg = x509.ECDSAWithSHA256
	case sd.sigAlg.Equal(oids.ECDSAWithSHA384):
		alg = x509.ECDSAWithSHA384
	case sd.sigAlg.Equal(oids.ECDSAWithSHA512):
		alg = x509.ECDSAWithSHA512
	case sd.sigAlg.Equal(oids.SHA256WithRSA):
		alg = x509.SHA256WithRSA
	default:
		return nil, fmt.Errorf("signature algorithm %v not supported", sd.sigAlg)
	}
	if err := signer.CheckSignature(alg, sd.signedSet, sd.signature); err != nil {
		return nil, fmt.Errorf("the signature does not verify: %w", err)
	}
	inter := x509.NewCertPool()
	for _, c := range sd.certs {
		inter.AddCert(c)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	if _, err := signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: t, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		return nil, fmt.Errorf("the signer's certificate does not chain to qes's root: %w", err)
	}
	return signer, nil
}

// signingCertHash is the certHash of the first ESSCertIDv2 of a
// signing-certificate-v2 attribute value (SHA-256 only, qes's default).
func signingCertHash(value []byte) ([]byte, error) {
	s := cryptobyte.String(value)
	var sc, certs, id cryptobyte.String
	var hash []byte
	if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !sc.ReadASN1(&certs, cbasn1.SEQUENCE) || !certs.ReadASN1(&id, cbasn1.SEQUENCE) {
		return nil, errors.New("signing-certificate-v2 malformed")
	}
	if id.PeekASN1Tag(cbasn1.SEQUENCE) {
		var alg cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !id.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) || !oid.Equal(oids.SHA256) {
			return nil, errors.New("signing-certificate-v2 hash algorithm is not SHA-256")
		}
	}
	if !id.ReadASN1Bytes(&hash, cbasn1.OCTET_STRING) {
		return nil, errors.New("signing-certificate-v2 malformed")
	}
	return hash, nil
}

// SealCheck is what checking manifest.p7s found.
type SealCheck struct {
	Signer        string    `json:"signer"` // subject of the seal certificate
	SigningTime   time.Time `json:"signingTime,omitzero"`
	TimestampTime time.Time `json:"timestampTime,omitzero"`
	TSA           string    `json:"tsa,omitempty"`
}

// verifySeal checks a manifest.p7s made by sign over manifest: the seal's
// signature and certificate (chaining to root), signing-certificate-v2,
// and the signature time-stamp token (its imprint over the signature
// value, its signature and the TSA's certificate).
//
// Any certificate under qes's root verifies as a CMS signature (a holder's
// qualified certificate too), so the signer must also be one of sealers:
// the registration authority's seal certificates.
func verifySeal(p7s, manifest []byte, root *x509.Certificate, sealers []*x509.Certificate) (*SealCheck, error) {
	sd, err := parseSignedData(p7s)
	if err != nil {
		return nil, err
	}
	if !sd.eContentType.Equal(oids.Data) || sd.eContent != nil {
		return nil, errors.New("the seal is not a detached signature over data")
	}
	tokenDER, ok := sd.unsigned[oids.AttrSignatureTimeStamp.String()]
	if !ok {
		return nil, errors.New("the seal has no signature time-stamp (B-T)")
	}
	tst, err := parseSignedData(tokenDER)
	if err != nil {
		return nil, fmt.Errorf("time-stamp token: %w", err)
	}
	tok, err := cms.ParseTimestampToken(tokenDER)
	if err != nil {
		return nil, fmt.Errorf("time-stamp token: %w", err)
	}
	check := &SealCheck{TimestampTime: tok.Info.GenTime}
	// The seal certificate must have been valid when the TSA saw the
	// signature: the time-stamp, not the clock of today, is the proof.
	signer, err := sd.verify(manifest, root, tok.Info.GenTime, x509.ExtKeyUsageAny)
	if err != nil {
		return nil, err
	}
	check.Signer = signer.Subject.String()
	isSealer := false
	for _, c := range sealers {
		isSealer = isSealer || c.Equal(signer)
	}
	if !isSealer {
		return nil, fmt.Errorf("signed by %q, not by the registration authority's seal key", check.Signer)
	}
	want := sha256.Sum256(signer.Raw)
	got, err := signingCertHash(sd.signed[oids.AttrSigningCertV2.String()])
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(got, want[:]) {
		return nil, errors.New("signing-certificate-v2 does not name the signer's certificate")
	}
	var st time.Time
	if _, err := asn1.Unmarshal(sd.signed[oids.AttrSigningTime.String()], &st); err == nil {
		check.SigningTime = st
	}
	if !tst.eContentType.Equal(oids.TSTInfo) {
		return nil, errors.New("time-stamp token does not hold a TSTInfo")
	}
	tsaCert, err := tst.verify(nil, root, tok.Info.GenTime, x509.ExtKeyUsageTimeStamping)
	if err != nil {
		return nil, fmt.Errorf("time-stamp token: %w", err)
	}
	check.TSA = tsaCert.Subject.String()
	if tok.Info.Hash == 0 {
		return nil, errors.New("time-stamp token: unsupported imprint hash")
	}
	d := tok.Info.Hash.New()
	d.Write(sd.signature)
	if !bytes.Equal(d.Sum(nil), tok.Info.Digest) {
		return nil, errors.New("the time-stamp token does not cover this signature")
	}
	return check, nil
}
