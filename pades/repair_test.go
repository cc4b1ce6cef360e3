package pades

import (
	"bytes"
	"context"
	"fmt"
	"github.com/qesproject/qes/internal/testutil/pdfcheck"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func sortedFixtureNames(m map[string][]byte) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestRepairFixturesAreCommitted keeps testdata/pades in step with the
// code that derives the files.
func TestRepairFixturesAreCommitted(t *testing.T) {
	for name, data := range repairFixtures(t) {
		got, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s is missing or stale (%v): run PADES_WRITE_FIXTURES=1 go test ./pades -run TestWriteRepairFixtures", name, err)
		}
	}
}

// TestSignShiftedAndRepaired signs every issue 12 fixture at B-B and B-LTA
// and has qpdf, pdfsig and openssl judge the result; the original must stay
// an exact prefix, the new section must hold offsets right for the file as
// written (counted from the header), and the signed file must open without
// repair.
func TestSignShiftedAndRepaired(t *testing.T) {
	pki := newPKI(t, "p256")
	fx := repairFixtures(t)
	for _, name := range sortedFixtureNames(fx) {
		in := fx[name]
		for _, level := range []Level{LevelBB, LevelBLTA} {
			t.Run(name+"/"+level.String(), func(t *testing.T) {
				out, _ := signBytes(t, in, pki, levelOpts(pki, level))
				validate(t, pki, out, level, 1)
				d, err := openDocument(bytes.NewReader(out), int64(len(out)))
				if err != nil {
					t.Fatalf("reopen: %v", err)
				}
				if d.repaired {
					t.Fatalf("the signed file still needs repair: %s", d.repairReason)
				}
				// startxref names, counted from the header, the section
				// qes wrote.
				at := d.shift + d.startxref
				if at < int64(len(in)) || !(bytes.HasPrefix(out[at:], []byte("xref")) || bytes.Contains(out[at:at+20], []byte(" 0 obj"))) {
					t.Fatalf("startxref %d (+%d header offset) does not name the new section", d.startxref, d.shift)
				}
			})
		}
	}
}

// TestRepairedTamperBreaksSignature flips one byte of the signed original
// in each fixture: pdfsig must report the signature invalid.
func TestRepairedTamperBreaksSignature(t *testing.T) {
	pki := newPKI(t, "p256")
	nss := pdfcheck.NSSDB(t, pki.root)
	fx := repairFixtures(t)
	for _, name := range sortedFixtureNames(fx) {
		t.Run(name, func(t *testing.T) {
			in := fx[name]
			out, _ := signBytes(t, in, pki, levelOpts(pki, LevelBB))
			pdfcheck.AssertPdfsigValid(t, nss, out, 1)
			// A byte in the middle of the original, and for a shifted file a
			// byte before the header: both are covered by the /ByteRange.
			for _, pos := range []int{len(in) / 2, 0} {
				bad := append([]byte(nil), out...)
				bad[pos] ^= 0x01
				if rep := pdfcheck.Pdfsig(t, nss, bad); strings.Contains(rep, "Signature is Valid.") {
					t.Fatalf("pdfsig still says valid after flipping byte %d:\n%s", pos, rep)
				}
			}
		})
	}
}

// TestRepairKeepsEarlierSignatures signs a file, appends a revision whose
// cross-reference data is damaged (as a broken editor would), and signs
// again: the earlier signature keeps its pdfsig verdict and both validate.
func TestRepairKeepsEarlierSignatures(t *testing.T) {
	pki := newPKI(t, "p256")
	nss := pdfcheck.NSSDB(t, pki.root)
	for _, tc := range []struct {
		name   string
		damage func(signed []byte) []byte
	}{
		{"appended revision without startxref", func(s []byte) []byte {
			// Longer than the 2048-byte tail searched for startxref.
			pad := strings.Repeat("x", 3000)
			return concat(s, []byte("\n99 0 obj\n<< /Producer (broken editor) /Pad ("+pad+") >>\nendobj\nxref\n0 1\n0000000000 65535 f\r\n"))
		}},
		{"appended revision with a wrong startxref", func(s []byte) []byte {
			return concat(s, []byte(fmt.Sprintf("\n99 0 obj\n<< /Producer (broken editor) >>\nendobj\nstartxref\n%d\n%%%%EOF\n", len(s)/3)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, _ := signBytes(t, readFixture(t, "multipage.pdf"), pki, levelOpts(pki, LevelBB))
			damaged := tc.damage(first)
			if d, err := openDocument(bytes.NewReader(damaged), int64(len(damaged))); err != nil || !d.repaired {
				t.Fatalf("the damaged file does not need a repair (%v)", err)
			}
			before := sigVerdicts(pdfcheck.Pdfsig(t, nss, damaged))
			if len(before) != 1 || before[0] != "Signature is Valid." {
				t.Fatalf("pdfsig on the damaged file: %v", before)
			}
			out, _ := signBytes(t, damaged, pki, levelOpts(pki, LevelBLTA))
			// validate() wants every CMS at the same level; the first is B-B.
			pdfcheck.AssertQpdfCheck(t, out)
			pdfcheck.AssertPdfsigValid(t, nss, out, 2)
			assertDSS(t, out, pki)
			sigs := pdfcheck.Signatures(t, out)
			if len(sigs) != 3 || !sigs[2].DocTimeStamp {
				t.Fatalf("want two signatures and a document time-stamp, found %d", len(sigs))
			}
			for _, s := range sigs[:2] {
				if ok, rep := pdfcheck.OpensslCMSVerify(t, s.CMS, s.Signed, pki.root); !ok {
					t.Fatalf("openssl cms -verify:\n%s", rep)
				}
			}
			after := sigVerdicts(pdfcheck.Pdfsig(t, nss, out))
			if len(after) < 2 || after[0] != before[0] {
				t.Fatalf("earlier verdict changed: before %v, after %v", before, after)
			}
		})
	}
}

// sigVerdicts lists pdfsig's "Signature Validation" lines in order.
func sigVerdicts(report string) []string {
	var out []string
	for _, l := range strings.Split(report, "\n") {
		if _, v, ok := strings.Cut(l, "Signature Validation: "); ok {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

// TestRepairRefusals lists what qes still refuses after trying to repair,
// with the reason it gives.
func TestRepairRefusals(t *testing.T) {
	multi := readFixture(t, "multipage.pdf")
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"header after the first 1024 bytes", append(bytes.Repeat([]byte{' '}, 1024), multi...), "no %PDF- header in the first 1024 bytes"},
		{"no catalog anywhere", []byte("%PDF-1.7\n1 0 obj\n<< /Type /Page >>\nendobj\n2 0 obj\n(text)\nendobj\n"), "found no document catalog"},
		{"catalog renamed and table broken", bytes.Replace(bytes.Replace(multi, []byte("/Type /Catalog /Pages"), []byte("/Type /Katalog /Pagez"), 1), []byte("xref\n0 "), []byte("xrof\n0 "), 1), "found no document catalog"},
		{"encrypted and table broken", bytes.Replace(readFixture(t, "encrypted.pdf"), []byte("startxref"), []byte("startxerf"), 1), "encrypted PDFs are not supported"},
		{"cut in the page tree", multi[:bytes.Index(multi, []byte("5 0 obj"))+20], "damaged or truncated"},
	}
	pki := newPKI(t, "p256")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prepare(context.Background(), bytes.NewReader(tt.data), int64(len(tt.data)), pki.chain(), Options{})
			assertInvalidRequest(t, err, tt.want)
		})
	}
}

// TestHeaderSearch pins the header rule: "%PDF-" anywhere in the first
// 1024 bytes.
func TestHeaderSearch(t *testing.T) {
	tests := []struct {
		data  string
		shift int64
		ok    bool
	}{
		{"%PDF-1.7\n", 0, true},
		{"abc%PDF-2.0", 3, true},
		{strings.Repeat("x", 1019) + "%PDF-", 1019, true},
		{strings.Repeat("x", 1020) + "%PDF-", 0, false},
		{"%PDF", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := findHeader(strings.NewReader(tt.data), int64(len(tt.data)))
		if (err == nil) != tt.ok || got != tt.shift {
			t.Errorf("findHeader(%.20q...) = %d, %v; want %d ok=%v", tt.data, got, err, tt.shift, tt.ok)
		}
	}
}

// TestDamageOnceRefusedIsRepaired: before issue 12 these were refused as
// "broken xref" (TestBadInputIsInvalidRequest); now they are signed.
func TestDamageOnceRefusedIsRepaired(t *testing.T) {
	simple := readFixture(t, "simple.pdf")
	wrongOffset := append([]byte(nil), simple...)
	i := bytes.LastIndex(wrongOffset, []byte("startxref\n")) + len("startxref\n")
	copy(wrongOffset[i:], "1")
	pki := newPKI(t, "p256")
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"broken xref keyword", bytes.Replace(simple, []byte("xref\n0 "), []byte("xrof\n0 "), 1)},
		{"wrong startxref offset", wrongOffset},
		{"no trailer root", bytes.Replace(simple, []byte("/Root 1 0 R"), []byte("/Rxxx 1 0 R"), 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := signBytes(t, tt.data, pki, levelOpts(pki, LevelBB))
			validate(t, pki, out, LevelBB, 1)
		})
	}
}

// TestReconstructHostileLayouts: headers hidden inside strings, and many
// "trailer" keywords, must not make the scan quadratic; object numbers past
// the PDF limit are not taken as headers. A quadratic scan of these 2 MB
// would take hours, so the test's own timeout is the check.
func TestReconstructHostileLayouts(t *testing.T) {
	var nested, trailers bytes.Buffer
	nested.WriteString("%PDF-1.7\n")
	trailers.WriteString("%PDF-1.7\n")
	for i := 1; nested.Len() < 2<<20; i++ {
		fmt.Fprintf(&nested, "%d 0 obj (", i)
		trailers.WriteString("trailer (")
	}
	huge := []byte("%PDF-1.7\n99999999 0 obj\n<< /Type /Catalog /Pages 99999999 0 R >>\nendobj\n")
	pki := newPKI(t, "p256")
	for _, tt := range []struct {
		name string
		data []byte
	}{{"headers in strings", nested.Bytes()}, {"trailers in strings", trailers.Bytes()}, {"object number too large", huge}} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Prepare(context.Background(), bytes.NewReader(tt.data), int64(len(tt.data)), pki.chain(), Options{})
			assertInvalidRequest(t, err, "no document catalog")
		})
	}
}

// TestHybridStreamEntriesBeatFreeTableEntries: in a hybrid file whose table
// lists the objects of object streams as free (PDF Reference 1.7 3.4.7),
// the /XRefStm entries win, as in qpdf, without any repair.
func TestHybridStreamEntriesBeatFreeTableEntries(t *testing.T) {
	data := makeHybridPDF(true)
	d, err := openDocument(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if d.repaired {
		t.Fatalf("repaired: %s", d.repairReason)
	}
	if _, pg, err := newEditor(d).page(0); err != nil || pg.get("Type") != name("Page") {
		t.Fatalf("page 1 not read through /XRefStm: %v", err)
	}
	pki := newPKI(t, "p256")
	out, _ := signBytes(t, data, pki, levelOpts(pki, LevelBB))
	pdfcheck.AssertQpdfCheck(t, out)
	pdfcheck.AssertPdfsigValid(t, pdfcheck.NSSDB(t, pki.root), out, 1)
}

// TestRepairKeepsAnInvalidEarlierSignatureInvalid: a first signature whose
// signed bytes were altered stays "Digest Mismatch" after qes repairs the
// file and signs it; the new signature is valid.
func TestRepairKeepsAnInvalidEarlierSignatureInvalid(t *testing.T) {
	pki := newPKI(t, "p256")
	nss := pdfcheck.NSSDB(t, pki.root)
	first, _ := signBytes(t, readFixture(t, "multipage.pdf"), pki, levelOpts(pki, LevelBB))
	// Alter the page text inside the first signature's range, then break
	// the chain with an appended revision whose startxref points nowhere.
	altered := bytes.Replace(first, []byte("(Test page 1)"), []byte("(Test page 7)"), 1)
	damaged := concat(altered, []byte(fmt.Sprintf("\n99 0 obj\n<< >>\nendobj\nstartxref\n%d\n%%%%EOF\n", len(altered)/3)))
	before := sigVerdicts(pdfcheck.Pdfsig(t, nss, damaged))
	if len(before) != 1 || before[0] == "Signature is Valid." {
		t.Fatalf("pdfsig on the altered file: %v", before)
	}
	out, _ := signBytes(t, damaged, pki, levelOpts(pki, LevelBB))
	pdfcheck.AssertQpdfCheck(t, out)
	after := sigVerdicts(pdfcheck.Pdfsig(t, nss, out))
	if len(after) != 2 || after[0] != before[0] || after[1] != "Signature is Valid." {
		t.Fatalf("verdicts before %v, after %v", before, after)
	}
}
