package cms

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// TSTInfo is the part of a time-stamp token's TSTInfo (RFC 3161 2.4.2)
// that clients check.
type TSTInfo struct {
	Policy  asn1.ObjectIdentifier
	Hash    crypto.Hash // 0 when the imprint algorithm is not SHA-256/384/512
	HashOID asn1.ObjectIdentifier
	Digest  []byte
	Serial  *big.Int
	GenTime time.Time
	Nonce   *big.Int // nil when absent
}

// TimestampToken is a decoded TimeStampToken: what it stamps and the
// certificates it carries (the TSA's, for validation data).
type TimestampToken struct {
	Info         TSTInfo
	Certificates []*x509.Certificate
}

// Errors of ParseTimestampToken: malformed input is the sender's fault.
var (
	errNotSignedTSTInfo = errs.M(errs.InvalidRequest, msg.CMSTimeStampNotSignedData)
	errNoTSTInfo        = errs.M(errs.InvalidRequest, msg.CMSTimeStampNoTSTInfo)
	errBadTSTInfo       = errs.M(errs.InvalidRequest, msg.CMSTSTInfoMalformed)
	errBadCertificates  = errs.M(errs.InvalidRequest, msg.CMSTimeStampCertificatesMalformed)
)

// ParseTimestampToken decodes a DER TimeStampToken (a ContentInfo holding
// SignedData over a TSTInfo) without verifying its signature.
func ParseTimestampToken(der []byte) (*TimestampToken, error) {
	input := cryptobyte.String(der)
	var contentInfo, explicit, signedData, encap, eContentWrap cryptobyte.String
	var contentType, eContentType asn1.ObjectIdentifier
	var version int
	if !input.ReadASN1(&contentInfo, cbasn1.SEQUENCE) || !input.Empty() ||
		!contentInfo.ReadASN1ObjectIdentifier(&contentType) || !contentType.Equal(oids.SignedData) ||
		!contentInfo.ReadASN1(&explicit, tagContext0) ||
		!explicit.ReadASN1(&signedData, cbasn1.SEQUENCE) ||
		!signedData.ReadASN1Integer(&version) ||
		!signedData.SkipASN1(cbasn1.SET) ||
		!signedData.ReadASN1(&encap, cbasn1.SEQUENCE) ||
		!encap.ReadASN1ObjectIdentifier(&eContentType) || !eContentType.Equal(oids.TSTInfo) ||
		!encap.ReadASN1(&eContentWrap, tagContext0) {
		return nil, errNotSignedTSTInfo
	}
	var eContent cryptobyte.String
	if !eContentWrap.ReadASN1(&eContent, cbasn1.OCTET_STRING) {
		return nil, errNoTSTInfo
	}
	tok := &TimestampToken{}
	if err := parseTSTInfo(eContent, &tok.Info); err != nil {
		return nil, err
	}
	var certs cryptobyte.String
	var hasCerts bool
	if !signedData.ReadOptionalASN1(&certs, &hasCerts, tagContext0) {
		return nil, errBadCertificates
	}
	for !certs.Empty() {
		var raw cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&raw, &tag) {
			return nil, errBadCertificates
		}
		if tag != cbasn1.SEQUENCE {
			continue // attribute certificates and other formats are not X.509
		}
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, errBadCertificates
		}
		tok.Certificates = append(tok.Certificates, c)
	}
	return tok, nil
}

func parseTSTInfo(der cryptobyte.String, info *TSTInfo) error {
	var tst, imprint, alg, genTime cryptobyte.String
	var version int
	info.Serial = new(big.Int)
	if !der.ReadASN1(&tst, cbasn1.SEQUENCE) ||
		!tst.ReadASN1Integer(&version) || version != 1 ||
		!tst.ReadASN1ObjectIdentifier(&info.Policy) ||
		!tst.ReadASN1(&imprint, cbasn1.SEQUENCE) ||
		!imprint.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&info.HashOID) ||
		!imprint.ReadASN1Bytes(&info.Digest, cbasn1.OCTET_STRING) ||
		!tst.ReadASN1Integer(info.Serial) ||
		!tst.ReadASN1(&genTime, cbasn1.GeneralizedTime) {
		return errBadTSTInfo
	}
	info.Hash, _ = oids.HashOf(info.HashOID)
	t, err := time.Parse("20060102150405Z0700", string(genTime))
	if err != nil {
		return errBadTSTInfo
	}
	info.GenTime = t
	if !tst.SkipOptionalASN1(cbasn1.SEQUENCE) || // accuracy
		!tst.SkipOptionalASN1(cbasn1.BOOLEAN) { // ordering
		return errBadTSTInfo
	}
	if tst.PeekASN1Tag(cbasn1.INTEGER) {
		info.Nonce = new(big.Int)
		if !tst.ReadASN1Integer(info.Nonce) {
			return errBadTSTInfo
		}
	}
	return nil
}
