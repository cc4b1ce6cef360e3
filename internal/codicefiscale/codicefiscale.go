// Package codicefiscale validates the Italian tax code (codice fiscale): the
// 16-character personal code with its omocodia letters and check character,
// and the 11-digit numeric code (also the form of an Italian VAT number) with
// its check digit. The CA checks TINIT- identifiers with it and enrolment
// checks what a customer types; it is a leaf so that both can.
package codicefiscale

import (
	"strings"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Check validates an Italian tax code (codice fiscale) as used in
// TINIT- identifiers: either the 16-character personal code with its check
// character (decree of the Ministry of Finance 23/12/1976), or the 11-digit
// numeric code the Agenzia delle Entrate assigns provisionally to some persons,
// with its Luhn-style check digit. A typo here would put a wrong identity in a
// qualified certificate, so the check character is verified.
func Check(cf string) error {
	switch len(cf) {
	case 16:
		return CheckPersonal(cf)
	case 11:
		return CheckNumeric(cf)
	}
	return errs.M(errs.InvalidRequest, msg.CATaxCodeLength)
}

// omocodiaDigits are the letters that replace digits when two persons would
// otherwise share a code (omocodia): L=0, M=1, ..., V=9.
const omocodiaDigits = "LMNPQRSTUV"

// monthLetters code January..December.
const monthLetters = "ABCDEHLMPRST"

// cfOddValues are the values of characters in odd (1-based) positions, for
// 'A'..'Z'; a digit d has the value of the d-th letter.
var cfOddValues = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

// CheckPersonal validates a 16-character personal tax code: letters and
// digits where they belong (digits possibly replaced by their omocodia
// letters) and the check character.
func CheckPersonal(cf string) error {
	if len(cf) != 16 {
		return errs.M(errs.InvalidRequest, msg.CATaxCodeLength)
	}
	for i := 0; i < 16; i++ {
		c := cf[i]
		var ok bool
		switch {
		case i < 6 || i == 11 || i == 15:
			ok = isUpperLetter(c)
		case i == 8:
			ok = strings.IndexByte(monthLetters, c) >= 0
		default: // 6, 7, 9, 10, 12, 13, 14: digits or their omocodia letters
			ok = isDigit(c) || strings.IndexByte(omocodiaDigits, c) >= 0
		}
		if !ok {
			return errs.M(errs.InvalidRequest, msg.CATaxCodeMalformed)
		}
	}
	sum := 0
	for i := 0; i < 15; i++ {
		v := cfCharIndex(cf[i])
		if i%2 == 0 { // 1-based odd position
			sum += cfOddValues[v]
		} else {
			sum += v
		}
	}
	if want := byte('A' + sum%26); cf[15] != want {
		return errs.M(errs.InvalidRequest, msg.CATaxCodeCheckCharacter)
	}
	return nil
}

// cfCharIndex maps '0'..'9' and 'A'..'Z' to 0..9 and 0..25.
func cfCharIndex(c byte) int {
	if isDigit(c) {
		return int(c - '0')
	}
	return int(c - 'A')
}

// CheckNumeric validates an 11-digit numeric tax code, which is also the
// form of an Italian VAT number (partita IVA), by its Luhn-style check digit.
func CheckNumeric(cf string) error {
	if len(cf) != 11 {
		return errs.M(errs.InvalidRequest, msg.CATaxCodeLength)
	}
	sum := 0
	for i := 0; i < 11; i++ {
		if !isDigit(cf[i]) {
			return errs.M(errs.InvalidRequest, msg.CANumericTaxCodeDigits)
		}
		d := int(cf[i] - '0')
		if i == 10 {
			break
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	if want := (10 - sum%10) % 10; int(cf[10]-'0') != want {
		return errs.M(errs.InvalidRequest, msg.CANumericTaxCodeCheckDigit)
	}
	return nil
}

func isDigit(c byte) bool       { return c >= '0' && c <= '9' }
func isUpperLetter(c byte) bool { return c >= 'A' && c <= 'Z' }
