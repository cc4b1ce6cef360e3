package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/oids"
)

// Timestamper obtains an RFC 3161 time-stamp token over a digest. It returns
// the DER TimeStampToken (a CMS ContentInfo), not the whole TimeStampResp.
type Timestamper interface {
	Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error)
}

type tspSignedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo struct {
		ContentType asn1.ObjectIdentifier
		EContent    []byte `asn1:"explicit,tag:0"`
	}
	Certificates asn1.RawValue `asn1:"optional,tag:0"`
	Rest         asn1.RawValue `asn1:"optional"`
}

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time `asn1:"generalized"`
}

// timestampToken is the part of a TimeStampToken this package relies on.
type timestampToken struct {
	hash    crypto.Hash
	digest  []byte
	genTime time.Time
	certs   []*x509.Certificate
}

// parseTimestampToken decodes a DER TimeStampToken enough to check what it
// covers and to collect the TSA certificates for the DSS. Its signature is
// the TSA client's business (and every validator's).
func parseTimestampToken(der []byte) (*timestampToken, error) {
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) != 0 {
		return nil, errs.E(errs.InvalidRequest, "time-stamp token is not a DER ContentInfo")
	}
	if !ci.ContentType.Equal(oids.SignedData) {
		return nil, errs.E(errs.InvalidRequest, "time-stamp token is not CMS SignedData")
	}
	var sd tspSignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, errs.E(errs.InvalidRequest, "time-stamp token SignedData is malformed")
	}
	if !sd.EncapContentInfo.ContentType.Equal(oids.TSTInfo) {
		return nil, errs.E(errs.InvalidRequest, "time-stamp token does not carry a TSTInfo")
	}
	var info tstInfo
	if _, err := asn1.Unmarshal(sd.EncapContentInfo.EContent, &info); err != nil {
		return nil, errs.E(errs.InvalidRequest, "time-stamp token TSTInfo is malformed")
	}
	h, ok := oids.HashOf(info.MessageImprint.HashAlgorithm.Algorithm)
	if !ok {
		return nil, errs.E(errs.InvalidRequest, "time-stamp token uses an unsupported hash algorithm")
	}
	t := &timestampToken{hash: h, digest: info.MessageImprint.HashedMessage, genTime: info.GenTime}
	if len(sd.Certificates.Bytes) > 0 {
		rest := sd.Certificates.Bytes
		for len(rest) > 0 {
			var raw asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &raw); err != nil {
				return nil, errs.E(errs.InvalidRequest, "time-stamp token certificates are malformed")
			}
			if raw.Class != asn1.ClassUniversal {
				continue // attribute certificates and others are not X.509
			}
			c, err := x509.ParseCertificate(raw.FullBytes)
			if err != nil {
				return nil, errs.E(errs.InvalidRequest, "time-stamp token carries an unparsable certificate")
			}
			t.certs = append(t.certs, c)
		}
	}
	return t, nil
}

// fetchTimestamp asks ts for a token over digest and checks that the token
// covers exactly that digest.
func fetchTimestamp(ctx context.Context, ts Timestamper, h crypto.Hash, digest []byte) ([]byte, *timestampToken, error) {
	if ts == nil {
		return nil, nil, errs.E(errs.InvalidRequest, "a time-stamp is required for this level but no time-stamp authority is configured")
	}
	der, err := ts.Timestamp(ctx, h, digest)
	if err != nil {
		return nil, nil, errs.Wrap(err, errs.Unavailable, "time-stamp authority request failed")
	}
	tok, err := parseTimestampToken(der)
	if err != nil {
		return nil, nil, errs.Internalf(err, "time-stamp authority returned an unusable token")
	}
	if tok.hash != h || !bytes.Equal(tok.digest, digest) {
		return nil, nil, errs.Internalf(errs.E(errs.Internal, "message imprint mismatch"), "time-stamp token covers a different digest")
	}
	return der, tok, nil
}
