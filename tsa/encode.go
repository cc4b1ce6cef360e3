package tsa

import (
	"encoding/asn1"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	tagContext0  = cbasn1.Tag(0).Constructed().ContextSpecific() // [0] EXPLICIT, or [0] IMPLICIT of a SET/SEQUENCE
	tagImplicit0 = cbasn1.Tag(0).ContextSpecific()
	tagImplicit1 = cbasn1.Tag(1).ContextSpecific()
	tagDirName   = cbasn1.Tag(4).Constructed().ContextSpecific()
)

// addAlgorithm writes an AlgorithmIdentifier; withNULL adds the NULL
// parameters that RSA signature algorithms require (RFC 4055) and that SHA-2
// digests omit (RFC 5754).
func addAlgorithm(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, withNULL bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if withNULL {
			b.AddASN1NULL()
		}
	})
}

// addGeneralizedTime writes genTime in UTC with as many fractional digits as
// the millisecond precision needs and no trailing zeros (RFC 3161 2.4.2).
func addGeneralizedTime(b *cryptobyte.Builder, t time.Time) {
	s := t.UTC().Truncate(time.Millisecond).Format("20060102150405.000")
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".") + "Z"
	b.AddASN1(cbasn1.GeneralizedTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(s)) })
}

// addAccuracy writes Accuracy ::= SEQUENCE { seconds, millis [0], micros [1] }
// leaving out the zero parts, as DER requires for absent OPTIONAL fields.
func addAccuracy(b *cryptobyte.Builder, d time.Duration) {
	secs := int64(d / time.Second)
	millis := int64(d % time.Second / time.Millisecond)
	micros := int64(d % time.Millisecond / time.Microsecond)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if secs > 0 {
			b.AddASN1Int64(secs)
		}
		if millis > 0 {
			b.AddASN1Int64WithTag(millis, tagImplicit0)
		}
		if micros > 0 {
			b.AddASN1Int64WithTag(micros, tagImplicit1)
		}
	})
}
