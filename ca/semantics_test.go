package ca

import (
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

func TestParseSemanticsIdentifier(t *testing.T) {
	tests := []struct {
		in      string
		want    SemanticsIdentifier
		wantErr string // substring of the detail; "" means valid
	}{
		{in: "TINIT-RSSMRA80A01H501U", want: SemanticsIdentifier{"TIN", "IT", "RSSMRA80A01H501U"}},
		{in: "TAXIT-RSSMRA80A01H501U", want: SemanticsIdentifier{"TAX", "IT", "RSSMRA80A01H501U"}},
		{in: "TINIT-00743110157", want: SemanticsIdentifier{"TIN", "IT", "00743110157"}},
		{in: "PASIT-YA1234567", want: SemanticsIdentifier{"PAS", "IT", "YA1234567"}},
		{in: "IDCIT-CA00000AA", want: SemanticsIdentifier{"IDC", "IT", "CA00000AA"}},
		{in: "PASSK-P3000180", want: SemanticsIdentifier{"PAS", "SK", "P3000180"}},
		{in: "IDCBE-590082394654", want: SemanticsIdentifier{"IDC", "BE", "590082394654"}},
		{in: "PNOSE-191212121212", want: SemanticsIdentifier{"PNO", "SE", "191212121212"}},
		{in: "PNOSE-121212+1212", want: SemanticsIdentifier{"PNO", "SE", "121212+1212"}},
		{in: "EI:SE-200007292386", want: SemanticsIdentifier{"EI:", "SE", "200007292386"}},
		{in: "TINEL-123456789", want: SemanticsIdentifier{"TIN", "EL", "123456789"}},
		{in: "PASDE-C01X00T47", want: SemanticsIdentifier{"PAS", "DE", "C01X00T47"}},

		{in: "", wantErr: "too short"},
		{in: "TINIT-", wantErr: "too short"},
		{in: "XYZIT-123", wantErr: "type \"XYZ\" unknown"},
		{in: "tinIT-123", wantErr: "unknown"},
		{in: "PASXX-123", wantErr: "not an ISO 3166-1"},
		{in: "PASit-123", wantErr: "not an ISO 3166-1"},
		{in: "PASIT_123", wantErr: "'-' after the country"},
		{in: "PASIT-12 3", wantErr: "may only contain"},
		{in: "PASIT-12\x003", wantErr: "may only contain"},
		{in: "PASIT-àbc", wantErr: "may only contain"},
		{in: "PASIT--123", wantErr: "must not start or end"},
		{in: "PASIT-123-", wantErr: "must not start or end"},
		{in: "PASIT-" + strings.Repeat("1", 59), wantErr: "longer than 64"},
		{in: "TINIT-RSSMRA80A01H501A", wantErr: "check character is wrong"},
		{in: "TINIT-rssmra80a01h501u", wantErr: "malformed"},
		{in: "TINIT-RSSMRA80Z01H501U", wantErr: "malformed"},
		{in: "TINIT-RSSMRA80A01H50", wantErr: "16 characters"},
		{in: "TINIT-00743110158", wantErr: "check digit is wrong"},
		{in: "TINIT-0074311015A", wantErr: "all digits"},
		{in: "e:SE-200007292386", wantErr: "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSemanticsIdentifier(tt.in)
			if tt.wantErr != "" {
				if !errs.Is(err, errs.InvalidRequest) {
					t.Fatalf("err = %v, want InvalidRequest", err)
				}
				if !strings.Contains(errs.DetailOf(err), tt.wantErr) {
					t.Fatalf("detail = %q, want it to contain %q", errs.DetailOf(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.in {
				t.Fatalf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestCountryListIsComplete(t *testing.T) {
	// ISO 3166-1 has 249 officially assigned alpha-2 codes.
	if got := len(countryCodes); got != 249 {
		t.Fatalf("country list has %d codes, want 249", got)
	}
	for _, c := range []string{"IT", "DE", "FR", "SE", "GB", "US", "SS", "BQ"} {
		if !isCountryCode(c) {
			t.Errorf("%s missing", c)
		}
	}
	if isCountryCode("EL") || isCountryCode("UK") || !isIdentifierCountryCode("EL") {
		t.Error("EL must be accepted only in identifiers, UK never")
	}
}

func FuzzParseSemanticsIdentifier(f *testing.F) {
	for _, s := range []string{"TINIT-RSSMRA80A01H501U", "PASIT-YA1234567", "EI:SE-200007292386", "TINIT-00743110157", "PNOSE-121212+1212", "", "PASXX-", "TINIT-RSSMRA80A01H501A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSemanticsIdentifier(s)
		if err != nil {
			if !errs.Is(err, errs.InvalidRequest) || errs.DetailOf(err) == "" {
				t.Fatalf("error %v is not an InvalidRequest with a detail", err)
			}
			return
		}
		if got.String() != s {
			t.Fatalf("round trip %q -> %q", s, got.String())
		}
		if len(s) > maxSerialNumberAttr {
			t.Fatalf("accepted %d characters", len(s))
		}
		for i := 0; i < len(s); i++ {
			// Must fit an X.520 PrintableString.
			if !isUpperAlnum(s[i]) && !isLowerLetter(s[i]) && !strings.ContainsRune("-./+:", rune(s[i])) {
				t.Fatalf("accepted non-printable byte %q", s[i])
			}
		}
	})
}
