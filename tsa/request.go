package tsa

import (
	"crypto"
	"encoding/asn1"
	"math/big"

	"github.com/qesproject/qes/internal/oids"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxNonceBytes bounds the nonce echoed into tokens: RFC 3161 sets no limit,
// but a nonce is a random number and 512 bits is far more than any client
// sends; larger values would only bloat tokens.
const maxNonceBytes = 64

// request is a decoded TimeStampReq (RFC 3161 section 2.4.1).
type request struct {
	hash    crypto.Hash
	digest  []byte
	imprint []byte // DER MessageImprint exactly as sent, echoed in TSTInfo
	policy  asn1.ObjectIdentifier
	nonce   *big.Int
	certReq bool
}

var (
	tagExtensions = cbasn1.Tag(0).Constructed().ContextSpecific()
)

// parseRequest decodes a DER TimeStampReq. Every error is a *rejection that
// names the PKIFailureInfo to answer with.
func parseRequest(der []byte) (*request, error) {
	input := cryptobyte.String(der)
	var body cryptobyte.String
	if !input.ReadASN1(&body, cbasn1.SEQUENCE) || !input.Empty() {
		return nil, reject(BadDataFormat, "the request is not a DER TimeStampReq")
	}
	var version int64
	if !body.ReadASN1Integer(&version) {
		return nil, reject(BadDataFormat, "the request has no version")
	}
	if version != 1 {
		return nil, reject(BadDataFormat, "request version %d is not supported; only version 1 is", version)
	}
	req := &request{}
	var imprint cryptobyte.String
	if !body.ReadASN1Element(&imprint, cbasn1.SEQUENCE) {
		return nil, reject(BadDataFormat, "the request has no messageImprint")
	}
	req.imprint = imprint
	hash, digest, err := parseImprint(imprint)
	if err != nil {
		return nil, err
	}
	req.hash, req.digest = hash, digest

	if body.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
		if !body.ReadASN1ObjectIdentifier(&req.policy) {
			return nil, reject(BadDataFormat, "the reqPolicy is not a valid object identifier")
		}
	}
	if body.PeekASN1Tag(cbasn1.INTEGER) {
		req.nonce = new(big.Int)
		if !body.ReadASN1Integer(req.nonce) {
			return nil, reject(BadDataFormat, "the nonce is not a valid DER INTEGER")
		}
		if (req.nonce.BitLen()+7)/8 > maxNonceBytes {
			return nil, reject(BadDataFormat, "the nonce is longer than %d bytes", maxNonceBytes)
		}
	}
	if body.PeekASN1Tag(cbasn1.BOOLEAN) {
		if !body.ReadASN1Boolean(&req.certReq) {
			return nil, reject(BadDataFormat, "certReq is not a valid BOOLEAN")
		}
	}
	if body.PeekASN1Tag(tagExtensions) {
		var exts cryptobyte.String
		if !body.ReadASN1(&exts, tagExtensions) {
			return nil, reject(BadDataFormat, "the request extensions are malformed")
		}
		if err := checkExtensions(exts); err != nil {
			return nil, err
		}
	}
	if !body.Empty() {
		return nil, reject(BadDataFormat, "the request has unexpected fields after certReq")
	}
	return req, nil
}

// parseImprint decodes MessageImprint ::= SEQUENCE { hashAlgorithm, hashedMessage }.
func parseImprint(imprint cryptobyte.String) (crypto.Hash, []byte, error) {
	var seq, alg, digest cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !imprint.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!seq.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&oid) {
		return 0, nil, reject(BadDataFormat, "the messageImprint has no hash algorithm")
	}
	if name, weak := weakHashNames[oid.String()]; weak {
		return 0, nil, reject(BadAlg, "%s is too weak for a time-stamp; use SHA-256, SHA-384 or SHA-512", name)
	}
	hash, ok := oids.HashOf(oid)
	if !ok {
		return 0, nil, reject(BadAlg, "hash algorithm %s is not supported; use SHA-256, SHA-384 or SHA-512", oid)
	}
	// RFC 5754: SHA-2 parameters are absent, or NULL from older encoders.
	if !alg.Empty() && (!alg.ReadASN1(new(cryptobyte.String), cbasn1.NULL) || !alg.Empty()) {
		return 0, nil, reject(BadAlg, "the %s algorithm identifier has unexpected parameters", hash)
	}
	if !seq.ReadASN1(&digest, cbasn1.OCTET_STRING) || !seq.Empty() {
		return 0, nil, reject(BadDataFormat, "the messageImprint has no hashedMessage")
	}
	if len(digest) != hash.Size() {
		return 0, nil, reject(BadDataFormat, "the hashedMessage is %d bytes but %s digests are %d bytes", len(digest), hash, hash.Size())
	}
	return hash, digest, nil
}

// checkExtensions refuses critical extensions: none are defined for
// TimeStampReq by this TSA, and non-critical ones may be ignored (RFC 5280
// section 4.2 semantics, which RFC 3161 borrows).
func checkExtensions(exts cryptobyte.String) error {
	for !exts.Empty() {
		var ext cryptobyte.String
		var oid asn1.ObjectIdentifier
		var critical bool
		if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) {
			return reject(BadDataFormat, "a request extension is malformed")
		}
		if ext.PeekASN1Tag(cbasn1.BOOLEAN) && !ext.ReadASN1Boolean(&critical) {
			return reject(BadDataFormat, "extension %s has a malformed critical flag", oid)
		}
		if !ext.ReadASN1(new(cryptobyte.String), cbasn1.OCTET_STRING) || !ext.Empty() {
			return reject(BadDataFormat, "extension %s has no value", oid)
		}
		if critical {
			return reject(UnacceptedExtension, "critical extension %s is not supported", oid)
		}
	}
	return nil
}
