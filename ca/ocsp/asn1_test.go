package ocsp

import (
	"testing"

	"github.com/qesproject/qes/internal/oids"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// requestWithNonce rebuilds a one-certificate request with a nonce
// extension whose extnValue is value (x/crypto/ocsp cannot add one).
func requestWithNonce(t testing.TB, base, value []byte) []byte {
	t.Helper()
	s := cryptobyte.String(base)
	var req, tbs, list cryptobyte.String
	if !s.ReadASN1(&req, cbasn1.SEQUENCE) || !req.ReadASN1(&tbs, cbasn1.SEQUENCE) || !tbs.ReadASN1Element(&list, cbasn1.SEQUENCE) {
		t.Fatal("cannot take the base request apart")
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(list)
			b.AddASN1(tagCtx2, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oids.OCSPNonce)
						b.AddASN1OctetString(value)
					})
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// responseNonce digs the nonce extnValue out of responseExtensions, which
// x/crypto/ocsp does not expose.
func responseNonce(t testing.TB, der []byte) []byte {
	t.Helper()
	s := cryptobyte.String(der)
	var resp, rb, rbSeq, basic, basicSeq, tbs, exts cryptobyte.String
	var status int
	if !s.ReadASN1(&resp, cbasn1.SEQUENCE) || !resp.ReadASN1Enum(&status) ||
		!resp.ReadASN1(&rb, tagCtx0) || !rb.ReadASN1(&rbSeq, cbasn1.SEQUENCE) ||
		!rbSeq.SkipASN1(cbasn1.OBJECT_IDENTIFIER) || !rbSeq.ReadASN1(&basic, cbasn1.OCTET_STRING) ||
		!basic.ReadASN1(&basicSeq, cbasn1.SEQUENCE) || !basicSeq.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(tagCtx0) || !tbs.SkipASN1(tagByKey) ||
		!tbs.SkipASN1(cbasn1.GeneralizedTime) || !tbs.SkipASN1(cbasn1.SEQUENCE) {
		t.Fatal("cannot take the response apart")
	}
	var present bool
	if !tbs.ReadOptionalASN1(&exts, &present, tagCtx1) || !present {
		return nil
	}
	nonce, err := parseExtensions(exts, true)
	if err != nil {
		t.Fatal(err)
	}
	return nonce
}
