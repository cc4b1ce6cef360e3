package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"time"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Timestamper obtains an RFC 3161 time-stamp token over a digest. It returns
// the DER TimeStampToken (a CMS ContentInfo), not the whole TimeStampResp.
type Timestamper interface {
	Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error)
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
	tok, err := cms.ParseTimestampToken(der)
	if err != nil {
		return nil, err
	}
	if tok.Info.Hash == 0 {
		return nil, errs.M(errs.InvalidRequest, msg.PAdESTimestampHashUnsupported)
	}
	return &timestampToken{hash: tok.Info.Hash, digest: tok.Info.Digest, genTime: tok.Info.GenTime, certs: tok.Certificates}, nil
}

// fetchTimestamp asks ts for a token over digest and checks that the token
// covers exactly that digest.
func fetchTimestamp(ctx context.Context, ts Timestamper, h crypto.Hash, digest []byte) ([]byte, *timestampToken, error) {
	if ts == nil {
		return nil, nil, errs.M(errs.InvalidRequest, msg.PAdESNoTimestamper)
	}
	der, err := ts.Timestamp(ctx, h, digest)
	if err != nil {
		return nil, nil, errs.WrapM(err, errs.Unavailable, msg.PAdESTimestampFailed)
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
