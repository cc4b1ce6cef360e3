package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestPDFInputErrors: PDFs without a readable signature are input errors,
// never a panic; crafted ByteRanges are not taken for signatures.
func TestPDFInputErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   string
		want error
	}{
		{"header only", "%PDF-1.7\n", ErrNoPDFSignature},
		{"ByteRange past the end", "%PDF-1.7\n/ByteRange [0 10 20 999999] /Contents <3000>\n%%EOF\n", ErrNoPDFSignature},
		{"ByteRange not from 0", "%PDF-1.7\n/ByteRange [1 10 20 5] /Contents <3000>\n%%EOF\n", ErrNoPDFSignature},
		{"hole not a hex string", "%PDF-1.7\n/ByteRange [0 30 35 10]xxxxxxxxxxxx\n%%EOF\n", ErrNoPDFSignature},
		{"huge numbers", "%PDF-1.7 /ByteRange [0 999999999999 999999999999 999999999999]", ErrNoPDFSignature},
		{"not a PDF", "hello", ErrNotCMS},
		{"too many signatures", "%PDF-1.7\n" + manyRanges(40), ErrTooManyPDFSignatures},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(context.Background(), []byte(tt.in), nil, Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}

func TestPDFClaimedTime(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		dict string
		want time.Time
	}{
		{"1 0 obj <</M (D:20260102030405Z)", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"1 0 obj <</M (D:20260102030405+01'00')", time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)},
		{"1 0 obj <</M (D:2026)", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"1 0 obj <</Name (x)", time.Time{}},
		{"no object", time.Time{}},
	} {
		if got := pdfClaimedTime([]byte(tt.dict), len(tt.dict)); !got.Equal(tt.want) {
			t.Errorf("%q: %v, want %v", tt.dict, got, tt.want)
		}
	}
}

// manyRanges makes n signature dictionaries, each with its own (empty
// SEQUENCE) CMS, all covering the bytes before them.
func manyRanges(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		at := 9 + b.Len()
		fmt.Fprintf(&b, "/ByteRange [0 %010d %010d 0]<3000>", at+38, at+44)
	}
	return b.String()
}
