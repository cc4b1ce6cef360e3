package emrtdgen

import (
	"strings"
	"testing"

	"github.com/qesproject/qes/emrtd/lds"
)

// The generated MRZs parse, have valid check digits, and each corruption
// breaks exactly the digit it names.
func TestMRZ(t *testing.T) {
	t.Parallel()
	long := DefaultHolder(CIE)
	long.DocumentNumber = "CA00000AA123"
	for _, c := range []struct {
		name string
		kind Kind
		h    Holder
		num  string
	}{
		{"CIE", CIE, DefaultHolder(CIE), "CA00000AA"},
		{"passport", Passport, DefaultHolder(Passport), "YA1234567"},
		{"CIE long number", CIE, long, "CA00000AA123"},
	} {
		m, err := lds.ParseMRZ(MRZ(c.kind, c.h, ""))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := m.CheckDigits(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if m.DocumentNumber != c.num || m.Surname != strings.ReplaceAll(c.h.Surname, "'", "") {
			t.Fatalf("%s: %+v", c.name, m)
		}
		for _, digit := range []string{DigitDocumentNumber, DigitDateOfBirth, DigitDateOfExpiry, DigitComposite} {
			m, err := lds.ParseMRZ(MRZ(c.kind, c.h, digit))
			if err != nil {
				t.Fatalf("%s, %s corrupted: %v", c.name, digit, err)
			}
			err = m.CheckDigits()
			if err == nil || !strings.Contains(err.Error(), digit) {
				t.Fatalf("%s, %s corrupted: CheckDigits = %v", c.name, digit, err)
			}
		}
	}
}

// The data groups round-trip through emrtd/lds.
func TestDataGroups(t *testing.T) {
	t.Parallel()
	h := DefaultHolder(CIE)
	d11, err := lds.ParseDG11(DG11(h))
	if err != nil || d11.PersonalNumber != h.TaxCode || !d11.DateOfBirth.Equal(h.DateOfBirth) || d11.FullName != "D'ANGELO<<MARIA<ROSA" {
		t.Fatalf("DG11 = %+v, %v", d11, err)
	}
	d12, err := lds.ParseDG12(DG12(h))
	if err != nil || d12.IssuingAuthority != h.IssuingAuthority || !d12.DateOfIssue.Equal(h.DateOfIssue) {
		t.Fatalf("DG12 = %+v, %v", d12, err)
	}
	img, err := lds.ParseDG2(DG2("jpeg", 240, 320, FaceJPEG(t, 240, 320)))
	if err != nil || img.Format != "jpeg" || img.Width != 240 {
		t.Fatalf("DG2 = %v", err)
	}
	if data, ok := FaceJP2(t, 240, 320); ok {
		if lds.ImageFormat(data) != lds.FormatJP2 || len(data) > lds.MaxDG2 {
			t.Fatalf("JP2 face: %d bytes, format %q", len(data), lds.ImageFormat(data))
		}
	}
}
