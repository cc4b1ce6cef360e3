package testutil

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// MakePDF writes a valid PDF of about size bytes: pages text pages, the
// first showing a grey image whose stream carries the bulk. Benchmarks use
// it for 100 KB, 1 MB and 50 MB documents.
func MakePDF(pages, size int) []byte {
	pages = max(pages, 1)
	var b bytes.Buffer
	var offsets []int
	obj := func(format string, args ...any) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n", len(offsets))
		fmt.Fprintf(&b, format, args...)
		b.WriteString("\nendobj\n")
	}
	b.WriteString("%PDF-1.7\n%\xc7\xec\x8f\xa2\n")
	kids := ""
	for i := 0; i < pages; i++ {
		kids += fmt.Sprintf("%d 0 R ", 5+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [%s] /Count %d >>", kids, pages)
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	side := 1
	for side*side < size {
		side++
	}
	img := make([]byte, side*side)
	for i := range img {
		img[i] = byte(i*13 + i/side)
	}
	obj("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream",
		side, side, len(img), img)
	for i := 0; i < pages; i++ {
		content := fmt.Sprintf("BT /F1 18 Tf 72 770 Td (qes test document, page %d) Tj ET", i+1)
		if i == 0 {
			content += " q 200 0 0 200 72 450 cm /Im1 Do Q"
		}
		obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> /Contents %d 0 R >>", 6+2*i)
		obj("<< /Length %d >>\nstream\n%s\nendstream", len(content), content)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// Fixture reads testdata/<path> from the repository root.
func Fixture(t testing.TB, path string) []byte {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
