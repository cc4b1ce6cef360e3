package ocsp

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/internal/oids"
)

// fillTimeout bounds a cache fill, which runs detached from the request
// that started it so that one impatient client cannot fail the others.
const fillTimeout = 30 * time.Second

// Responder answers OCSP requests for one CA. It is an http.Handler and is
// safe for concurrent use.
type Responder struct {
	cfg              Config
	alg              oids.Signature
	issuerHashes     [4]issuerHash // indexed by certIDHash.index
	responderKeyHash []byte
	cache            *cache
	log              *slog.Logger
}

type issuerHash struct{ name, key []byte }

// New checks the delegation (responder certificate issued by Issuer, with
// id-kp-OCSPSigning and nocheck, matching the Signer) and prepares the
// CertID hashes of the issuer.
func New(cfg Config) (*Responder, error) {
	cfg = cfg.withDefaults()
	alg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	issuerKey, err := subjectPublicKey(cfg.Issuer.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, err
	}
	responderKey, err := subjectPublicKey(cfg.Certificate.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, err
	}
	keyHash := sha1.Sum(responderKey) // RFC 6960 4.2.1: byKey is the SHA-1 of the key
	r := &Responder{cfg: cfg, alg: alg, responderKeyHash: keyHash[:], cache: newCache(cfg.MaxCacheEntries), log: cfg.Logger}
	for _, h := range certIDHashes {
		name := h.hash.New()
		name.Write(cfg.Issuer.RawSubject)
		key := h.hash.New()
		key.Write(issuerKey)
		r.issuerHashes[h.index] = issuerHash{name: name.Sum(nil), key: key.Sum(nil)}
	}
	return r, nil
}

// subjectPublicKey returns the subjectPublicKey BIT STRING contents (without
// the unused-bits octet) that CertID and ResponderID hash.
func subjectPublicKey(spki []byte) ([]byte, error) {
	s := cryptobyte.String(spki)
	var seq cryptobyte.String
	var key []byte
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.SkipASN1(cbasn1.SEQUENCE) || !seq.ReadASN1BitStringAsBytes(&key) {
		return nil, errs.M(errs.InvalidRequest, msg.OCSPMalformedSPKI)
	}
	return key, nil
}

// Invalidate drops the cached responses of serial; the CA calls it after
// changing that certificate's status so the next request sees the change.
func (r *Responder) Invalidate(serial *big.Int) { r.cache.invalidate(serial) }

// InvalidateAll drops every cached response, e.g. after a bulk change.
func (r *Responder) InvalidateAll() { r.cache.invalidateAll() }

// answer is the outcome of one request, ready for the HTTP layer.
type answer struct {
	status    int    // OCSPResponseStatus
	e         *entry // set for successful responses
	cacheable bool   // shared pre-signed response (no nonce)
}

func (r *Responder) respond(ctx context.Context, der []byte) answer {
	req, err := parseRequest(der)
	if err != nil {
		r.log.DebugContext(ctx, "ocsp: malformed request", "err", err)
		return answer{status: statusMalformedRequest}
	}
	h, ok := certIDHashByOID(req.hashOID)
	if !ok {
		r.log.DebugContext(ctx, "ocsp: unsupported CertID hash", "oid", req.hashOID.String())
		return answer{status: statusUnauthorized}
	}
	ih := r.issuerHashes[h.index]
	if !bytes.Equal(req.nameHash, ih.name) || !bytes.Equal(req.keyHash, ih.key) {
		return answer{status: statusUnauthorized}
	}
	if req.nonce != nil {
		e, err := r.build(ctx, h, req.serial, req.nonce)
		if err != nil {
			return r.failure(ctx, err, req.serial)
		}
		return answer{status: statusSuccessful, e: e}
	}
	key := cacheKey(h, req.serialDER)
	if e := r.cache.get(key); e != nil && r.fresh(e) {
		return answer{status: statusSuccessful, e: e, cacheable: true}
	}
	e, err := r.cache.fill(ctx, key, func() (*entry, error) {
		fillCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fillTimeout)
		defer cancel()
		return r.build(fillCtx, h, req.serial, nil)
	})
	if err != nil {
		return r.failure(ctx, err, req.serial)
	}
	return answer{status: statusSuccessful, e: e, cacheable: true}
}

// fresh reports whether a cached response may still be served: younger
// than Refresh, and so far from nextUpdate.
func (r *Responder) fresh(e *entry) bool {
	now := r.cfg.Now()
	return now.Before(e.thisUpdate.Add(r.cfg.Refresh)) && now.Before(e.nextUpdate) && (e.until.IsZero() || now.Before(e.until))
}

func (r *Responder) failure(ctx context.Context, err error, serial *big.Int) answer {
	status := statusInternalError
	if errs.KindOf(err) == errs.Unavailable || errors.Is(err, context.DeadlineExceeded) {
		status = statusTryLater
	}
	r.log.ErrorContext(ctx, "ocsp: cannot answer", "serial", serial.Text(16), "err", err)
	return answer{status: status}
}

// build asks the Source for the status and signs a response.
func (r *Responder) build(ctx context.Context, h certIDHash, serial *big.Int, nonce []byte) (*entry, error) {
	st, err := r.cfg.Source.Status(ctx, serial)
	if err != nil {
		return nil, err
	}
	if err := checkStatus(st); err != nil {
		return nil, err
	}
	now := r.cfg.Now().UTC()
	thisUpdate := now.Truncate(time.Second)
	nextUpdate := thisUpdate.Add(r.cfg.Validity)
	if !st.Until.IsZero() {
		// Whole seconds, rounded up, and after thisUpdate: GeneralizedTime
		// has no fractions and a response must not expire as it is made.
		until := st.Until.UTC().Add(time.Second - 1).Truncate(time.Second)
		if until.Before(nextUpdate) {
			nextUpdate = until
		}
		if !nextUpdate.After(thisUpdate) {
			nextUpdate = thisUpdate.Add(time.Second)
		}
	}
	s := single{hash: h, serial: serial, status: st, thisUpdate: thisUpdate, nextUpdate: nextUpdate}
	responseData, err := r.encodeResponseData(s, nonce, now)
	if err != nil {
		return nil, errs.Internalf(err, "ocsp: encode ResponseData")
	}
	der, err := r.sign(responseData)
	if err != nil {
		return nil, errs.Internalf(err, "ocsp: sign response")
	}
	e := newEntry(der, s.thisUpdate, s.nextUpdate)
	e.until = st.Until
	return e, nil
}

// checkStatus refuses statuses that cannot be encoded truthfully, so a
// Source bug becomes internalError instead of a wrong signed answer.
func checkStatus(st Status) error {
	switch st.State {
	case Good, Unknown:
		return nil
	case Revoked:
		if st.RevokedAt.IsZero() {
			return errs.Internalf(errors.New("revoked status without revocation time"), "ocsp: source")
		}
		if !validReason(st.Reason) {
			return errs.Internalf(fmt.Errorf("invalid CRL reason %d", st.Reason), "ocsp: source")
		}
		return nil
	}
	return errs.Internalf(fmt.Errorf("invalid state %d", int(st.State)), "ocsp: source")
}
