package csc_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/heapprobe"
)

// inflatingXrefPDF is the file of issue 17 item 3: about 2 MB, a plain
// catalog and page, and an xref stream declaring 5 rows of 7 bytes whose
// deflate data (never finished) inflate to about 2 GB of zeros. The data
// are one sync-flushed segment of 1 MiB of zeros repeated: after the first
// segment the window holds only zeros, so each repeat decodes the same way.
func inflatingXrefPDF() []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zeros := make([]byte, 1<<20)
	zw.Write(zeros)
	zw.Flush()
	head := z.Len()
	zw.Write(zeros)
	zw.Flush()
	seg := append([]byte(nil), z.Bytes()[head:]...)
	bomb := append([]byte(nil), z.Bytes()[:head]...)
	for len(bomb)+len(seg) <= 2<<20 {
		bomb = append(bomb, seg...)
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	b.WriteString("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n")
	start := b.Len()
	fmt.Fprintf(&b, "4 0 obj\n<< /Type /XRef /Size 5 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n", len(bomb))
	b.Write(bomb)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", start)
	return b.Bytes()
}

// TestSignDocRefusesInflatingXrefStream: with a valid SAD, signDoc answers
// 400 naming the xref stream and its declared size, at once, and the
// server's heap grows by less than 64 MiB (it grew by about 1 GB, for 9 s,
// when the stream was inflated to 256 MiB before the refusal).
func TestSignDocRefusesInflatingXrefStream(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	doc := inflatingXrefPDF()
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(doc))
	body := map[string]any{"credentialID": h.CredentialID, "SAD": sad,
		"documents": []any{map[string]any{"document": std64(doc), "signature_format": "P", "signAlgo": ecdsaSHA256}}}
	var st int
	var resp map[string]any
	var took time.Duration
	peak, allocated := heapprobe.Measure(func() {
		start := time.Now()
		st, resp = signDoc(t, s, tok, body)
		took = time.Since(start)
	})
	t.Logf("%d bytes: %d %v after %v; heap peak growth %.1f MiB (sampled), %.1f MiB allocated (client and server)",
		len(doc), st, resp["error_description"], took, float64(peak)/(1<<20), float64(allocated)/(1<<20))
	desc, _ := resp["error_description"].(string)
	if st != http.StatusBadRequest || !strings.Contains(desc, "xref stream 4 0 inflates to more than the 35 bytes its /Size 5 and /W [1 4 2] declare") {
		t.Fatalf("got %d %q, want 400 naming the xref stream and its declared size", st, desc)
	}
	if allocated > 64<<20 {
		t.Errorf("the request allocated %d bytes, want under 64 MiB", allocated)
	}
	// Time is logged, not asserted: the allocation bound is what an
	// unbounded decode breaks, and wall time under -race on a loaded
	// machine says little.
}
