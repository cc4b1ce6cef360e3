package lds

import (
	"time"
)

// parseYYMMDD reads six digits as a date in the given century.
func parseYYMMDD(s string, century int) (time.Time, error) {
	if len(s) != 6 {
		return time.Time{}, malformed("date %q", s)
	}
	for i := 0; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, malformed("date %q", s)
		}
	}
	y := century + int(s[0]-'0')*10 + int(s[1]-'0')
	mo := int(s[2]-'0')*10 + int(s[3]-'0')
	d := int(s[4]-'0')*10 + int(s[5]-'0')
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if mo < 1 || mo > 12 || t.Day() != d {
		return time.Time{}, malformed("date %q", s)
	}
	return t, nil
}

// BirthDate resolves an MRZ date of birth: the latest century that does not
// put it after now (a person born in '24 read in 2026 is 2, not 102).
func BirthDate(yymmdd string, now time.Time) (time.Time, error) {
	t, err := parseYYMMDD(yymmdd, now.Year()/100*100)
	if err != nil {
		return time.Time{}, err
	}
	if t.After(now) {
		t = t.AddDate(-100, 0, 0)
	}
	return t, nil
}

// ExpiryDate resolves an MRZ date of expiry: documents are valid for at most
// a few decades, so the century is the one that puts it nearest to now.
func ExpiryDate(yymmdd string, now time.Time) (time.Time, error) {
	t, err := parseYYMMDD(yymmdd, now.Year()/100*100)
	if err != nil {
		return time.Time{}, err
	}
	switch {
	case t.Year()-now.Year() > 50:
		t = t.AddDate(-100, 0, 0)
	case now.Year()-t.Year() > 50:
		t = t.AddDate(100, 0, 0)
	}
	return t, nil
}

// parseFullDate reads a DG11/DG12 date: YYYYMMDD as 8 ASCII digits or as 4
// BCD bytes (Doc 9303-10 §4.7.11 allows either form in practice).
func parseFullDate(b []byte) (time.Time, error) {
	var s string
	switch len(b) {
	case 8:
		s = string(b)
	case 4:
		buf := make([]byte, 8)
		for i, c := range b {
			buf[2*i], buf[2*i+1] = '0'+c>>4, '0'+c&0x0F
		}
		s = string(buf)
	default:
		return time.Time{}, malformed("date of %d bytes", len(b))
	}
	for i := 0; i < 2; i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, malformed("date %q", s)
		}
	}
	century := int(s[0]-'0')*1000 + int(s[1]-'0')*100
	return parseYYMMDD(s[2:], century)
}
