package tsa

import (
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// encodeResponse writes TimeStampResp ::= SEQUENCE { status PKIStatusInfo,
// timeStampToken OPTIONAL }. A rejection carries its text as statusString
// and its PKIFailureInfo bit; a grant carries the token.
func encodeResponse(token []byte, rej *rejection) ([]byte, error) {
	b := cryptobyte.NewBuilder(make([]byte, 0, len(token)+64))
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // PKIStatusInfo
			if rej == nil {
				b.AddASN1Int64(statusGranted)
				return
			}
			b.AddASN1Int64(statusRejection)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // PKIFreeText
				b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(rej.text)) })
			})
			addFailureInfo(b, rej.failure)
		})
		if rej == nil {
			b.AddBytes(token)
		}
	})
	return b.Bytes()
}

// addFailureInfo writes a named-bit BIT STRING with one bit set; DER drops
// trailing zero bits, so the last octet holds the bit and the unused-bits
// count says how many positions follow it.
func addFailureInfo(b *cryptobyte.Builder, f FailureInfo) {
	bit := int(f)
	octets := make([]byte, bit/8+1)
	octets[bit/8] = 0x80 >> (bit % 8)
	b.AddASN1(cbasn1.BIT_STRING, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(7 - bit%8))
		b.AddBytes(octets)
	})
}
