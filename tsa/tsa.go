package tsa

import (
	"context"
	"crypto"
	"errors"
	"log/slog"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// TSA issues RFC 3161 time-stamp tokens. It is safe for concurrent use.
type TSA struct {
	cfg  Config
	alg  oids.Signature
	tmpl tokenTemplate
	log  *slog.Logger
}

// New checks the configuration (above all that the certificate is a proper
// TSA certificate for the Signer's key) and prepares the constant parts of
// the tokens.
func New(cfg Config) (*TSA, error) {
	alg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if cfg.Accuracy == 0 {
		cfg.Accuracy = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = KernelClock{MaxError: cfg.Accuracy}
	}
	tmpl, err := newTokenTemplate(cfg.Certificate, cfg.Chain)
	if err != nil {
		return nil, err
	}
	t := &TSA{cfg: cfg, alg: alg, tmpl: tmpl, log: cfg.Logger}
	return t, nil
}

// Respond answers a DER TimeStampReq from requester with a DER
// TimeStampResp. Requests the TSA refuses yield a rejection response and a
// nil error; so does an untrusted clock (timeNotAvailable). A non-nil error
// means the TSA itself failed (signer, encoder or log); the returned bytes
// are then a systemFailure response that may still be sent to the client.
func (t *TSA) Respond(ctx context.Context, requester string, der []byte) ([]byte, error) {
	req, err := parseRequest(der)
	if err == nil && req.policy != nil && !req.policy.Equal(t.cfg.Policy) {
		err = reject(UnacceptedPolicy, "policy %s is not offered; this TSA issues under %s", req.policy, t.cfg.Policy)
	}
	if err == nil {
		if clockErr := t.cfg.Clock.ClockTrusted(ctx); clockErr != nil {
			t.log.WarnContext(ctx, "tsa: refusing to time-stamp", "err", clockErr)
			err = reject(TimeNotAvailable, "the time source is not available; try again later")
		}
	}
	var rej *rejection
	if errors.As(err, &rej) {
		t.log.DebugContext(ctx, "tsa: request rejected", "failure", rej.failure.String(), "reason", rej.text)
		return encodeResponse(nil, rej)
	}
	token, err := t.issue(ctx, tstParams{imprint: req.imprint, nonce: req.nonce, certReq: req.certReq}, req.hash, requester)
	if err != nil {
		t.log.ErrorContext(ctx, "tsa: token issuance failed", "err", err)
		resp, encErr := encodeResponse(nil, reject(SystemFailure, "the time-stamp could not be issued; try again later"))
		return resp, errors.Join(err, encErr)
	}
	resp, err := encodeResponse(token, nil)
	if err != nil {
		return nil, errs.Internalf(err, "tsa: encode response")
	}
	return resp, nil
}

// Timestamp issues a DER TimeStampToken (CMS ContentInfo) for requester
// over a digest computed with h, echoing nonce when it is not nil; the token
// always carries the TSA certificate. It serves the CSC signatures/timestamp
// method, whose callers name the hash by OID and may send a nonce, and the
// PAdES time-stamps of signDoc.
func (t *TSA) Timestamp(ctx context.Context, requester string, h crypto.Hash, digest []byte, nonce *big.Int) ([]byte, error) {
	imprint, err := encodeImprint(h, digest)
	if err != nil {
		return nil, err
	}
	if nonce != nil && (nonce.BitLen()+7)/8 > maxNonceBytes {
		return nil, errs.M(errs.InvalidRequest, msg.TSANonceTooLong, maxNonceBytes)
	}
	if err := t.cfg.Clock.ClockTrusted(ctx); err != nil {
		t.log.WarnContext(ctx, "tsa: refusing to time-stamp", "err", err)
		return nil, errs.WrapM(err, errs.Unavailable, msg.TSAClockUntrusted)
	}
	return t.issue(ctx, tstParams{imprint: imprint, nonce: nonce, certReq: true}, h, requester)
}

// encodeImprint validates a hash and digest and writes MessageImprint.
func encodeImprint(h crypto.Hash, digest []byte) ([]byte, error) {
	oid, ok := oids.ForHash(h)
	if !ok {
		return nil, errs.M(errs.InvalidRequest, msg.TSAHashNotAccepted, h)
	}
	if len(digest) != h.Size() {
		return nil, errs.M(errs.InvalidRequest, msg.TSADigestLength, len(digest), h, h.Size())
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addAlgorithm(b, oid, false)
		b.AddASN1OctetString(digest)
	})
	imprint, err := b.Bytes()
	if err != nil {
		return nil, errs.Internalf(err, "tsa: encode message imprint")
	}
	return imprint, nil
}

func (t *TSA) issue(ctx context.Context, p tstParams, h crypto.Hash, requester string) ([]byte, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, errs.Internalf(err, "tsa: draw serial number")
	}
	genTime := t.cfg.Now()
	tstInfo, err := t.encodeTSTInfo(p, serial, genTime)
	if err != nil {
		return nil, errs.Internalf(err, "tsa: encode TSTInfo")
	}
	token, err := t.signToken(ctx, tstInfo, p.certReq)
	if err != nil {
		return nil, err
	}
	if t.cfg.Record != nil {
		if err := t.cfg.Record(ctx, Issued{Serial: serial, GenTime: genTime, Hash: h, Requester: requester}); err != nil {
			return nil, errs.WrapM(err, errs.Unavailable, msg.TSALogUnavailable)
		}
	}
	return token, nil
}
