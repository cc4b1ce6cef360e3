package pades

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/heapprobe"
)

// zeroBomb returns zlib data of about n bytes that inflates to roughly
// 1000 times as many zero bytes. The deflate stream is never finished, as
// a streaming bomb is not: readers stop at the truncation or at their bound.
// It is built from one sync-flushed segment repeated, because compressing
// gigabytes in a test would take seconds; after the first segment the
// window holds only zeros, so every later segment decodes the same way.
func zeroBomb(n int) []byte {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	zeros := make([]byte, 1<<20)
	zw.Write(zeros)
	zw.Flush()
	head := b.Len()
	zw.Write(zeros)
	zw.Flush()
	seg := append([]byte(nil), b.Bytes()[head:]...)
	out := append([]byte(nil), b.Bytes()[:head]...)
	for len(out)+len(seg) <= n {
		out = append(out, seg...)
	}
	return out
}

// zlibOf compresses data completely.
func zlibOf(data []byte) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// pdfWriter numbers objects and records their offsets for an xref stream.
type pdfWriter struct {
	b       bytes.Buffer
	offsets map[int]int
	png     bool // write the xref stream with a PNG predictor, as qpdf does
}

func newPDFWriter() *pdfWriter {
	w := &pdfWriter{offsets: map[int]int{}}
	w.b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return w
}

func (w *pdfWriter) obj(num int, body string) {
	w.offsets[num] = w.b.Len()
	fmt.Fprintf(&w.b, "%d 0 obj\n%s\nendobj\n", num, body)
}

func (w *pdfWriter) stream(num int, dict string, data []byte) {
	w.offsets[num] = w.b.Len()
	fmt.Fprintf(&w.b, "%d 0 obj\n<< %s /Length %d >>\nstream\n", num, dict, len(data))
	w.b.Write(data)
	w.b.WriteString("\nendstream\nendobj\n")
}

// xrefStream appends an honest xref stream numbered num for objects
// 0..size-1; inStream maps an object to its object stream and index.
func (w *pdfWriter) xrefStream(num, size int, inStream map[int][2]int) {
	w.offsets[num] = w.b.Len()
	var rows []byte
	for i := 0; i < size; i++ {
		switch {
		case i == 0:
			rows = append(rows, 0, 0, 0, 0, 0, 0xff, 0xff)
		case inStream[i] != [2]int{}:
			s := inStream[i]
			rows = append(rows, 2, 0, 0, byte(s[0]>>8), byte(s[0]), byte(s[1]>>8), byte(s[1]))
		default:
			o := w.offsets[i]
			rows = append(rows, 1, byte(o>>24), byte(o>>16), byte(o>>8), byte(o), 0, 0)
		}
	}
	parms := ""
	if w.png {
		// Each row behind a filter byte 0 (None): the inflated data are
		// one byte a row longer than the declared size.
		var pr []byte
		for i := 0; i < len(rows); i += 7 {
			pr = append(append(pr, 0), rows[i:i+7]...)
		}
		rows, parms = pr, "/DecodeParms << /Predictor 12 /Columns 7 >> "
	}
	data := zlibOf(rows)
	start := w.b.Len()
	fmt.Fprintf(&w.b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode %s/Length %d >>\nstream\n", num, size, parms, len(data))
	w.b.Write(data)
	fmt.Fprintf(&w.b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
}

// bombPDFs are the hostile files of issue 17 item 3. Each has a catalog and
// a page in plain objects, so nothing but the decoding stands in the way.
func bombPDFs() map[string][]byte {
	out := map[string][]byte{}
	page := func(w *pdfWriter) {
		w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
		w.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	}

	// The xref stream that startxref names declares 5 rows of 7 bytes
	// and inflates to about 2 GB of zeros (a 2 MB file).
	w := newPDFWriter()
	w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	page(w)
	bomb := zeroBomb(2 << 20)
	start := w.b.Len()
	fmt.Fprintf(&w.b, "4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n", len(bomb))
	w.b.Write(bomb)
	fmt.Fprintf(&w.b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
	out["xref-stream-bomb"] = w.b.Bytes()

	// The catalog lives in an object stream (/N 1) that inflates to
	// about 2 GB; the xref stream is honest.
	w = newPDFWriter()
	page(w)
	w.stream(5, "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", zeroBomb(2<<20))
	w.xrefStream(4, 6, map[int][2]int{1: {5, 0}})
	out["object-stream-bomb"] = w.b.Bytes()

	// An object stream whose /N and /First allow a lot but whose /DL says
	// 64 bytes, while it inflates to about 2 GB.
	w = newPDFWriter()
	page(w)
	w.stream(5, "/Type /ObjStm /N 100000 /First 1000000 /DL 64 /Filter /FlateDecode", zeroBomb(2<<20))
	w.xrefStream(4, 6, map[int][2]int{1: {5, 0}})
	out["lying-DL"] = w.b.Bytes()

	// A damaged file (no startxref, so it is rebuilt by scanning) with
	// 64 object streams, each within what its /N and /First allow
	// (1 MiB of zeros) but together more than the document's budget.
	w = newPDFWriter()
	w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	page(w)
	one := zeroBomb(1 << 10)
	for i := 0; i < 64; i++ {
		w.stream(10+i, "/Type /ObjStm /N 8 /First 100 /Filter /FlateDecode", one)
	}
	out["many-object-streams-rebuilt"] = w.b.Bytes()
	return out
}

// TestDecompressionBombsRefusedQuickly: every hostile file is refused as an
// invalid request naming the bound, within a second, with the heap growing
// by less than 64 MiB (counted as all bytes allocated during Prepare).
func TestDecompressionBombsRefusedQuickly(t *testing.T) {
	pki := newPKI(t, "p256")
	files := bombPDFs()
	tests := []struct {
		name string
		want string
	}{
		{"xref-stream-bomb", "xref stream 4 0 inflates to more than the 35 bytes its /Size 5 and /W [1 4 2] declare"},
		{"object-stream-bomb", "object stream 5 0 inflates to more than the 262148 bytes its /N 1 and /First 4 allow"},
		{"lying-DL", "object stream 5 0 inflates to more than the 64 bytes its /DL declares"},
		{"many-object-streams-rebuilt", "decoded stream data exceed this document's budget of 16777216 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := files[tt.name]
			var err error
			var took time.Duration
			peak, allocated := heapprobe.Measure(func() {
				start := time.Now()
				_, err = Prepare(context.Background(), bytes.NewReader(in), int64(len(in)), pki.chain(), Options{})
				took = time.Since(start)
			})
			t.Logf("%s (%d bytes): %v after %v; heap peak growth %.1f MiB (sampled), %.1f MiB allocated", tt.name, len(in), err, took,
				float64(peak)/(1<<20), float64(allocated)/(1<<20))
			assertInvalidRequest(t, err, tt.want)
			if allocated > 64<<20 {
				t.Errorf("Prepare allocated %d bytes, want under 64 MiB", allocated)
			}
			// The time is logged, not asserted: the allocation bound above is
			// what an unbounded decode breaks (the old reader allocated 1 GiB
			// and more on these files), and wall time on a loaded CI machine
			// under the race detector says little.
		})
	}
}

// TestInflateBoundedAtTheEdge: data exactly as long as the bound decode in
// full; one byte more is refused, whatever the buffer's starting size.
func TestInflateBoundedAtTheEdge(t *testing.T) {
	for _, n := range []int{0, 1, 4095, 4096, 4097, 1 << 20} {
		data := bytes.Repeat([]byte("qes "), n/4+1)[:n]
		z := zlibOf(data)
		tests := []struct {
			limit    int64
			wantOver bool
		}{{int64(n), false}, {int64(n) + 1, false}, {int64(n) - 1, true}}
		for _, tt := range tests {
			if tt.limit < 0 {
				continue
			}
			out, over, err := inflateBounded(z, tt.limit)
			if err != nil || over != tt.wantOver {
				t.Fatalf("%d bytes, limit %d: over %v err %v, want over %v", n, tt.limit, over, err, tt.wantOver)
			}
			if !over && !bytes.Equal(out, data) {
				t.Fatalf("%d bytes, limit %d: decoded data differ", n, tt.limit)
			}
			if int64(cap(out)) > tt.limit+1 {
				t.Fatalf("%d bytes, limit %d: buffer of %d bytes is larger than the bound", n, tt.limit, cap(out))
			}
		}
	}
}

// TestHonestStreamsStayWithinTheirBounds: object and xref streams whose data
// are exactly as long as declared (with /DL, with a PNG predictor, an object
// stream whose member is larger than its share) are read and signed.
func TestHonestStreamsStayWithinTheirBounds(t *testing.T) {
	pki := newPKI(t, "p256")
	catalog := "<< /Type /Catalog /Pages 2 0 R >>"
	header := fmt.Sprintf("1 0 2 %d ", len(catalog)+1)
	members := catalog + " " + "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	tests := []struct {
		name string
		png  bool
		dict string
		data string
	}{
		{"plain", false, "", header + members},
		{"exact /DL", false, fmt.Sprintf("/DL %d", len(header)+len(members)), header + members},
		{"PNG predictor", true, "", header + members},
		// /N 2 allow 512 KiB; the first member takes 300 KiB of them.
		{"one large member", false, "", fmt.Sprintf("1 0 2 %d ", 300<<10+len(catalog)+1) + "<< /Type /Catalog /Pages 2 0 R /Pad (" + strings.Repeat("x", 300<<10-8) + ") >> " + "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newPDFWriter()
			w.png = tt.png
			w.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
			first := strings.Index(tt.data, "<<")
			w.stream(5, fmt.Sprintf("/Type /ObjStm /N 2 /First %d %s /Filter /FlateDecode", first, tt.dict), zlibOf([]byte(tt.data)))
			w.xrefStream(4, 6, map[int][2]int{1: {5, 0}, 2: {5, 1}})
			in := w.b.Bytes()
			var out bytes.Buffer
			if _, err := Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), pki.signerKey, pki.chain(), Options{}); err != nil {
				t.Fatalf("an honest file is refused: %v", err)
			}
			if !bytes.HasPrefix(out.Bytes(), in) {
				t.Fatal("the signed PDF does not start with the original bytes")
			}
		})
	}
}
