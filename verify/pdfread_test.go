package verify

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/internal/testutil/heapprobe"
	"github.com/qesproject/qes/pades"
)

// TestPDFCompressedStructure: PDFs whose catalog, AcroForm and DSS sit in
// object streams behind cross-reference streams (qpdf's rewrite of an
// unsigned file, then signed by qes; a hybrid file; a DSS added by hand in
// a compressed object stream with FlateDecoded values and a PNG-predicted
// cross-reference stream, as Acrobat, iText and pyHanko write them) give
// the certificate status from their DSS; a decompression bomb is "not
// valid", never an error or an allocation without bound.
func TestPDFCompressedStructure(t *testing.T) {
	t.Parallel()
	p := newPadesPKI(t)
	objstm := qpdf(t, fixturePDF(t, "multipage.pdf"), "--object-streams=generate", "--compress-streams=y")
	if d, err := openPDF(objstm, newPDFBudget()); err != nil || !rootInStm(d) {
		t.Fatalf("qpdf's output does not keep the catalog in an object stream (%v)", err)
	}
	bt := p.sign(t, objstm, pades.LevelBT, pades.Approval)

	compressedDSS := func(ocspData []byte) []byte { return p.addDSS(t, bt, ocspData) }
	good, err := p.OCSP(context.Background(), p.signer, p.ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	handDSS := compressedDSS(good)
	if o, _ := dssValues(handDSS[len(bt):]); len(o) != 0 {
		t.Fatal("the hand-written DSS must be out of reach of a plain-stream scan")
	}
	bomb := p.addDSSFlate(t, bt, zeroBomb(64))

	tests := []struct {
		name    string
		pdf     []byte
		valid   bool
		level   string
		source  string
		problem string
		pdfsig  int // signatures pdfsig finds valid (poppler 22 checks no document time-stamp and reads no DSS)
	}{
		{"qpdf object streams, B-LT by qes", p.sign(t, objstm, pades.LevelBLT, pades.Approval), true, "B-LT", "embedded OCSP response", "", 1},
		{"qpdf object streams, B-LTA by qes", p.sign(t, objstm, pades.LevelBLTA, pades.Approval), true, "B-LTA", "embedded OCSP response", "", 1},
		{"hybrid /XRefStm, B-LT by qes", p.sign(t, fixturePDF(t, "hybrid.pdf"), pades.LevelBLT, pades.Approval), true, "B-LT", "embedded OCSP response", "", 1},
		{"linearized, B-LT by qes", p.sign(t, fixturePDF(t, "linearized.pdf"), pades.LevelBLT, pades.Approval), true, "B-LT", "embedded OCSP response", "", 1},
		{"header lines before %PDF-, B-LT by qes", p.sign(t, fixturePDF(t, "shifted-objstm.pdf"), pades.LevelBLT, pades.Approval), true, "B-LT", "embedded OCSP response", "", 1},
		{"xref stream repaired by qes, B-LT", p.sign(t, fixturePDF(t, "broken-xrefstream.pdf"), pades.LevelBLT, pades.Approval), true, "B-LT", "embedded OCSP response", "", 1},
		{"B-T without a DSS", bt, true, "B-T", "", "", 1},
		{"compressed DSS in an object stream", handDSS, true, "B-LT", "embedded OCSP response", "", 1},
		{"DSS stream a decompression bomb", bomb, false, "", "", "decompression bomb", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep, err := Verify(context.Background(), tt.pdf, nil, Options{Roots: p.roots(), Intermediates: []*x509.Certificate{p.ca.Cert}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Valid != tt.valid || len(rep.Signers) != 1 {
				t.Fatalf("valid %v, want %v: %v\n%s", rep.Valid, tt.valid, rep.Problems, trace(rep))
			}
			if tt.problem != "" && !strings.Contains(strings.Join(rep.Problems, "\n"), tt.problem) {
				t.Fatalf("problems %q, want one with %q", rep.Problems, tt.problem)
			}
			s := rep.Signers[0]
			if tt.valid && (s.Level != tt.level || s.Status.Source != tt.source && tt.source != "") {
				t.Fatalf("level %q status %+v, want %q from %q\n%s", s.Level, s.Status, tt.level, tt.source, trace(rep))
			}
			if tt.pdfsig >= 0 {
				out := pdfsigOut(t, p.root.Cert, tt.pdf)
				if got := strings.Count(out, "Signature is Valid."); got != tt.pdfsig {
					t.Fatalf("pdfsig: %d valid, want %d:\n%s", got, tt.pdfsig, out)
				}
			}
		})
	}
}

func trace(r *Report) string {
	var b strings.Builder
	for _, l := range r.Lines {
		fmt.Fprintf(&b, "%s%s\n", strings.Repeat("  ", l.Depth), l.Text)
	}
	return b.String()
}

// TestPDFReaderBounds: crafted structures are errors of the reader, never
// a panic or a loop.
func TestPDFReaderBounds(t *testing.T) {
	t.Parallel()
	withXref := func(s string) string {
		return s + fmt.Sprintf("startxref\n%d\n%%%%EOF\n", strings.Index(s, "xref"))
	}
	deep := withXref("%PDF-1.7\n1 0 obj\n" + strings.Repeat("[", 100) + "\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer<</Size 2/Root 1 0 R>>\n")
	loop := "%PDF-1.7\nxref\n0 1\n0000000000 65535 f \ntrailer<</Size 1/Root 1 0 R/Prev 9>>\nstartxref\n9\n%%EOF\n"
	self := withXref("%PDF-1.7\n1 0 obj\n2 0 R\nendobj\n2 0 obj\n1 0 R\nendobj\nxref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000030 00000 n \ntrailer<</Size 3/Root 1 0 R>>\n")
	// A complete newest table whose /Prev points at no table: the chain
	// ends there, as other readers reconstruct.
	badPrev := withXref("%PDF-1.7\n1 0 obj\n<</Type /Catalog>>\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer<</Size 2/Root 1 0 R/Prev 3>>\n")
	tests := []struct {
		name, pdf string
		want      string // "": any outcome but a panic or a loop; "ok": reads
	}{
		{"nesting", deep, "nested"},
		{"a /Prev loop", loop, ""},
		{"references in a loop", self, "chained"},
		{"no startxref", "%PDF-1.7\n", "no startxref"},
		{"an older section that does not read", badPrev, "ok"},
		{"header lines before %PDF-", "From: gateway\r\n\r\n" + badPrev, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := openPDF([]byte(tt.pdf), newPDFBudget())
			if err == nil {
				_, err = d.resolve(d.trailer["Root"])
			}
			switch tt.want {
			case "":
				return // only no panic and no loop
			case "ok":
				if err != nil || d.catalog()["Type"] != pdfName("Catalog") {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

// TestPNGPredictor: each PNG row filter undone as a PNG decoder does.
func TestPNGPredictor(t *testing.T) {
	t.Parallel()
	rows := [][]byte{{10, 20, 30}, {11, 22, 33}, {5, 200, 7}, {0, 0, 255}, {1, 2, 3}}
	var enc []byte
	prev := make([]byte, 3)
	for i, r := range rows {
		typ := byte(i % 5)
		enc = append(enc, typ)
		for j := range r {
			var left, up, ul int
			if j > 0 {
				left, ul = int(r[j-1]), int(prev[j-1])
			}
			up = int(prev[j])
			var pred int
			switch typ {
			case 1:
				pred = left
			case 2:
				pred = up
			case 3:
				pred = (left + up) / 2
			case 4:
				pa, pb, pc := abs(up-ul), abs(left-ul), abs(left+up-2*ul)
				switch {
				case pa <= pb && pa <= pc:
					pred = left
				case pb <= pc:
					pred = up
				default:
					pred = ul
				}
			}
			enc = append(enc, r[j]-byte(pred))
		}
		prev = r
	}
	got, err := unpredict(enc, pdfDict{"Predictor": int64(15), "Columns": int64(3)})
	if err != nil || !bytes.Equal(got, bytes.Join(rows, nil)) {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := unpredict([]byte{9, 1, 2, 3}, pdfDict{"Predictor": int64(12), "Columns": int64(3)}); err == nil {
		t.Fatal("row type 9 accepted")
	}
	// TIFF predictor 2: each byte the difference from the one a pixel
	// (Colors bytes) to its left, row by row.
	got, err = unpredict([]byte{10, 20, 1, 2, 5, 5, 1, 1}, pdfDict{"Predictor": int64(2), "Colors": int64(2), "Columns": int64(2)})
	if want := []byte{10, 20, 11, 22, 5, 5, 6, 6}; err != nil || !bytes.Equal(got, want) {
		t.Fatalf("TIFF: %v %v, want %v", got, err, want)
	}
}

// FuzzPDFReader: the object reader, the DSS, the signature dictionaries and
// the revision comparison never panic or loop on any bytes; a failure is a
// structure error.
func FuzzPDFReader(f *testing.F) {
	for _, n := range []string{"simple.pdf", "objstm.pdf", "hybrid.pdf", "linearized.pdf"} {
		f.Add(fixturePDF(f, n))
	}
	f.Add([]byte("%PDF-1.7\n1 0 obj<</Type/XRef/W[1 2 1]/Index[0 2]/Size 2/Root 1 0 R/Length 8/Filter/FlateDecode/DecodeParms<</Predictor 12/Columns 4>>>>stream\nxxxxxxxx\nendstream endobj\nstartxref\n9\n%%EOF\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rv := newPDFRevisions(b)
		ends := pdfRevisionEnds(b)
		d, err := rv.at(len(b))
		if err != nil {
			if !errors.Is(err, ErrPDFStructure) {
				t.Fatalf("error %v is not a structure error", err)
			}
			return
		}
		dssState(d)
		if _, _, _, err := dssStreams(d); err != nil && !errors.Is(err, ErrPDFStructure) {
			t.Fatalf("DSS error %v is not a structure error", err)
		}
		pdfSigDicts(d)
		for _, e := range ends[:min(len(ends), 4)] {
			if a, err := rv.at(e); err == nil {
				dssState(a)
				pdfDiff(a, d)
			}
		}
		if len(ends) > 0 {
			mdpVerdict(rv, ends[:min(len(ends), 4)], ends[0], pdfSigDict{docMDP: 1, lock: "All"})
		}
	})
}

func rootInStm(d *pdfDoc) bool {
	e, _ := d.entry(d.trailer["Root"].(pdfRef).num)
	return e.inStm
}

// TestPDFBombMemory: a DSS stream of 256 MiB of zeros in 256 KiB of
// FlateDecode is refused after at most 16 MiB decompressed, its memory
// measured (not parallel, so that the measure is this call's).
func TestPDFBombMemory(t *testing.T) {
	p := newPadesPKI(t)
	bt := p.sign(t, fixturePDF(t, "multipage.pdf"), pades.LevelBT, pades.Approval)
	bomb := p.addDSSFlate(t, bt, zeroBomb(256))

	var rep *Report
	var err error
	_, allocated := heapprobe.Measure(func() {
		rep, err = Verify(context.Background(), bomb, nil, Options{Roots: p.roots(), Intermediates: []*x509.Certificate{p.ca.Cert}})
	})
	if err != nil || rep.Valid || !strings.Contains(strings.Join(rep.Problems, "\n"), "decompression bomb") {
		t.Fatalf("err %v, report %+v", err, rep)
	}
	if limit := uint64(24 << 20); allocated > limit {
		t.Fatalf("allocated %d MiB checking a %d KiB file, want at most %d MiB", allocated>>20, len(bomb)>>10, limit>>20)
	}
	t.Logf("%d KiB file, %d MiB allocated", len(bomb)>>10, allocated>>20)
}

// indefiniteContents rewrites the CMS in a signed PDF's /Contents the way
// Acrobat writes it: ContentInfo and its [0] with indefinite lengths
// (BER). Each 4-byte header becomes 2 bytes plus a 2-byte end-of-contents,
// so the CMS keeps its size, the hole its place and the signature its
// bytes.
func indefiniteContents(t testing.TB, pdf []byte) []byte {
	t.Helper()
	i := bytes.Index(pdf, []byte("/Contents <"))
	if i < 0 {
		t.Fatal("no /Contents")
	}
	start := i + len("/Contents <")
	end := start + bytes.IndexByte(pdf[start:], '>')
	raw, err := hex.DecodeString(string(pdf[start:end]))
	if err != nil {
		t.Fatal(err)
	}
	if raw[0] != 0x30 || raw[1] != 0x82 {
		t.Fatalf("ContentInfo header % x, want 30 82", raw[:4])
	}
	outer := int(raw[2])<<8 | int(raw[3])
	body := raw[4 : 4+outer] // 06 09 <oid> a0 82 LL LL <SignedData>
	oidLen := 2 + int(body[1])
	if body[oidLen] != 0xa0 || body[oidLen+1] != 0x82 {
		t.Fatalf("[0] header % x, want a0 82", body[oidLen:oidLen+4])
	}
	signedData := body[oidLen+4:]
	var b []byte
	b = append(b, 0x30, 0x80)
	b = append(b, body[:oidLen]...)
	b = append(b, 0xa0, 0x80)
	b = append(b, signedData...)
	b = append(b, 0, 0, 0, 0)
	b = append(b, raw[4+outer:]...) // the zero padding
	if len(b) != len(raw) {
		t.Fatalf("rewritten CMS is %d bytes, was %d", len(b), len(raw))
	}
	out := bytes.Clone(pdf)
	copy(out[start:end], strings.ToUpper(hex.EncodeToString(b)))
	return out
}

// TestPDFSignatureInBER: a signature whose CMS has indefinite lengths (as
// Acrobat writes it) verifies, read as DER and noted; pdfsig agrees.
func TestPDFSignatureInBER(t *testing.T) {
	t.Parallel()
	p := newPadesPKI(t)
	pdf := indefiniteContents(t, p.sign(t, fixturePDF(t, "multipage.pdf"), pades.LevelBT, pades.Approval))
	rep, err := Verify(context.Background(), pdf, nil, Options{Roots: p.roots(), Intermediates: []*x509.Certificate{p.ca.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Valid || len(rep.Signers) != 1 || rep.Signers[0].Level != "B-T" {
		t.Fatalf("valid %v, %d signers: %v\n%s", rep.Valid, len(rep.Signers), rep.Problems, trace(rep))
	}
	if !rep.BER || !slices.Contains(rep.Notes, NoteBER) {
		t.Fatalf("BER %v, notes %q: want the BER note", rep.BER, rep.Notes)
	}
	if out := pdfsigOut(t, p.root.Cert, pdf); !strings.Contains(out, "Signature is Valid.") {
		t.Fatalf("pdfsig:\n%s", out)
	}
}

// TestPDFEmbeddedOCSPOnHold: an OCSP response in the DSS that says the
// certificate was on hold (revoked, certificateHold) since before the
// signature reads "suspended" at signing time, not "revoked".
func TestPDFEmbeddedOCSPOnHold(t *testing.T) {
	t.Parallel()
	p := newPadesPKI(t)
	bt := p.sign(t, fixturePDF(t, "multipage.pdf"), pades.LevelBT, pades.Approval)
	now := time.Now().UTC()
	for _, tt := range []struct {
		name   string
		reason int
		want   string
	}{
		{"on hold", ocsp.CertificateHold, StatusSuspended},
		{"key compromise", ocsp.KeyCompromise, StatusRevoked},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := ocsp.CreateResponse(p.ca.Cert, p.ca.Cert, ocsp.Response{Status: ocsp.Revoked, SerialNumber: p.signer.SerialNumber,
				RevokedAt: now.Add(-time.Hour), RevocationReason: tt.reason, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}, p.ca.Key)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(context.Background(), p.addDSS(t, bt, resp), nil, Options{Roots: p.roots(), Intermediates: []*x509.Certificate{p.ca.Cert}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Valid || len(rep.Signers) != 1 {
				t.Fatalf("valid %v with %d signers: want one, not valid\n%s", rep.Valid, len(rep.Signers), trace(rep))
			}
			if st := rep.Signers[0].Status; st.Status != tt.want || st.Source != "embedded OCSP response" {
				t.Fatalf("status %+v, want %s from the embedded OCSP response", st, tt.want)
			}
		})
	}
}
