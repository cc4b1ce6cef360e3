package codicefiscale

import (
	"errors"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCheckPerson(t *testing.T) {
	t.Parallel()
	mario := Person{Surname: "ROSSI", GivenNames: "MARIO", Birth: date("1980-01-01"), Sex: "M"}
	mariaRosa := Person{Surname: "D'ANGELO", GivenNames: "MARIA ROSA", Birth: date("1980-01-01"), Sex: "F"}
	cases := []struct {
		name string
		cf   string
		p    Person
		want msg.ID // "" = consistent
	}{
		{"plain", "RSSMRA80A01H501U", mario, ""},
		{"omocodia in the place code", "RSSMRA80A01H5LMX", mario, ""},
		{"omocodia in year and day", "BNCGFR7RM1NF205U", Person{Surname: "Bianchi", GivenNames: "Gianfranco", Birth: date("1975-08-12"), Sex: "M"}, ""},
		{"four consonants: 1st, 3rd, 4th", "BNCGFR75M12F205T", Person{Surname: "BIANCHI", GivenNames: "GIANFRANCO", Birth: date("1975-08-12"), Sex: "M"}, ""},
		{"woman: day + 40, apostrophe", "DNGMRS80A41H501N", mariaRosa, ""},
		{"ICAO filler for the apostrophe", "DNGMRS80A41H501N", Person{Surname: "D<ANGELO", GivenNames: "MARIA<ROSA", Birth: date("1980-01-01"), Sex: "F"}, ""},
		{"accent dropped by ICAO", "DNGMRS80A41H501N", Person{Surname: "DANGELO", GivenNames: "MARIA ROSA", Birth: date("1980-01-01"), Sex: "F"}, ""},
		{"short names padded with vowels and X", "AIXGUO01T60Z404G", Person{Surname: "Ai", GivenNames: "Ugo", Birth: date("2001-12-20"), Sex: "F"}, ""},
		{"two-letter surname", "FOXDRA99B28L219W", Person{Surname: "FO", GivenNames: "DARIO", Birth: date("1999-02-28"), Sex: "M"}, ""},
		{"accented letters folded", "MLLNCL02E05Z133S", Person{Surname: "Müller", GivenNames: "Niccolò", Birth: date("2002-05-05"), Sex: "M"}, ""},
		{"unknown sex accepts either", "DNGMRS80A41H501N", Person{Surname: "D'ANGELO", GivenNames: "MARIA ROSA", Birth: date("1980-01-01"), Sex: "<"}, ""},
		{"other surname", "RSSMRA80A01H501U", Person{Surname: "VERDI", GivenNames: "MARIO", Birth: mario.Birth, Sex: "M"}, msg.TaxCodeSurname},
		{"other given name", "RSSMRA80A01H501U", Person{Surname: "ROSSI", GivenNames: "MARCO", Birth: mario.Birth, Sex: "M"}, msg.TaxCodeGivenNames},
		{"surname code where the given names go", "BNCGNF75M12F205O", Person{Surname: "BIANCHI", GivenNames: "GIANFRANCO", Birth: date("1975-08-12"), Sex: "M"}, msg.TaxCodeGivenNames},
		{"other year", "RSSMRA80A01H501U", Person{Surname: "ROSSI", GivenNames: "MARIO", Birth: date("1981-01-01"), Sex: "M"}, msg.TaxCodeBirthDate},
		{"other month", "RSSMRA80A01H501U", Person{Surname: "ROSSI", GivenNames: "MARIO", Birth: date("1980-02-01"), Sex: "M"}, msg.TaxCodeBirthDate},
		{"other day", "RSSMRA80A01H501U", Person{Surname: "ROSSI", GivenNames: "MARIO", Birth: date("1980-01-02"), Sex: "M"}, msg.TaxCodeBirthDate},
		{"man's code for a woman", "RSSMRA80A01H501U", Person{Surname: "ROSSI", GivenNames: "MARIO", Birth: mario.Birth, Sex: "F"}, msg.TaxCodeSex},
		{"woman's code for a man", "DNGMRS80A41H501N", Person{Surname: "D'ANGELO", GivenNames: "MARIA ROSA", Birth: date("1980-01-01"), Sex: "M"}, msg.TaxCodeSex},
		{"wrong check character first", "RSSMRA80A01H501X", mario, msg.CATaxCodeCheckCharacter},
		{"numeric code is no person's", "12345678903", mario, msg.CATaxCodeLength},
	}
	for _, c := range cases {
		err := CheckPerson(c.cf, c.p)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: CheckPerson(%s) = %v, want consistent", c.name, c.cf, err)
			}
			continue
		}
		var e *errs.Error
		if !errors.As(err, &e) || e.ID != c.want {
			t.Errorf("%s: CheckPerson(%s) = %v, want %s", c.name, c.cf, err, c.want)
		}
	}
}

func TestNameCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, surname, given string }{
		{"ROSSI", "RSS", "RSS"},
		{"GIANFRANCO", "GNF", "GFR"},
		{"D'ANGELO", "DNG", "DGL"},
		{"DE LUCA", "DLC", "DLC"},
		{"LI", "LIX", "LIX"},
		{"O", "OXX", "OXX"},
		{"ALBERTO", "LBR", "LRT"},
		{"Jean-Luc", "JNL", "JLC"},
	} {
		if got := SurnameCode(c.in); got != c.surname {
			t.Errorf("SurnameCode(%q) = %s, want %s", c.in, got, c.surname)
		}
		if got := GivenNameCode(c.in); got != c.given {
			t.Errorf("GivenNameCode(%q) = %s, want %s", c.in, got, c.given)
		}
	}
}
