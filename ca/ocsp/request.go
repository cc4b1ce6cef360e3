package ocsp

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"github.com/qesproject/qes/internal/oids"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

const (
	// maxNonceBytes is RFC 9654's upper bound on the Nonce value.
	maxNonceBytes = 128
	// maxSerialBytes bounds the serial: RFC 5280 allows 20 octets; a little
	// slack tolerates non-conforming clients without letting cache keys grow.
	maxSerialBytes = 32
)

var (
	tagCtx0 = cbasn1.Tag(0).Constructed().ContextSpecific()
	tagCtx1 = cbasn1.Tag(1).Constructed().ContextSpecific()
	tagCtx2 = cbasn1.Tag(2).Constructed().ContextSpecific()
)

// request is the single Request of an OCSPRequest.
type request struct {
	hashOID   asn1.ObjectIdentifier
	nameHash  []byte
	keyHash   []byte
	serial    *big.Int
	serialDER []byte // the DER INTEGER as sent, part of the cache key
	nonce     []byte // extnValue of the nonce extension, echoed verbatim; nil if absent
}

// errMalformed marks requests answered with malformedRequest.
var errMalformed = errors.New("malformed OCSP request")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
}

// parseRequest decodes a DER OCSPRequest (RFC 6960 4.1.1). It accepts
// exactly one Request, as RFC 5019 2.1.1 has clients send, and ignores any
// request signature: the responder serves public status to anyone.
func parseRequest(der []byte) (*request, error) {
	input := cryptobyte.String(der)
	var ocspReq, tbs, list cryptobyte.String
	if !input.ReadASN1(&ocspReq, cbasn1.SEQUENCE) || !input.Empty() ||
		!ocspReq.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!ocspReq.SkipOptionalASN1(tagCtx0) || !ocspReq.Empty() {
		return nil, malformed("not a DER OCSPRequest")
	}
	var version cryptobyte.String
	var hasVersion bool
	if !tbs.ReadOptionalASN1(&version, &hasVersion, tagCtx0) {
		return nil, malformed("bad version")
	}
	if hasVersion {
		var v int
		if !version.ReadASN1Integer(&v) || v != 0 || !version.Empty() {
			return nil, malformed("only version 1 requests are supported")
		}
	}
	if !tbs.SkipOptionalASN1(tagCtx1) || // requestorName
		!tbs.ReadASN1(&list, cbasn1.SEQUENCE) {
		return nil, malformed("no requestList")
	}
	var single cryptobyte.String
	if !list.ReadASN1(&single, cbasn1.SEQUENCE) {
		return nil, malformed("empty requestList")
	}
	if !list.Empty() {
		return nil, malformed("more than one certificate in a request")
	}
	req, err := parseSingleRequest(single)
	if err != nil {
		return nil, err
	}
	var exts cryptobyte.String
	var hasExts bool
	if !tbs.ReadOptionalASN1(&exts, &hasExts, tagCtx2) || !tbs.Empty() {
		return nil, malformed("unexpected fields after requestList")
	}
	if hasExts {
		if req.nonce, err = parseExtensions(exts, true); err != nil {
			return nil, err
		}
	}
	return req, nil
}

func parseSingleRequest(single cryptobyte.String) (*request, error) {
	var certID, alg, serial cryptobyte.String
	req := &request{}
	if !single.ReadASN1(&certID, cbasn1.SEQUENCE) ||
		!certID.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&req.hashOID) ||
		!certID.ReadASN1Bytes(&req.nameHash, cbasn1.OCTET_STRING) ||
		!certID.ReadASN1Bytes(&req.keyHash, cbasn1.OCTET_STRING) ||
		!certID.ReadASN1Element(&serial, cbasn1.INTEGER) || !certID.Empty() {
		return nil, malformed("bad CertID")
	}
	if len(serial) > maxSerialBytes+2 {
		return nil, malformed("serial number longer than %d bytes", maxSerialBytes)
	}
	req.serialDER = serial
	req.serial = new(big.Int)
	if !serial.ReadASN1Integer(req.serial) {
		return nil, malformed("bad serial number")
	}
	var exts cryptobyte.String
	var hasExts bool
	if !single.ReadOptionalASN1(&exts, &hasExts, tagCtx0) || !single.Empty() {
		return nil, malformed("unexpected fields in Request")
	}
	if hasExts {
		if _, err := parseExtensions(exts, false); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// parseExtensions walks an [n] EXPLICIT Extensions wrapper and returns the
// nonce (when allowed here). Unknown critical extensions make the request
// malformed; unknown non-critical ones are ignored (RFC 6960 4.4).
func parseExtensions(wrapped cryptobyte.String, nonceAllowed bool) ([]byte, error) {
	var exts cryptobyte.String
	if !wrapped.ReadASN1(&exts, cbasn1.SEQUENCE) || !wrapped.Empty() {
		return nil, malformed("bad extensions")
	}
	var nonce []byte
	for !exts.Empty() {
		var ext cryptobyte.String
		var oid asn1.ObjectIdentifier
		var critical bool
		var value []byte
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) {
			return nil, malformed("bad extension")
		}
		if ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical) {
			return nil, malformed("bad critical flag on extension %s", oid)
		}
		if !ext.ReadASN1Bytes(&value, cbasn1.OCTET_STRING) || !ext.Empty() {
			return nil, malformed("bad value of extension %s", oid)
		}
		switch {
		case nonceAllowed && oid.Equal(oids.OCSPNonce):
			if nonce != nil {
				return nil, malformed("two nonce extensions")
			}
			if n := nonceLength(value); n < 1 || n > maxNonceBytes {
				return nil, malformed("nonce of %d bytes; RFC 9654 allows 1 to %d", n, maxNonceBytes)
			}
			nonce = value
		case critical:
			return nil, malformed("unsupported critical extension %s", oid)
		}
	}
	return nonce, nil
}

// nonceLength measures the Nonce inside extnValue. RFC 6960 wraps it in an
// OCTET STRING; some old clients put the raw bytes in extnValue, and those
// are measured as they are.
func nonceLength(value []byte) int {
	s := cryptobyte.String(value)
	var inner cryptobyte.String
	if s.ReadASN1(&inner, cbasn1.OCTET_STRING) && s.Empty() {
		return len(inner)
	}
	return len(value)
}
