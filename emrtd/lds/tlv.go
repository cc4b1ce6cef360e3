// Package lds reads what the chip of an ICAO 9303 document holds (the
// Logical Data Structure, Doc 9303 part 10): BER-TLV, the MRZ of DG1 (TD1 for
// identity cards, TD3 for passports) with its check digits, the portrait of
// DG2, the additional personal and document details of DG11 and DG12, the
// Active Authentication information of DG14 and key of DG15, EF.COM, and the
// LDSSecurityObject the SOD signs (parsed, and encoded for test generators).
// It also maps ICAO state codes to ISO 3166-1 alpha-2.
//
// Everything here reads data an applicant's phone sent: lengths are checked
// before use, sizes are capped, and malformed input is an error, never a
// panic. It is a leaf: signatures and certificates are emrtd/pki's.
package lds

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every parse error of this package.
var ErrMalformed = errors.New("lds: malformed")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// TLV is one BER-TLV data object. Tag holds the tag's bytes big-endian
// (0x61, 0x5F1F, 0x7F61); Value aliases the parsed buffer.
type TLV struct {
	Tag   uint32
	Value []byte
}

// Constructed reports whether the tag's first byte has the constructed bit,
// i.e. the value is itself a sequence of TLVs.
func (t TLV) Constructed() bool {
	first := t.Tag
	for first > 0xFF {
		first >>= 8
	}
	return first&0x20 != 0
}

// maxTagBytes bounds multi-byte tags: ICAO uses at most two bytes (5F1F,
// 7F61); three keeps room for ISO 7816 without letting a tag run on.
const maxTagBytes = 3

// ReadTLV reads one data object from the start of b and returns it with the
// bytes that follow. Only definite lengths are accepted (Doc 9303 and DER
// both forbid the indefinite form), and a length never exceeds what b holds,
// so a hostile length cannot make anyone allocate.
func ReadTLV(b []byte) (TLV, []byte, error) {
	if len(b) < 2 {
		return TLV{}, nil, malformed("TLV truncated")
	}
	tag := uint32(b[0])
	i := 1
	if b[0]&0x1F == 0x1F { // multi-byte tag: more bytes while bit 8 is set
		for {
			if i >= len(b) {
				return TLV{}, nil, malformed("tag truncated")
			}
			if i >= maxTagBytes {
				return TLV{}, nil, malformed("tag longer than %d bytes", maxTagBytes)
			}
			tag = tag<<8 | uint32(b[i])
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return TLV{}, nil, malformed("length missing after tag %X", tag)
	}
	l := int(b[i])
	i++
	if l == 0x80 {
		return TLV{}, nil, malformed("indefinite length in tag %X", tag)
	}
	if l > 0x80 {
		n := l & 0x7F
		if n > 3 { // 16 MB is far beyond any data group; longer is an attack
			return TLV{}, nil, malformed("length of tag %X uses %d bytes", tag, n)
		}
		if len(b)-i < n {
			return TLV{}, nil, malformed("length of tag %X truncated", tag)
		}
		l = 0
		for k := 0; k < n; k++ {
			l = l<<8 | int(b[i+k])
		}
		i += n
	}
	if l > len(b)-i {
		return TLV{}, nil, malformed("tag %X declares %d bytes, %d left", tag, l, len(b)-i)
	}
	return TLV{Tag: tag, Value: b[i : i+l : i+l]}, b[i+l:], nil
}

// ReadOne reads b as exactly one data object with the given tag.
func ReadOne(b []byte, tag uint32) (TLV, error) {
	t, rest, err := ReadTLV(b)
	if err != nil {
		return TLV{}, err
	}
	if t.Tag != tag {
		return TLV{}, malformed("tag %X, want %X", t.Tag, tag)
	}
	if len(rest) != 0 {
		return TLV{}, malformed("%d bytes after tag %X", len(rest), tag)
	}
	return t, nil
}

// maxChildren bounds the objects read from one constructed value, so that a
// value of empty objects cannot make a long slice.
const maxChildren = 512

// ReadAll reads b as a sequence of data objects.
func ReadAll(b []byte) ([]TLV, error) {
	var out []TLV
	for len(b) > 0 {
		if len(out) == maxChildren {
			return nil, malformed("more than %d data objects", maxChildren)
		}
		t, rest, err := ReadTLV(b)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		b = rest
	}
	return out, nil
}

// AppendTLV appends the encoding of tag and value to dst, with the shortest
// definite length; for the test generators and the round-trip tests.
func AppendTLV(dst []byte, tag uint32, value []byte) []byte {
	switch {
	case tag > 0xFFFF:
		dst = append(dst, byte(tag>>16), byte(tag>>8), byte(tag))
	case tag > 0xFF:
		dst = append(dst, byte(tag>>8), byte(tag))
	default:
		dst = append(dst, byte(tag))
	}
	l := len(value)
	switch {
	case l < 0x80:
		dst = append(dst, byte(l))
	case l <= 0xFF:
		dst = append(dst, 0x81, byte(l))
	case l <= 0xFFFF:
		dst = append(dst, 0x82, byte(l>>8), byte(l))
	default:
		dst = append(dst, 0x83, byte(l>>16), byte(l>>8), byte(l))
	}
	return append(dst, value...)
}

// EncodeTLV returns the encoding of one data object.
func EncodeTLV(tag uint32, value []byte) []byte {
	return AppendTLV(make([]byte, 0, len(value)+6), tag, value)
}
