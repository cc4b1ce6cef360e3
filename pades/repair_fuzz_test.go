package pades

import (
	"bytes"
	"context"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

// FuzzFindHeader: the header search never panics, finds "%PDF-" only where
// it is, and never past the first headerSearch bytes.
func FuzzFindHeader(f *testing.F) {
	for _, s := range []string{"%PDF-1.7\n", "junk\r\n%PDF-2.0", "%PDF", "", "\x00%PDF-"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		shift, err := findHeader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
			}
			if i := bytes.Index(data, []byte("%PDF-")); i >= 0 && i+5 <= headerSearch {
				t.Fatalf("missed the header at %d", i)
			}
			return
		}
		if shift+5 > headerSearch || !bytes.HasPrefix(data[shift:], []byte("%PDF-")) {
			t.Fatalf("header reported at %d", shift)
		}
	})
}

// FuzzReconstruct drives the object scan directly and then the whole
// Prepare path on files whose xref is unusable (no startxref), so every
// input reaches the reconstruction. It must not panic, and a failure must
// be an invalid_request error.
func FuzzReconstruct(f *testing.F) {
	f.Add([]byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"))
	f.Add([]byte("%PDF-1.7\n1 0 obj (2 0 obj (3 0 obj)) endobj trailer<</Root 1 0 R>>"))
	f.Add([]byte("%PDF-1.5\n6 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length 40 >>\nstream\n1 0 << /Type /Catalog /Pages 1 0 R >>\nendstream\nendobj\n"))
	f.Add(readFixture(f, "hybrid-broken.pdf"))
	pki := newPKI(f, "p256")
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &document{r: bytes.NewReader(data), size: int64(len(data)),
			entries: map[int64]xrefEntry{}, objStms: map[int64]*objStm{},
			cache: map[int64]object{}, resolving: map[int64]bool{}}
		if err := d.reconstruct("fuzz"); err != nil {
			if errs.KindOf(err) != errs.InvalidRequest {
				t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
			}
		} else if _, ok := d.trailer.get("Root").(ref); !ok {
			t.Fatal("reconstructed without a /Root")
		}
		if len(d.entries) > maxObjects {
			t.Fatalf("%d entries", len(d.entries))
		}
		_, err := Prepare(context.Background(), bytes.NewReader(data), int64(len(data)), pki.chain(), Options{})
		if err != nil && errs.KindOf(err) != errs.InvalidRequest {
			t.Fatalf("Prepare: error of kind %v: %v", errs.KindOf(err), err)
		}
	})
}
