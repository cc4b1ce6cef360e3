package tsa

import (
	"crypto"
	"encoding/asn1"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/oids"
)

// Response is a decoded TimeStampResp, as a client needs it.
type Response struct {
	Status  int           // PKIStatus: 0 granted, 1 grantedWithMods, 2 rejection, ...
	Text    string        // statusString, joined
	Failure []FailureInfo // failInfo bits set
	Token   []byte        // DER TimeStampToken (ContentInfo); nil unless granted
}

// Info is the part of a token's TSTInfo that clients check.
type Info struct {
	Policy  asn1.ObjectIdentifier
	Hash    crypto.Hash // 0 when the imprint algorithm is not SHA-256/384/512
	HashOID asn1.ObjectIdentifier
	Digest  []byte
	Serial  *big.Int
	GenTime time.Time
	Nonce   *big.Int // nil when absent
}

// ParseResponse decodes a DER TimeStampResp without verifying the token's
// signature (that needs trust anchors and is the validator's job).
func ParseResponse(der []byte) (*Response, error) {
	input := cryptobyte.String(der)
	var resp, statusInfo cryptobyte.String
	if !input.ReadASN1(&resp, cbasn1.SEQUENCE) || !input.Empty() ||
		!resp.ReadASN1(&statusInfo, cbasn1.SEQUENCE) {
		return nil, errs.E(errs.InvalidRequest, "not a DER TimeStampResp")
	}
	out := &Response{}
	if !statusInfo.ReadASN1Integer(&out.Status) {
		return nil, errs.E(errs.InvalidRequest, "TimeStampResp has no status")
	}
	if statusInfo.PeekASN1Tag(cbasn1.SEQUENCE) {
		var texts []string
		var freeText cryptobyte.String
		if !statusInfo.ReadASN1(&freeText, cbasn1.SEQUENCE) {
			return nil, errs.E(errs.InvalidRequest, "TimeStampResp statusString is malformed")
		}
		for !freeText.Empty() {
			var s cryptobyte.String
			if !freeText.ReadASN1(&s, cbasn1.UTF8String) {
				return nil, errs.E(errs.InvalidRequest, "TimeStampResp statusString is not UTF8String")
			}
			texts = append(texts, string(s))
		}
		out.Text = strings.Join(texts, "; ")
	}
	if statusInfo.PeekASN1Tag(cbasn1.BIT_STRING) {
		var bits asn1.BitString
		if !statusInfo.ReadASN1BitString(&bits) {
			return nil, errs.E(errs.InvalidRequest, "TimeStampResp failInfo is malformed")
		}
		for i := 0; i < bits.BitLength; i++ {
			if bits.At(i) == 1 {
				out.Failure = append(out.Failure, FailureInfo(i))
			}
		}
	}
	if !statusInfo.Empty() {
		return nil, errs.E(errs.InvalidRequest, "TimeStampResp status has unexpected fields")
	}
	if !resp.Empty() {
		var token cryptobyte.String
		if !resp.ReadASN1Element(&token, cbasn1.SEQUENCE) || !resp.Empty() {
			return nil, errs.E(errs.InvalidRequest, "TimeStampResp token is malformed")
		}
		out.Token = token
	}
	return out, nil
}

// ParseToken extracts the TSTInfo of a DER TimeStampToken, without
// verifying its signature.
func ParseToken(token []byte) (*Info, error) {
	input := cryptobyte.String(token)
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
		return nil, errs.E(errs.InvalidRequest, "the time-stamp token is not DER SignedData over a TSTInfo")
	}
	var eContent cryptobyte.String
	if !eContentWrap.ReadASN1(&eContent, cbasn1.OCTET_STRING) {
		return nil, errs.E(errs.InvalidRequest, "the time-stamp token has no TSTInfo content")
	}
	return parseTSTInfo(eContent)
}

func parseTSTInfo(der cryptobyte.String) (*Info, error) {
	bad := errs.E(errs.InvalidRequest, "the TSTInfo is malformed")
	var tst, imprint, alg, genTime cryptobyte.String
	var version int
	info := &Info{Serial: new(big.Int)}
	if !der.ReadASN1(&tst, cbasn1.SEQUENCE) ||
		!tst.ReadASN1Integer(&version) || version != 1 ||
		!tst.ReadASN1ObjectIdentifier(&info.Policy) ||
		!tst.ReadASN1(&imprint, cbasn1.SEQUENCE) ||
		!imprint.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&info.HashOID) ||
		!imprint.ReadASN1Bytes(&info.Digest, cbasn1.OCTET_STRING) ||
		!tst.ReadASN1Integer(info.Serial) ||
		!tst.ReadASN1(&genTime, cbasn1.GeneralizedTime) {
		return nil, bad
	}
	info.Hash, _ = oids.HashOf(info.HashOID)
	t, err := time.Parse("20060102150405Z0700", string(genTime))
	if err != nil {
		return nil, bad
	}
	info.GenTime = t
	if !tst.SkipOptionalASN1(cbasn1.SEQUENCE) || // accuracy
		!tst.SkipOptionalASN1(cbasn1.BOOLEAN) { // ordering
		return nil, bad
	}
	if tst.PeekASN1Tag(cbasn1.INTEGER) {
		info.Nonce = new(big.Int)
		if !tst.ReadASN1Integer(info.Nonce) {
			return nil, bad
		}
	}
	return info, nil
}
