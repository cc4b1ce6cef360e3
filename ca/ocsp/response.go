package ocsp

import (
	"crypto/rand"
	"math/big"
	"time"

	"github.com/qesproject/qes/internal/oids"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OCSPResponseStatus values (RFC 6960 4.2.1).
const (
	statusSuccessful       = 0
	statusMalformedRequest = 1
	statusInternalError    = 2
	statusTryLater         = 3
	statusUnauthorized     = 6
)

// errorResponses are the unsigned OCSPResponse bodies, which are constant.
var errorResponses = map[int][]byte{
	statusMalformedRequest: {0x30, 0x03, 0x0a, 0x01, statusMalformedRequest},
	statusInternalError:    {0x30, 0x03, 0x0a, 0x01, statusInternalError},
	statusTryLater:         {0x30, 0x03, 0x0a, 0x01, statusTryLater},
	statusUnauthorized:     {0x30, 0x03, 0x0a, 0x01, statusUnauthorized},
}

var (
	tagGood    = cbasn1.Tag(0).ContextSpecific()               // [0] IMPLICIT NULL
	tagRevoked = cbasn1.Tag(1).Constructed().ContextSpecific() // [1] IMPLICIT RevokedInfo
	tagUnknown = cbasn1.Tag(2).ContextSpecific()               // [2] IMPLICIT UnknownInfo (NULL)
	tagByKey   = cbasn1.Tag(2).Constructed().ContextSpecific() // ResponderID byKey [2] EXPLICIT
)

// single is the content of one SingleResponse.
type single struct {
	hash       certIDHash
	serial     *big.Int
	status     Status
	thisUpdate time.Time
	nextUpdate time.Time
}

// addGeneralizedTime writes whole seconds in UTC, as RFC 5280 4.1.2.5.2
// profiles GeneralizedTime and OCSP clients expect.
func addGeneralizedTime(b *cryptobyte.Builder, t time.Time) {
	b.AddASN1GeneralizedTime(t.UTC().Truncate(time.Second))
}

// encodeResponseData writes ResponseData (RFC 6960 4.2.1); version is v1
// and, being the DEFAULT, absent.
func (r *Responder) encodeResponseData(s single, nonce []byte, producedAt time.Time) ([]byte, error) {
	b := cryptobyte.NewBuilder(make([]byte, 0, 256))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(tagByKey, func(b *cryptobyte.Builder) { b.AddASN1OctetString(r.responderKeyHash) })
		addGeneralizedTime(b, producedAt)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			r.addSingleResponse(b, s)
		})
		if nonce != nil {
			b.AddASN1(tagCtx1, func(b *cryptobyte.Builder) { // responseExtensions
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oids.OCSPNonce)
						b.AddASN1OctetString(nonce)
					})
				})
			})
		}
	})
	return b.Bytes()
}

func (r *Responder) addSingleResponse(b *cryptobyte.Builder, s single) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // CertID
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(s.hash.oid)
				b.AddASN1NULL()
			})
			b.AddASN1OctetString(r.issuerHashes[s.hash.index].name)
			b.AddASN1OctetString(r.issuerHashes[s.hash.index].key)
			b.AddASN1BigInt(s.serial)
		})
		switch s.status.State {
		case Good:
			b.AddASN1(tagGood, func(*cryptobyte.Builder) {})
		case Revoked:
			b.AddASN1(tagRevoked, func(b *cryptobyte.Builder) {
				addGeneralizedTime(b, s.status.RevokedAt)
				if s.status.Reason != ReasonUnspecified {
					b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) { b.AddASN1Enum(int64(s.status.Reason)) })
				}
			})
		default:
			b.AddASN1(tagUnknown, func(*cryptobyte.Builder) {})
		}
		addGeneralizedTime(b, s.thisUpdate)
		b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) { addGeneralizedTime(b, s.nextUpdate) })
	})
}

// sign signs ResponseData and wraps it into a successful OCSPResponse
// carrying the responder certificate.
func (r *Responder) sign(responseData []byte) ([]byte, error) {
	h := r.alg.Hash.New()
	h.Write(responseData)
	// crypto.Hash as SignerOpts: PKCS#1 v1.5 for RSA, which HSMs accept.
	signature, err := r.cfg.Signer.Sign(rand.Reader, h.Sum(nil), r.alg.Hash)
	if err != nil {
		return nil, err
	}
	b := cryptobyte.NewBuilder(make([]byte, 0, len(responseData)+len(signature)+len(r.cfg.Certificate.Raw)+64))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // OCSPResponse
		b.AddASN1Enum(statusSuccessful)
		b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ResponseBytes
				b.AddASN1ObjectIdentifier(oids.OCSPBasicResponse)
				b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // BasicOCSPResponse
						b.AddBytes(responseData)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1ObjectIdentifier(r.alg.OID)
							if r.alg.RSA {
								b.AddASN1NULL()
							}
						})
						b.AddASN1BitString(signature)
						b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(r.cfg.Certificate.Raw) })
						})
					})
				})
			})
		})
	})
	return b.Bytes()
}
