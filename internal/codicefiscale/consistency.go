package codicefiscale

import (
	"strings"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

// Person is what a personal tax code is derived from, as an identity
// document states it.
type Person struct {
	Surname    string // any case, accents, apostrophes, spaces or ICAO '<' fillers
	GivenNames string
	Birth      time.Time // the date counts, not the time or zone
	Sex        string    // "M", "F"; anything else (ICAO "<", "X") accepts either
}

// CheckPerson checks that the personal tax code cf is a well-formed code
// (CheckPersonal) and that it agrees with p: the surname and given-name
// codes, the year, the month letter and the day of birth (plus 40 for a
// woman). Omocodia letters are decoded before comparing. The place-of-birth
// code (Belfiore) is not checked: that needs the Agenzia delle Entrate's
// table of municipalities and countries.
func CheckPerson(cf string, p Person) error {
	if err := CheckPersonal(cf); err != nil {
		return err
	}
	dec := decodeOmocodia(cf)
	if dec[0:3] != SurnameCode(p.Surname) {
		return errs.M(errs.InvalidRequest, msg.TaxCodeSurname)
	}
	if dec[3:6] != GivenNameCode(p.GivenNames) {
		return errs.M(errs.InvalidRequest, msg.TaxCodeGivenNames)
	}
	y, m, d := p.Birth.Date()
	if dec[6:8] != twoDigits(y%100) || dec[8] != monthLetters[m-1] {
		return errs.M(errs.InvalidRequest, msg.TaxCodeBirthDate)
	}
	day := dec[9:11]
	switch {
	case day == twoDigits(d) && p.Sex != "F":
	case day == twoDigits(d+40) && p.Sex != "M":
	case day == twoDigits(d) || day == twoDigits(d+40):
		return errs.M(errs.InvalidRequest, msg.TaxCodeSex)
	default:
		return errs.M(errs.InvalidRequest, msg.TaxCodeBirthDate)
	}
	return nil
}

// decodeOmocodia returns cf with the omocodia letters in its seven digit
// positions turned back into digits.
func decodeOmocodia(cf string) string {
	b := []byte(cf)
	for _, i := range []int{6, 7, 9, 10, 12, 13, 14} {
		if k := strings.IndexByte(omocodiaDigits, b[i]); k >= 0 {
			b[i] = byte('0' + k)
		}
	}
	return string(b)
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10%10), byte('0' + n%10)}) }

// SurnameCode is the surname's three letters: its consonants, then its
// vowels, then X.
func SurnameCode(surname string) string {
	cons, vows := letters(surname)
	return first3(cons + vows + "XXX")
}

// GivenNameCode is the given names' three letters: with four consonants or
// more the 1st, 3rd and 4th; otherwise as for the surname.
func GivenNameCode(given string) string {
	cons, vows := letters(given)
	if len(cons) >= 4 {
		return string([]byte{cons[0], cons[2], cons[3]})
	}
	return first3(cons + vows + "XXX")
}

func first3(s string) string { return s[:3] }

// letters folds a name to the letters A-Z (accents dropped, everything else
// such as apostrophes, spaces, hyphens and ICAO fillers removed, as
// "D'ANGELO", "D<ANGELO" and "DANGELO" all code alike) and splits them into
// consonants and vowels in order.
func letters(name string) (cons, vows string) {
	var c, v strings.Builder
	for _, r := range strings.ToUpper(name) {
		for _, l := range fold(r) {
			switch {
			case strings.ContainsRune("AEIOU", l):
				v.WriteRune(l)
			case l >= 'A' && l <= 'Z':
				c.WriteRune(l)
			}
		}
	}
	return c.String(), v.String()
}

// fold maps a Latin letter with a diacritic to its base letters; others are
// returned unchanged (and dropped by letters when not A-Z).
func fold(r rune) string {
	if r < 0x80 {
		return string(r)
	}
	for _, f := range folds {
		if strings.ContainsRune(f.from, r) {
			return f.to
		}
	}
	return ""
}

var folds = []struct{ from, to string }{
	{"ÀÁÂÃÄÅĀĂĄ", "A"}, {"ÇĆĈĊČ", "C"}, {"ĎĐ", "D"}, {"ÈÉÊËĒĔĖĘĚ", "E"}, {"ĜĞĠĢ", "G"}, {"ĤĦ", "H"},
	{"ÌÍÎÏĨĪĬĮİ", "I"}, {"Ĵ", "J"}, {"Ķ", "K"}, {"ĹĻĽĿŁ", "L"}, {"ÑŃŅŇ", "N"}, {"ÒÓÔÕÖØŌŎŐ", "O"},
	{"ŔŖŘ", "R"}, {"ŚŜŞŠȘ", "S"}, {"ŢŤŦȚ", "T"}, {"ÙÚÛÜŨŪŬŮŰŲ", "U"}, {"Ŵ", "W"}, {"ÝŸŶ", "Y"},
	{"ŹŻŽ", "Z"}, {"Æ", "AE"}, {"Œ", "OE"}, {"ß", "SS"}, {"ẞ", "SS"}, {"Þ", "TH"},
}
