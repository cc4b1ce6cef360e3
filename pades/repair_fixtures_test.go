package pades

import (
	"bytes"
	"fmt"
	"github.com/qesproject/qes/internal/testutil/pdfcheck"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// gatewayPrefix is what a mail gateway leaves before the header of an
// attachment it rewrote; offsets in the PDF still count from "%PDF-".
const gatewayPrefix = "X-Scanned-By: mail gateway 4.2\r\nX-Virus-Status: clean\r\n\r\n"

// repairFixtures derives the files of issue 12 from the committed fixtures,
// each by the damage real files show. The originals come from makePDF and
// qpdf; only the damage is done here, by byte edits a tool would not make.
func repairFixtures(t testing.TB) map[string][]byte {
	t.Helper()
	multi := readFixture(t, "multipage.pdf")
	objstm := readFixture(t, "objstm.pdf")
	out := map[string][]byte{}

	// Class 1: bytes before the header.
	out["shifted.pdf"] = append([]byte(gatewayPrefix), multi...)
	out["shifted-objstm.pdf"] = append([]byte(gatewayPrefix), objstm...)
	out["shifted-linearized.pdf"] = append([]byte("\x00\x00junk\n"), readFixture(t, "linearized.pdf")...)

	// Class 2: damaged cross-reference data.
	// A line inserted after the header (as by an editor) leaves every
	// offset of the table pointing a few bytes early.
	i := bytes.Index(multi, []byte("\n1 0 obj")) + 1
	out["bad-offsets.pdf"] = concat(multi[:i], []byte("% inserted after the file was written\n"), multi[i:])
	// A file cut before its tail: no startxref.
	out["no-startxref.pdf"] = multi[:bytes.LastIndex(multi, []byte("startxref"))]
	// An xref stream whose compressed data is damaged: the members of the
	// object streams are only found through the object streams themselves.
	out["broken-xrefstream.pdf"] = corruptXrefStream(t, objstm)
	// A hybrid file (classic table plus /XRefStm) whose table is broken:
	// its /XRefStm and first entry point at the wrong place.
	hybrid := makeHybridPDF()
	out["hybrid.pdf"] = hybrid
	out["hybrid-broken.pdf"] = breakHybrid(t, hybrid)
	return out
}

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// corruptXrefStream flips bytes inside the data of the xref stream that
// startxref names.
func corruptXrefStream(t testing.TB, pdf []byte) []byte {
	t.Helper()
	off, err := findStartxref(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), pdf...)
	s := bytes.Index(out[off:], []byte("stream")) + int(off) + len("stream\n")
	for k := s + 2; k < s+12 && k < len(out); k++ {
		out[k] ^= 0x5a
	}
	return out
}

// makeHybridPDF writes a hybrid-reference file as PDF 1.5 writers did for
// older readers: objects 1, 2, 5, 6 and 7 uncompressed and in the classic
// table, the font (3) and page (4) only in object stream 6, listed by the
// xref stream 7 that the trailer's /XRefStm names.
//
// With listFree the hidden objects are in the table as free entries, as in
// the example of PDF Reference 1.7 section 3.4.7.
func makeHybridPDF(listFree ...bool) []byte {
	var b bytes.Buffer
	offs := map[int]int{}
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	put := func(n int, body string) {
		offs[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	put(1, "<< /Type /Catalog /Pages 2 0 R >>")
	put(2, "<< /Type /Pages /Kids [4 0 R] /Count 1 >>")
	content := "BT /F1 24 Tf 72 760 Td (Hybrid file) Tj ET"
	put(5, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	o3 := "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	o4 := "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>"
	hdr := fmt.Sprintf("3 0 4 %d ", len(o3)+1)
	body := hdr + o3 + "\n" + o4
	put(6, fmt.Sprintf("<< /Type /ObjStm /N 2 /First %d /Length %d >>\nstream\n%s\nendstream", len(hdr), len(body), body))
	// xref stream 7: W [1 4 2], entries 3..7.
	var data []byte
	row := func(typ byte, f2 int, f3 int) {
		data = append(data, typ, byte(f2>>24), byte(f2>>16), byte(f2>>8), byte(f2), byte(f3>>8), byte(f3))
	}
	row(2, 6, 0)
	row(2, 6, 1)
	row(1, offs[5], 0)
	row(1, offs[6], 0)
	offs[7] = b.Len()
	row(1, offs[7], 0)
	fmt.Fprintf(&b, "7 0 obj\n<< /Type /XRef /Size 8 /Index [3 5] /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n", len(data))
	b.Write(data)
	b.WriteString("\nendstream\nendobj\n")
	xref := b.Len()
	// The hidden objects are left out of the table rather than listed as
	// free: poppler 22.12 and pdf.js let a free table entry hide the
	// /XRefStm entry (qpdf and qes do not), and this fixture is meant to
	// open everywhere.
	if len(listFree) > 0 && listFree[0] {
		b.WriteString("xref\n0 8\n0000000000 65535 f\r\n")
		for n := 1; n <= 7; n++ {
			if n == 3 || n == 4 {
				b.WriteString("0000000000 65535 f\r\n")
				continue
			}
			fmt.Fprintf(&b, "%010d 00000 n\r\n", offs[n])
		}
	} else {
		b.WriteString("xref\n0 3\n0000000000 65535 f\r\n")
		fmt.Fprintf(&b, "%010d 00000 n\r\n%010d 00000 n\r\n5 3\n", offs[1], offs[2])
		for n := 5; n <= 7; n++ {
			fmt.Fprintf(&b, "%010d 00000 n\r\n", offs[n])
		}
	}
	fmt.Fprintf(&b, "trailer\n<< /Size 8 /Root 1 0 R /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n", offs[7], xref)
	return b.Bytes()
}

// breakHybrid points /XRefStm and the entry of object 1 at wrong offsets.
func breakHybrid(t testing.TB, pdf []byte) []byte {
	t.Helper()
	re := regexp.MustCompile(`/XRefStm (\d+)`)
	m := re.FindSubmatchIndex(pdf)
	if m == nil {
		t.Fatal("no /XRefStm")
	}
	v, _ := strconv.Atoi(string(pdf[m[2]:m[3]]))
	wrong := strconv.Itoa(v - 40)
	out := concat(pdf[:m[2]], []byte(wrong), pdf[m[3]:])
	// The table entry of object 1 is the second line after "xref\n0 3\n".
	x := bytes.LastIndex(out, []byte("xref\n0 3\n")) + len("xref\n0 3\n") + 20
	copy(out[x:x+10], "0000000003")
	// Keep startxref right: the table did not move, only lengths changed.
	if d := len(wrong) - (m[3] - m[2]); d != 0 {
		t.Fatalf("wrong offset changed the length by %d", d)
	}
	return out
}

// TestWriteRepairFixtures writes the issue 12 fixtures next to the others;
// run it with PADES_WRITE_FIXTURES=1. Tests derive the same bytes again, so
// the committed files are for people and other tools (pdfsig, qpdf) to try.
func TestWriteRepairFixtures(t *testing.T) {
	if os.Getenv("PADES_WRITE_FIXTURES") != "1" {
		t.Skip("set PADES_WRITE_FIXTURES=1 to regenerate testdata/pades")
	}
	for name, data := range repairFixtures(t) {
		if err := os.WriteFile(filepath.Join(fixtureDir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRepairFixturesOpenInOtherTools shows the damage is of the kind
// viewers repair: qpdf opens every file (with warnings for the damaged
// ones) and finds the pages. broken-xrefstream.pdf is the exception: qpdf
// 11.3, poppler 22.12 and pdf.js 4.10 (measured by hand) need a readable
// "trailer" or xref stream to find the catalog and give up on it; qes also
// takes members of object streams and /Type /Catalog objects, and after
// qes signed it all three open it without a warning.
func TestRepairFixturesOpenInOtherTools(t *testing.T) {
	pdfcheck.NeedTool(t, "qpdf")
	for name, data := range repairFixtures(t) {
		t.Run(name, func(t *testing.T) {
			if name == "broken-xrefstream.pdf" {
				t.Skip("qpdf cannot recover a file whose only trailer is a damaged xref stream")
			}
			p := pdfcheck.WriteTemp(t, name, data)
			out, err := exec.Command("qpdf", "--show-npages", p).CombinedOutput()
			// Exit status 3 means "succeeded with warnings".
			if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 3) {
				t.Fatalf("qpdf --show-npages: %v\n%s", err, out)
			}
		})
	}
}
