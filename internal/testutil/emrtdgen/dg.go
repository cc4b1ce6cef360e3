package emrtdgen

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/emrtd/lds"
)

// Kind is the kind of document generated.
type Kind int

const (
	// Passport is an ICAO TD3 passport (MRZ 2x44).
	Passport Kind = iota
	// CIE is an Italian electronic identity card (TD1, MRZ 3x30).
	CIE
)

func (k Kind) String() string {
	if k == CIE {
		return "CIE"
	}
	return "passport"
}

// Holder is what a generated document says about its holder and itself.
type Holder struct {
	Surname, GivenNames string // as on the document; apostrophes are dropped and spaces become fillers in the MRZ
	Sex                 string // "M", "F" or "<"
	DateOfBirth         time.Time
	DateOfExpiry        time.Time
	DateOfIssue         time.Time
	IssuingState        string // ICAO: "ITA", "D", "AUT"
	Nationality         string
	DocumentNumber      string // more than 9 characters use TD1's long-number rule
	TaxCode             string // DG11 personal number, "" for none
	PlaceOfBirth        string
	Address             string
	IssuingAuthority    string
}

// DefaultHolder is a plausible Italian holder for the kind: a CIE of Maria
// Rosa D'Angelo, or a passport of Mario Rossi, both valid until 2031.
func DefaultHolder(k Kind) Holder {
	if k == CIE {
		return Holder{
			Surname: "D'ANGELO", GivenNames: "MARIA ROSA", Sex: "F",
			DateOfBirth:  time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC),
			DateOfExpiry: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC),
			DateOfIssue:  time.Date(2021, 1, 4, 0, 0, 0, 0, time.UTC),
			IssuingState: "ITA", Nationality: "ITA", DocumentNumber: "CA00000AA",
			TaxCode: "DNGMRS80A41H501N", PlaceOfBirth: "ROMA (RM)", Address: "VIA DEL CORSO 1 00186 ROMA (RM)",
			IssuingAuthority: "COMUNE DI ROMA",
		}
	}
	return Holder{
		Surname: "ROSSI", GivenNames: "MARIO", Sex: "M",
		DateOfBirth:  time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC),
		DateOfExpiry: time.Date(2031, 6, 30, 0, 0, 0, 0, time.UTC),
		DateOfIssue:  time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC),
		IssuingState: "ITA", Nationality: "ITA", DocumentNumber: "YA1234567",
		TaxCode: "RSSMRA80A01H501U", PlaceOfBirth: "ROMA (RM)", Address: "VIA APPIA 10 00179 ROMA (RM)",
		IssuingAuthority: "MINISTRO AFFARI ESTERI",
	}
}

// The check digits MRZ can corrupt, as lds.MRZ.CheckDigits names them.
const (
	DigitDocumentNumber = "document number"
	DigitDateOfBirth    = "date of birth"
	DigitDateOfExpiry   = "date of expiry"
	DigitComposite      = "composite"
)

// yymmdd formats an MRZ date.
func yymmdd(t time.Time) string { return t.Format("060102") }

// mrzName is the MRZ name field: surname, "<<", given names, with
// apostrophes dropped and spaces and hyphens as fillers (Doc 9303-3 §6),
// padded or cut to width.
func mrzName(surname, given string, width int) string {
	conv := func(s string) string {
		s = strings.ToUpper(strings.ReplaceAll(s, "'", ""))
		return strings.NewReplacer(" ", "<", "-", "<").Replace(s)
	}
	return pad(conv(surname)+"<<"+conv(given), width)
}

func pad(s string, width int) string {
	if len(s) > width {
		return s[:width]
	}
	return s + strings.Repeat("<", width-len(s))
}

// corruptDigit returns a different check digit.
func corruptDigit(d byte) byte { return '0' + (d-'0'+1)%10 }

// MRZ builds the document's MRZ (lines joined by "\n") with correct check
// digits, except the one named by corrupt (a Digit* constant, "" for none).
func MRZ(k Kind, h Holder, corrupt string) string {
	digit := func(name, data string) string {
		d := lds.CheckDigit(data)
		if name == corrupt {
			d = corruptDigit(d)
		}
		return string(d)
	}
	dob, exp := yymmdd(h.DateOfBirth), yymmdd(h.DateOfExpiry)
	sex := h.Sex
	if sex == "" {
		sex = "<"
	}
	if k == CIE {
		num, opt := h.DocumentNumber, ""
		var l1 string
		if len(num) > 9 {
			// Long number: 9 characters, a filler, the rest and its
			// check digit in the optional data.
			l1 = "C<" + pad(h.IssuingState, 3) + num[:9] + "<" + pad(num[9:]+digit(DigitDocumentNumber, num)+opt, 15)
		} else {
			l1 = "C<" + pad(h.IssuingState, 3) + pad(num, 9) + digit(DigitDocumentNumber, pad(num, 9)) + pad(opt, 15)
		}
		l2 := dob + digit(DigitDateOfBirth, dob) + sex + exp + digit(DigitDateOfExpiry, exp) + pad(h.Nationality, 3) + pad("", 11)
		l2 += digit(DigitComposite, l1[5:30]+l2[0:7]+l2[8:15]+l2[18:29])
		return l1 + "\n" + l2 + "\n" + mrzName(h.Surname, h.GivenNames, 30)
	}
	l1 := "P<" + pad(h.IssuingState, 3) + mrzName(h.Surname, h.GivenNames, 39)
	num := pad(h.DocumentNumber, 9)
	personal := pad("", 14)
	l2 := num + digit(DigitDocumentNumber, num) + pad(h.Nationality, 3) + dob + digit(DigitDateOfBirth, dob) + sex +
		exp + digit(DigitDateOfExpiry, exp) + personal + "<"
	l2 += digit(DigitComposite, l2[0:10]+l2[13:20]+l2[21:43])
	return l1 + "\n" + l2
}

// DG1 builds DG1 around the MRZ.
func DG1(k Kind, h Holder, corrupt string) []byte { return lds.EncodeDG1(MRZ(k, h, corrupt)) }

// FaceImage draws a synthetic portrait (a face-coloured oval with eyes and a
// mouth on a light background): enough for decoders and the console, no
// one's likeness.
func FaceImage(w, h int) image.Image {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	cx, cy := float64(w)/2, float64(h)*0.45
	rx, ry := float64(w)*0.32, float64(h)*0.36
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{220, 226, 235, 255}
			dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
			if dx*dx+dy*dy <= 1 {
				c = color.RGBA{224, 182, 150, 255}
				for _, ex := range []float64{-0.4, 0.4} {
					ddx, ddy := dx-ex, (dy+0.2)*1.6
					if ddx*ddx+ddy*ddy < 0.02 {
						c = color.RGBA{60, 40, 30, 255}
					}
				}
				if dy > 0.45 && dy < 0.55 && dx > -0.3 && dx < 0.3 {
					c = color.RGBA{150, 60, 60, 255}
				}
			}
			m.Set(x, y, c)
		}
	}
	return m
}

// FaceJPEG is a synthetic portrait as JPEG.
func FaceJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, FaceImage(w, h), &jpeg.Options{Quality: 75}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FaceJP2 is a synthetic portrait as a JPEG 2000 file, encoded by
// opj_compress (Debian libopenjp2-tools); ok is false when it is not
// installed.
func FaceJP2(t testing.TB, w, h int) (data []byte, ok bool) {
	t.Helper()
	bin, err := exec.LookPath("opj_compress")
	if err != nil {
		return nil, false
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := png.Encode(&buf, FaceImage(w, h)); err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(dir, "face.png"), filepath.Join(dir, "face.jp2")
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	// Rate 20 gives the 15-30 KB a chip's portrait has.
	if b, err := exec.Command(bin, "-i", in, "-o", out, "-r", "20").CombinedOutput(); err != nil {
		t.Fatalf("opj_compress: %v: %s", err, b)
	}
	data, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data, true
}

// DG2 builds DG2 around one portrait ("jpeg" or "jp2").
func DG2(format string, w, h int, data []byte) []byte {
	return lds.EncodeDG2(lds.Image{Format: format, Width: w, Height: h, Data: data})
}

// DG11 builds the additional personal details: full name, tax code (when
// set), full date of birth, place of birth and address.
func DG11(h Holder) []byte {
	full := strings.ToUpper(h.Surname) + "<<" + strings.ReplaceAll(strings.ToUpper(h.GivenNames), " ", "<")
	fields := []lds.Field{{Tag: 0x5F0E, Value: []byte(full)}}
	if h.TaxCode != "" {
		fields = append(fields, lds.Field{Tag: 0x5F10, Value: []byte(h.TaxCode)})
	}
	fields = append(fields,
		lds.Field{Tag: 0x5F2B, Value: []byte(h.DateOfBirth.Format("20060102"))},
		lds.Field{Tag: 0x5F11, Value: []byte(h.PlaceOfBirth)},
		lds.Field{Tag: 0x5F42, Value: []byte(h.Address)},
	)
	return lds.EncodeTemplate(lds.TagDG11, fields...)
}

// DG12 builds the additional document details: issuing authority and date
// of issue.
func DG12(h Holder) []byte {
	return lds.EncodeTemplate(lds.TagDG12,
		lds.Field{Tag: 0x5F19, Value: []byte(h.IssuingAuthority)},
		lds.Field{Tag: 0x5F26, Value: []byte(h.DateOfIssue.Format("20060102"))},
	)
}

// DG14 builds SecurityInfos with one ActiveAuthenticationInfo naming the
// chip's EC signature algorithm (BSI TR-03111 ecdsa-plain-*).
func DG14(t testing.TB, aaAlgorithm asn1.ObjectIdentifier) []byte {
	t.Helper()
	b, err := lds.EncodeDG14AA(aaAlgorithm)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// DG15 wraps the chip's Active Authentication public key (SPKI DER).
func DG15(spki []byte) []byte { return lds.EncodeDG15(spki) }

// COM lists the data groups present.
func COM(dgs []int) []byte { return lds.EncodeCOM(dgs) }

// SecurityObject builds the LDSSecurityObject (DER) over the data groups
// by number, hashed with h.
func SecurityObject(t testing.TB, h crypto.Hash, dgs map[int][]byte) []byte {
	t.Helper()
	s := &lds.SecurityObject{Hash: h}
	for n := 1; n <= 16; n++ {
		b, ok := dgs[n]
		if !ok {
			continue
		}
		hh := h.New()
		hh.Write(b)
		s.DataGroups = append(s.DataGroups, lds.DataGroupHash{Number: n, Hash: hh.Sum(nil)})
	}
	der, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return der
}
