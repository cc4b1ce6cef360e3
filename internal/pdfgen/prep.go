package pdfgen

import (
	"errors"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// ErrPassword says a password holds characters SASLprep prohibits.
var ErrPassword = errors.New("pdfgen: the password holds characters SASLprep prohibits")

// PreparePassword is the SASLprep profile of stringprep (RFC 4013, RFC
// 3454) that ISO 32000-2 §7.6.4.3.3 applies to a revision 6 password
// before it is used as UTF-8: characters commonly mapped to nothing are
// dropped, non-ASCII spaces become U+0020, the result is normalised to
// NFKC, and prohibited characters (controls, private use, non-characters,
// surrogates, tagging and display-changing characters, and code points
// unassigned in Go's Unicode tables, the "stored strings" rule) and a
// broken bidirectional string are refused. The caller truncates nothing:
// NewR6 keeps the first 127 bytes, as the standard says.
func PreparePassword(p string) ([]byte, error) {
	if !utf8.ValidString(p) {
		return nil, ErrPassword
	}
	mapped := make([]rune, 0, len(p))
	for _, r := range p {
		switch {
		case mappedToNothing(r):
		case nonASCIISpace(r):
			mapped = append(mapped, ' ')
		default:
			mapped = append(mapped, r)
		}
	}
	out := norm.NFKC.Bytes([]byte(string(mapped)))
	clear(mapped)
	var randAL, l, firstRAL, lastRAL bool
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRune(out[i:])
		if prohibited(r) {
			clear(out)
			return nil, ErrPassword
		}
		props, _ := bidi.LookupRune(r)
		isRAL := props.Class() == bidi.R || props.Class() == bidi.AL
		if i == 0 {
			firstRAL = isRAL
		}
		lastRAL = isRAL
		randAL = randAL || isRAL
		l = l || props.Class() == bidi.L
		i += n
	}
	// RFC 3454 §6: a string with right-to-left characters holds no
	// left-to-right ones and begins and ends with right-to-left ones.
	if randAL && (l || !firstRAL || !lastRAL) {
		clear(out)
		return nil, ErrPassword
	}
	return out, nil
}

func mappedToNothing(r rune) bool {
	switch r {
	case 0x00AD, 0x034F, 0x1806, 0x180B, 0x180C, 0x180D, 0x200C, 0x200D, 0x2060, 0xFEFF:
		return true
	}
	return r >= 0xFE00 && r <= 0xFE0F
}

func nonASCIISpace(r rune) bool {
	switch r {
	case 0x00A0, 0x1680, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200B
}

func prohibited(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F): // C.2.1, C.2.2
		return true
	case r == 0x06DD || r == 0x070F || r == 0x180E || r == 0x2028 || r == 0x2029:
		return true
	case r >= 0x2060 && r <= 0x2063, r >= 0x206A && r <= 0x206F: // C.2.2, C.8
		return true
	case r >= 0xFFF9 && r <= 0xFFFD: // C.2.2, C.6
		return true
	case r >= 0x1D173 && r <= 0x1D17A: // C.2.2
		return true
	case r >= 0xE000 && r <= 0xF8FF, r >= 0xF0000: // C.3 (planes 15 and 16)
		return true
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE: // C.4
		return true
	case r >= 0xD800 && r <= 0xDFFF: // C.5
		return true
	case r >= 0x2FF0 && r <= 0x2FFB: // C.7
		return true
	case r == 0x0340 || r == 0x0341 || r == 0x200E || r == 0x200F, r >= 0x202A && r <= 0x202E: // C.8
		return true
	case r == 0xE0001, r >= 0xE0020 && r <= 0xE007F: // C.9
		return true
	}
	return !assigned(r)
}

// assigned reports whether r has a general category other than Cn.
func assigned(r rune) bool {
	return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs)
}
