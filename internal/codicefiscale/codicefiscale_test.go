package codicefiscale

import (
	"errors"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want msg.ID // "" = valid
	}{
		{"RSSMRA80A01H501U", ""},
		{"RSSMRA80A01H501X", msg.CATaxCodeCheckCharacter},
		{"RSSMRA80A01H50MM", ""},                          // omocodia: last digit 1 -> M
		{"RSSMRA80A01H5LMX", ""},                          // two omocodia letters
		{"RSSMRA80A01H5LMA", msg.CATaxCodeCheckCharacter}, // omocodia letters, wrong check char
		{"rssmra80a01h501u", msg.CATaxCodeMalformed},
		{"RSSMRA80Z01H501U", msg.CATaxCodeMalformed}, // Z is no month
		{"RSSMRA80A01H501", msg.CATaxCodeLength},
		{"12345678903", ""}, // numeric (VAT-number form)
		{"12345678901", msg.CANumericTaxCodeCheckDigit},
		{"1234567890A", msg.CANumericTaxCodeDigits},
		{"", msg.CATaxCodeLength},
	}
	for _, c := range cases {
		err := Check(c.in)
		if c.want == "" {
			if err != nil {
				t.Errorf("Check(%q) = %v, want valid", c.in, err)
			}
			continue
		}
		var e *errs.Error
		if !errors.As(err, &e) || e.ID != c.want || e.Kind != errs.InvalidRequest {
			t.Errorf("Check(%q) = %v, want %s", c.in, err, c.want)
		}
	}
}

// The omocodia variant of a codice fiscale (digits replaced by letters) keeps
// a valid check character, and exactly one.
func TestOmocodiaHasOneCheckCharacter(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"RSSMRA80A01H50M", "RSSMRAULALMHRLM"} {
		var accepted string
		for c := byte('A'); c <= 'Z'; c++ {
			if CheckPersonal(base+string(c)) == nil {
				if accepted != "" {
					t.Fatalf("%s: two check characters accepted: %s and %c", base, accepted, c)
				}
				accepted = string(c)
			}
		}
		if accepted == "" {
			t.Fatalf("%s: no check character accepted", base)
		}
	}
}
