package pki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"math/big"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The readers below sit on golang.org/x/crypto/cryptobyte: definite
// lengths only, minimal length encodings, every slice a view of the input.
// Nothing here allocates more than a small multiple of the input's size.

// readInteger reads an INTEGER leniently: real CSCA certificates carry
// serial numbers with a superfluous leading zero, which cryptobyte's
// strict reader refuses. Negative values are kept (two's complement).
func readInteger(s *cryptobyte.String) (*big.Int, bool) {
	var body cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.INTEGER) || len(body) == 0 {
		return nil, false
	}
	v := new(big.Int).SetBytes(body)
	if body[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(len(body))*8))
	}
	return v, true
}

// readSmallInt reads a non-negative INTEGER that fits an int32.
func readSmallInt(s *cryptobyte.String) (int, bool) {
	v, ok := readInteger(s)
	if !ok || v.Sign() < 0 || v.BitLen() > 31 {
		return 0, false
	}
	return int(v.Int64()), true
}

// readAlgorithm reads an AlgorithmIdentifier: the OID and the parameters'
// whole TLV (nil when absent).
func readAlgorithm(s *cryptobyte.String) (AlgorithmIdentifier, bool) {
	var seq cryptobyte.String
	var alg AlgorithmIdentifier
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&alg.Algorithm) {
		return alg, false
	}
	if !seq.Empty() {
		var params cryptobyte.String
		if !seq.ReadAnyASN1Element(&params, nil) || !seq.Empty() {
			return alg, false
		}
		alg.Parameters = params
	}
	return alg, true
}

// readTime reads a UTCTime or GeneralizedTime.
func readTime(s *cryptobyte.String) (time.Time, bool) {
	var t time.Time
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		return t, s.ReadASN1UTCTime(&t)
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		return t, s.ReadASN1GeneralizedTime(&t)
	}
	return t, false
}

// readBitString reads a BIT STRING with no unused bits (keys, signatures).
func readBitString(s *cryptobyte.String) ([]byte, bool) {
	var bs asn1.BitString
	if !s.ReadASN1BitString(&bs) || bs.BitLength%8 != 0 {
		return nil, false
	}
	return bs.Bytes, true
}

// parseName decodes a Name leniently: the string types real CSCAs use
// (PrintableString with characters outside its set, T61String, BMPString)
// become Go strings; anything else is kept as its bytes.
func parseName(raw []byte) (pkix.Name, bool) {
	var name pkix.Name
	var rdns pkix.RDNSequence
	in := cryptobyte.String(raw)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return name, false
	}
	for !seq.Empty() {
		var set cryptobyte.String
		if !seq.ReadASN1(&set, cbasn1.SET) {
			return name, false
		}
		var rdn pkix.RelativeDistinguishedNameSET
		for !set.Empty() {
			var atv cryptobyte.String
			var atv0 pkix.AttributeTypeAndValue
			var value cryptobyte.String
			var tag cbasn1.Tag
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1ObjectIdentifier(&atv0.Type) ||
				!atv.ReadAnyASN1(&value, &tag) || !atv.Empty() {
				return name, false
			}
			atv0.Value = decodeString(value, tag)
			rdn = append(rdn, atv0)
		}
		rdns = append(rdns, rdn)
	}
	name.FillFromRDNSequence(&rdns)
	return name, true
}

func decodeString(v []byte, tag cbasn1.Tag) string {
	switch tag {
	case 30: // BMPString, UTF-16BE
		if len(v)%2 != 0 {
			return string(v)
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(v[2*i:])
		}
		return string(utf16.Decode(u))
	case 28: // UniversalString, UTF-32BE
		if len(v)%4 != 0 {
			return string(v)
		}
		var b strings.Builder
		for i := 0; i < len(v); i += 4 {
			b.WriteRune(rune(binary.BigEndian.Uint32(v[i:])))
		}
		return b.String()
	case 20: // T61String: in practice Latin-1
		if utf8.Valid(v) {
			return string(v)
		}
		r := make([]rune, len(v))
		for i, c := range v {
			r[i] = rune(c)
		}
		return string(r)
	}
	return string(v)
}

// canonicalName is a comparison form of a DER Name: attribute types and
// case-folded, space-collapsed values, so that two encodings of one name
// (PrintableString vs UTF8String) compare equal, as RFC 5280 7.1 asks.
func canonicalName(raw []byte) (string, bool) {
	name, ok := parseName(raw)
	if !ok {
		return "", false
	}
	var b strings.Builder
	for _, atv := range name.Names {
		b.WriteString(atv.Type.String())
		b.WriteByte('=')
		if s, ok := atv.Value.(string); ok {
			b.WriteString(strings.ToLower(strings.Join(strings.Fields(s), " ")))
		}
		b.WriteByte(';')
	}
	return b.String(), true
}

// SameName reports whether two DER Names are the same name: byte-equal, or
// equal after RFC 5280 7.1's case and space folding.
func SameName(a, b []byte) bool {
	if string(a) == string(b) {
		return true
	}
	ca, ok1 := canonicalName(a)
	cb, ok2 := canonicalName(b)
	return ok1 && ok2 && ca == cb
}

// readOptionalBool reads a BOOLEAN if one comes next (cryptobyte's
// ReadOptionalASN1Boolean is for an explicitly tagged one). Any non-zero
// octet is true: DER wants 0xFF, but CSCA-UKRAINE's basicConstraints says
// 0x01, and a listed CSCA should not be lost over it.
func readOptionalBool(s *cryptobyte.String, out *bool) bool {
	*out = false
	if !s.PeekASN1Tag(cbasn1.BOOLEAN) {
		return true
	}
	var v cryptobyte.String
	if !s.ReadASN1(&v, cbasn1.BOOLEAN) || len(v) != 1 {
		return false
	}
	*out = v[0] != 0
	return true
}
