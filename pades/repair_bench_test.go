package pades

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
)

// BenchmarkOpenDamaged measures opening a damaged file, which rebuilds the
// object map by scanning it: 20 MB with 10,000 pages (20,004 objects) and
// no startxref, against the same file intact.
func BenchmarkOpenDamaged(b *testing.B) {
	intact := makePDF(pdfSpec{pages: 10000, payload: 20 << 20})
	damaged := intact[:bytes.LastIndex(intact, []byte("startxref"))]
	for _, c := range []struct {
		name string
		data []byte
	}{{"intact", intact}, {"no-startxref", damaged}} {
		b.Run(fmt.Sprintf("%s/%dMB", c.name, len(c.data)>>20), func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				d, err := openDocument(bytes.NewReader(c.data), int64(len(c.data)))
				if err != nil {
					b.Fatal(err)
				}
				if d.repaired != (c.name != "intact") {
					b.Fatal("unexpected repair state")
				}
			}
		})
	}
	pki := newPKI(b, "p256")
	b.Run("sign-no-startxref", func(b *testing.B) {
		b.SetBytes(int64(len(damaged)))
		for b.Loop() {
			if _, err := Sign(context.Background(), io.Discard, bytes.NewReader(damaged), int64(len(damaged)), pki.signerKey, pki.chain(), Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
