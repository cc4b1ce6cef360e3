package pades

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
)

func assertInvalidRequest(t *testing.T, err error, wantSubstr string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an invalid_request error mentioning %q, got nil", wantSubstr)
	}
	var e *errs.Error
	if !errors.As(err, &e) || errs.KindOf(err) != errs.InvalidRequest {
		t.Fatalf("want kind invalid_request, got %v (%v)", errs.KindOf(err), err)
	}
	if !strings.Contains(errs.DetailOf(err), wantSubstr) {
		t.Fatalf("detail %q does not mention %q", errs.DetailOf(err), wantSubstr)
	}
}

func TestBadInputIsInvalidRequest(t *testing.T) {
	simple := readFixture(t, "simple.pdf")
	brokenXref := bytes.Replace(simple, []byte("xref\n0 "), []byte("xrof\n0 "), 1)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"not a PDF", []byte("hello, this is a text file\n"), "not a PDF"},
		{"encrypted", readFixture(t, "encrypted.pdf"), "encrypted PDFs are not supported"},
		{"truncated", simple[:len(simple)/2], "truncated"},
		// Issue 12: a broken xref keyword, a wrong startxref offset and a
		// trailer without /Root are now repaired and signed (see
		// TestDamageOnceRefusedIsRepaired); only a missing catalog stays.
		{"broken xref and no catalog", bytes.Replace(brokenXref, []byte("/Type /Catalog /Pages"), []byte("/Type /Katalog /Pagez"), 1), "no document catalog"},
	}
	pki := newPKI(t, "p256")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prepare(context.Background(), bytes.NewReader(tt.data), int64(len(tt.data)), pki.chain(), Options{})
			assertInvalidRequest(t, err, tt.want)
		})
	}
}

func TestBadOptionsAreInvalidRequest(t *testing.T) {
	pki := newPKI(t, "p256")
	in := readFixture(t, "multipage.pdf")
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"B-T without TSA", Options{Level: LevelBT}, "time-stamp authority"},
		{"B-LT without revocation", Options{Level: LevelBLT, Timestamper: &testTSA{pki: pki}}, "revocation"},
		{"page out of range", Options{Appearance: &Appearance{Page: 4, Rect: [4]float64{0, 0, 100, 100}}}, "page 4 does not exist"},
		{"page zero", Options{Appearance: &Appearance{Page: 0, Rect: [4]float64{0, 0, 100, 100}}}, "page 0 does not exist"},
		{"empty rectangle", Options{Appearance: &Appearance{Page: 1, Rect: [4]float64{10, 10, 10, 50}}}, "rectangle"},
		{"bad hash", Options{Hash: 99}, "digest algorithm"},
		{"bad certification", Options{Certify: 7}, "certification"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prepare(context.Background(), bytes.NewReader(in), int64(len(in)), pki.chain(), tt.opts)
			assertInvalidRequest(t, err, tt.want)
		})
	}
	_, err := Prepare(context.Background(), bytes.NewReader(in), int64(len(in)), nil, Options{})
	assertInvalidRequest(t, err, "signer certificate is missing")
	other := newKey(t, "p256")
	_, err = Sign(context.Background(), &bytes.Buffer{}, bytes.NewReader(in), int64(len(in)), other, pki.chain(), Options{})
	assertInvalidRequest(t, err, "does not match")
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want Level
		ok   bool
	}{
		{"AdES-B-B", LevelBB, true},
		{"Ades-B-T", LevelBT, true},
		{"B-LT", LevelBLT, true},
		{"PAdES-B-LTA", LevelBLTA, true},
		{"ades-b-lta", LevelBLTA, true},
		{"CAdES-B-B", LevelBB, true},
		{"AdES-T", LevelBT, true},
		{" b-b ", LevelBB, true},
		{"B-X", 0, false},
		{"", 0, false},
		{"XAdES-B-B", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLevel(tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("ParseLevel(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
			if !tt.ok && errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("want invalid_request, got %v", errs.KindOf(err))
			}
		})
	}
}

// A refused document is refused in the reader's language, down to the
// reason the repair gave up: the reasons are catalogue messages too.
func TestBadInputIsSaidInItalian(t *testing.T) {
	simple := readFixture(t, "simple.pdf")
	brokenXref := bytes.Replace(simple, []byte("xref\n0 "), []byte("xrof\n0 "), 1)
	noCatalog := bytes.Replace(brokenXref, []byte("/Type /Catalog /Pages"), []byte("/Type /Katalog /Pagez"), 1)
	_, err := Prepare(context.Background(), bytes.NewReader(noCatalog), int64(len(noCatalog)), newPKI(t, "p256").chain(), Options{})
	id, args, ok := errs.MessageOf(err)
	if !ok || id != msg.PAdESInvalidPDF {
		t.Fatalf("the refusal names no message: %v", err)
	}
	en, it := msg.Text(msg.English, id, args...), msg.Text(msg.Italian, id, args...)
	if en != errs.DetailOf(err) {
		t.Errorf("the English text %q is not the detail %q", en, errs.DetailOf(err))
	}
	t.Log(it)
	if !strings.HasPrefix(it, "PDF non valido: i dati dei riferimenti incrociati sono inutilizzabili (") || strings.Contains(it, "cross-reference") || strings.Contains(it, "%!") {
		t.Errorf("Italian text %q", it)
	}
}
