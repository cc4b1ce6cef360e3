package lds

import (
	"fmt"
	"strings"
)

// MRZ formats (Doc 9303 parts 4 and 5).
const (
	TD1 = "TD1" // 3 lines of 30: identity cards (CIE)
	TD3 = "TD3" // 2 lines of 44: passports
)

// MRZ is a parsed machine-readable zone. Fields are as printed, fillers
// ('<') removed at the ends; names have '<' between words turned to spaces.
type MRZ struct {
	Format         string
	Lines          []string
	DocumentCode   string // "P", "I", "ID", "C", ...: fillers removed
	IssuingState   string // "ITA", "D", ...
	DocumentNumber string // long TD1 numbers joined
	DateOfBirth    string // YYMMDD
	Sex            string // "M", "F" or "<"
	DateOfExpiry   string // YYMMDD
	Nationality    string
	Surname        string
	GivenNames     string
	OptionalData   string // TD1 line 1 (after a long document number) / TD3 personal number
	OptionalData2  string // TD1 line 2

	// The check-digit fields as printed and the data they protect.
	checks []check
}

type check struct {
	name  string
	data  string
	digit byte
	// fillerOK: the digit may be '<' when data is all fillers (TD3's
	// personal number, Doc 9303-4 §4.2.2.2).
	fillerOK bool
}

// ParseMRZ parses an MRZ given as its concatenated lines (as in DG1) or
// with the lines separated by newlines. It checks the structure and the
// character set; CheckDigits checks the digits.
func ParseMRZ(s string) (*MRZ, error) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r", ""), "\n", "")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '<') {
			return nil, malformed("MRZ character %q at %d", c, i)
		}
	}
	switch len(s) {
	case 90:
		return parseTD1(s)
	case 88:
		return parseTD3(s)
	}
	return nil, malformed("MRZ of %d characters: neither TD1 (90) nor TD3 (88)", len(s))
}

func trimFiller(s string) string { return strings.Trim(s, "<") }

// parseName splits the name field: surname, "<<", given names separated by
// single fillers.
func parseName(s string) (surname, given string) {
	s = strings.TrimRight(s, "<")
	sur, giv, _ := strings.Cut(s, "<<")
	clean := func(x string) string {
		return strings.Join(strings.FieldsFunc(x, func(r rune) bool { return r == '<' }), " ")
	}
	return clean(sur), clean(giv)
}

func parseTD1(s string) (*MRZ, error) {
	l1, l2, l3 := s[0:30], s[30:60], s[60:90]
	m := &MRZ{Format: TD1, Lines: []string{l1, l2, l3}}
	m.DocumentCode = trimFiller(l1[0:2])
	m.IssuingState = trimFiller(l1[2:5])
	num, opt := l1[5:14], l1[15:30]
	numCheck := l1[14]
	if numCheck == '<' && num[8] != '<' {
		// Long document number (Doc 9303-5 §4.2.4 note j): the number
		// goes on in the optional data up to its check digit, which is
		// followed by a filler.
		end := strings.IndexByte(opt, '<')
		if end < 2 {
			return nil, malformed("TD1 long document number without its check digit")
		}
		num += opt[:end-1]
		numCheck = opt[end-1]
		opt = opt[end:]
	}
	m.DocumentNumber = trimFiller(num)
	m.OptionalData = trimFiller(opt)
	m.checks = append(m.checks, check{name: "document number", data: num, digit: numCheck})
	m.DateOfBirth = l2[0:6]
	m.Sex = l2[7:8]
	m.DateOfExpiry = l2[8:14]
	m.Nationality = trimFiller(l2[15:18])
	m.OptionalData2 = trimFiller(l2[18:29])
	m.checks = append(m.checks,
		check{name: "date of birth", data: l2[0:6], digit: l2[6]},
		check{name: "date of expiry", data: l2[8:14], digit: l2[14]},
		check{name: "composite", data: l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], digit: l2[29]},
	)
	m.Surname, m.GivenNames = parseName(l3)
	return m, m.validate()
}

func parseTD3(s string) (*MRZ, error) {
	l1, l2 := s[0:44], s[44:88]
	m := &MRZ{Format: TD3, Lines: []string{l1, l2}}
	m.DocumentCode = trimFiller(l1[0:2])
	m.IssuingState = trimFiller(l1[2:5])
	m.Surname, m.GivenNames = parseName(l1[5:44])
	m.DocumentNumber = trimFiller(l2[0:9])
	m.Nationality = trimFiller(l2[10:13])
	m.DateOfBirth = l2[13:19]
	m.Sex = l2[20:21]
	m.DateOfExpiry = l2[21:27]
	m.OptionalData = trimFiller(l2[28:42])
	m.checks = append(m.checks,
		check{name: "document number", data: l2[0:9], digit: l2[9]},
		check{name: "date of birth", data: l2[13:19], digit: l2[19]},
		check{name: "date of expiry", data: l2[21:27], digit: l2[27]},
		check{name: "personal number", data: l2[28:42], digit: l2[42], fillerOK: true},
		check{name: "composite", data: l2[0:10] + l2[13:20] + l2[21:43], digit: l2[43]},
	)
	return m, m.validate()
}

// validate checks what must hold whatever the check digits say: a document
// code, dates of six digits, a sex of M, F or '<'.
func (m *MRZ) validate() error {
	if m.DocumentCode == "" || m.DocumentCode[0] < 'A' || m.DocumentCode[0] > 'Z' {
		return malformed("MRZ document code %q", m.DocumentCode)
	}
	if m.IssuingState == "" {
		return malformed("MRZ without issuing state")
	}
	if m.DocumentNumber == "" {
		return malformed("MRZ without document number")
	}
	for _, d := range []string{m.DateOfBirth, m.DateOfExpiry} {
		for i := 0; i < len(d); i++ {
			// An unknown day or month of birth is printed as '<'
			// (Doc 9303-3 §4.2); expiry always has digits, which
			// CheckDigits and the date parsers enforce.
			if !(d[i] >= '0' && d[i] <= '9' || d[i] == '<') {
				return malformed("MRZ date %q", d)
			}
		}
	}
	switch m.Sex {
	case "M", "F", "<", "X":
	default:
		return malformed("MRZ sex %q", m.Sex)
	}
	if m.Surname == "" {
		return malformed("MRZ without surname")
	}
	return nil
}

// CheckDigit computes the 7-3-1 check digit of Doc 9303-3 §4.9: digits are
// worth themselves, A-Z 10-35, the filler 0.
func CheckDigit(data string) byte {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		v := 0
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10)
}

// CheckDigits verifies every check digit of the MRZ and names the first
// wrong one.
func (m *MRZ) CheckDigits() error {
	for _, c := range m.checks {
		if c.fillerOK && c.digit == '<' && strings.Trim(c.data, "<") == "" {
			continue
		}
		if want := CheckDigit(c.data); c.digit != want {
			return fmt.Errorf("MRZ check digit of the %s is %q, want %q", c.name, c.digit, want)
		}
	}
	return nil
}

// String returns the lines joined by "\n".
func (m *MRZ) String() string { return strings.Join(m.Lines, "\n") }
