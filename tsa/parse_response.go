package tsa

import (
	"encoding/asn1"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Response is a decoded TimeStampResp, as a client needs it.
type Response struct {
	Status  int           // PKIStatus: 0 granted, 1 grantedWithMods, 2 rejection, ...
	Text    string        // statusString, joined
	Failure []FailureInfo // failInfo bits set
	Token   []byte        // DER TimeStampToken (ContentInfo); nil unless granted
}

// Info is the part of a token's TSTInfo that clients check.
type Info = cms.TSTInfo

// ParseResponse decodes a DER TimeStampResp without verifying the token's
// signature (that needs trust anchors and is the validator's job).
func ParseResponse(der []byte) (*Response, error) {
	input := cryptobyte.String(der)
	var resp, statusInfo cryptobyte.String
	if !input.ReadASN1(&resp, cbasn1.SEQUENCE) || !input.Empty() ||
		!resp.ReadASN1(&statusInfo, cbasn1.SEQUENCE) {
		return nil, errs.M(errs.InvalidRequest, msg.TSANotTimeStampResp)
	}
	out := &Response{}
	if !statusInfo.ReadASN1Integer(&out.Status) {
		return nil, errs.M(errs.InvalidRequest, msg.TSARespNoStatus)
	}
	if statusInfo.PeekASN1Tag(cbasn1.SEQUENCE) {
		var texts []string
		var freeText cryptobyte.String
		if !statusInfo.ReadASN1(&freeText, cbasn1.SEQUENCE) {
			return nil, errs.M(errs.InvalidRequest, msg.TSARespStatusStringMalformed)
		}
		for !freeText.Empty() {
			var s cryptobyte.String
			if !freeText.ReadASN1(&s, cbasn1.UTF8String) {
				return nil, errs.M(errs.InvalidRequest, msg.TSARespStatusStringNotUTF8)
			}
			texts = append(texts, string(s))
		}
		out.Text = strings.Join(texts, "; ")
	}
	if statusInfo.PeekASN1Tag(cbasn1.BIT_STRING) {
		var bits asn1.BitString
		if !statusInfo.ReadASN1BitString(&bits) {
			return nil, errs.M(errs.InvalidRequest, msg.TSARespFailInfoMalformed)
		}
		for i := 0; i < bits.BitLength; i++ {
			if bits.At(i) == 1 {
				out.Failure = append(out.Failure, FailureInfo(i))
			}
		}
	}
	if !statusInfo.Empty() {
		return nil, errs.M(errs.InvalidRequest, msg.TSARespStatusUnexpectedFields)
	}
	if !resp.Empty() {
		var token cryptobyte.String
		if !resp.ReadASN1Element(&token, cbasn1.SEQUENCE) || !resp.Empty() {
			return nil, errs.M(errs.InvalidRequest, msg.TSARespTokenMalformed)
		}
		out.Token = token
	}
	return out, nil
}

// ParseToken extracts the TSTInfo of a DER TimeStampToken, without
// verifying its signature.
func ParseToken(token []byte) (*Info, error) {
	tok, err := cms.ParseTimestampToken(token)
	if err != nil {
		return nil, err
	}
	return &tok.Info, nil
}
