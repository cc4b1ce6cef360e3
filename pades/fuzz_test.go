package pades

import (
	"bytes"
	"context"
	"crypto"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

// FuzzPrepare feeds arbitrary bytes through the whole PDF path a request
// reaches: header, xref chain (tables and streams), object streams, catalog,
// page tree, AcroForm and the update writer. It must never panic, and a
// failure must be an invalid_request error.
func FuzzPrepare(f *testing.F) {
	for _, name := range []string{"simple.pdf", "multipage.pdf", "objstm.pdf", "encrypted.pdf"} {
		f.Add(readFixture(f, name))
	}
	f.Add([]byte("%PDF-1.7\nxref\n0 1\n0000000000 65535 f\r\ntrailer<</Root 1 0 R/Size 1>>\nstartxref\n9\n%%EOF"))
	pki := newPKI(f, "p256")
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := Options{Appearance: &Appearance{Page: 1, Rect: [4]float64{0, 0, 100, 50}}}
		p, err := Prepare(context.Background(), bytes.NewReader(data), int64(len(data)), pki.chain(), opts)
		if err != nil {
			if k := errs.KindOf(err); k != errs.InvalidRequest {
				t.Fatalf("error of kind %v, want invalid_request: %v", k, err)
			}
			return
		}
		if len(p.Digest()) != 32 {
			t.Fatal("prepared without a digest")
		}
	})
}

// FuzzObjectParser exercises the tokenizer and object parser directly.
func FuzzObjectParser(f *testing.F) {
	for _, s := range []string{
		"<< /Type /Catalog /Pages 2 0 R /Names [(a\\)b) <41 42> 1.5 -3 true null] >>",
		"[1 0 R 2 0 3 R /N#41me (nested (paren) \\101) <4>]",
		"<<>>", "(", "<<", "[[[[[[", "/#zz", "1 2", "-.5",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newScanner(bytes.NewReader(data), int64(len(data)), 0)
		o, err := s.object(0)
		if err != nil {
			return
		}
		// Whatever parses must serialise and parse back to the same text.
		var b1 bytes.Buffer
		writeObject(&b1, o)
		s2 := newScanner(bytes.NewReader(b1.Bytes()), int64(b1.Len()), 0)
		o2, err := s2.object(0)
		if err != nil {
			t.Fatalf("re-parse of %q failed: %v", b1.Bytes(), err)
		}
		var b2 bytes.Buffer
		writeObject(&b2, o2)
		if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
			t.Fatalf("serialisation not stable: %q vs %q", b1.Bytes(), b2.Bytes())
		}
	})
}

// FuzzTimestampToken checks the token parser used on TSA answers.
func FuzzTimestampToken(f *testing.F) {
	pki := newPKI(f, "p256")
	tok, err := (&testTSA{pki: pki}).Timestamp(context.Background(), crypto.SHA256, make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := parseTimestampToken(data)
		if err != nil && errs.KindOf(err) != errs.InvalidRequest {
			t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
		}
	})
}

func FuzzParseLevel(f *testing.F) {
	for _, s := range []string{"AdES-B-B", "Ades-B-T", "B-LT", "PAdES-B-LTA", "ades-b-lta", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLevel(s)
		if err == nil && (l < LevelBB || l > LevelBLTA) {
			t.Fatalf("ParseLevel(%q) = %d without error", s, l)
		}
	})
}
