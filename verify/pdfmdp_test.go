package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/pades"
)

// firstPage returns the first page's reference and a copy of its dictionary.
func (u *pdfUpdate) firstPage(t testing.TB) (pdfRef, pdfDict) {
	t.Helper()
	node := u.base.catalog()["Pages"]
	for i := 0; i < 8; i++ {
		d := u.base.dictOf(node)
		if d["Type"] == pdfName("Page") {
			c := pdfDict{}
			for k, v := range d {
				c[k] = v
			}
			return node.(pdfRef), c
		}
		node = u.base.arrayOf(d["Kids"])[0]
	}
	t.Fatal("no first page")
	return pdfRef{}, nil
}

// withTextField adds a text field "Name" (value "Rossi") on page 1, so
// that later revisions can fill it in.
func withTextField(t testing.TB, in []byte) []byte {
	t.Helper()
	u := newPDFUpdate(t, in)
	pageRef, page := u.firstPage(t)
	f := u.alloc()
	u.plain[f] = fmt.Appendf(nil, "<</Type /Annot /Subtype /Widget /FT /Tx /T (Name) /V (Rossi) /F 4 /Rect [50 700 250 730] /P %s>>", pdfWrite(pageRef))
	page["Annots"] = append(u.base.arrayOf(page["Annots"]), pdfRef{f, 0})
	u.plain[pageRef.num] = []byte(pdfWrite(page))
	cat, num := u.catalog()
	cat["AcroForm"] = pdfDict{"Fields": pdfArray{pdfRef{f, 0}}, "DA": pdfString("/Helv 0 Tf 0 g")}
	u.plain[num] = []byte(pdfWrite(cat))
	return u.bytes(t)
}

// fieldRef finds the field named name in the last revision.
func fieldRef(t testing.TB, u *pdfUpdate, name string) (pdfRef, pdfDict) {
	t.Helper()
	af := u.base.dictOf(u.base.catalog()["AcroForm"])
	for _, x := range u.base.arrayOf(af["Fields"]) {
		d := u.base.dictOf(x)
		if s, _ := d["T"].(pdfString); string(s) == name {
			c := pdfDict{}
			for k, v := range d {
				c[k] = v
			}
			return x.(pdfRef), c
		}
	}
	t.Fatalf("no field %q", name)
	return pdfRef{}, nil
}

// Later revisions, each a hand-written incremental update as another tool
// writes it (cross-reference stream, changed objects in an object stream).
func fillIn(t testing.TB, in []byte) []byte {
	t.Helper()
	u := newPDFUpdate(t, in)
	r, f := fieldRef(t, u, "Name")
	f["V"] = pdfString("Bianchi")
	u.inStm[r.num] = pdfWrite(f)
	return u.bytes(t)
}

func newContent(t testing.TB, in []byte) []byte {
	t.Helper()
	u := newPDFUpdate(t, in)
	pageRef, page := u.firstPage(t)
	c := u.alloc()
	u.stream(c, "", []byte("BT /F1 24 Tf 72 400 Td (Importo: 9000 euro) Tj ET"), true)
	page["Contents"] = pdfRef{c, 0}
	u.inStm[pageRef.num] = pdfWrite(page)
	return u.bytes(t)
}

func addNote(t testing.TB, in []byte) []byte {
	t.Helper()
	u := newPDFUpdate(t, in)
	pageRef, page := u.firstPage(t)
	a := u.alloc()
	u.inStm[a] = fmt.Sprintf("<</Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (ok) /P %s>>", pdfWrite(pageRef))
	page["Annots"] = append(u.base.arrayOf(page["Annots"]), pdfRef{a, 0})
	u.inStm[pageRef.num] = pdfWrite(page)
	return u.bytes(t)
}

func newMetadata(t testing.TB, in []byte) []byte {
	t.Helper()
	u := newPDFUpdate(t, in)
	m := u.alloc()
	u.stream(m, "/Type /Metadata /Subtype /XML ", []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"/>`), false)
	cat, num := u.catalog()
	cat["Metadata"] = pdfRef{m, 0}
	u.inStm[num] = pdfWrite(cat)
	return u.bytes(t)
}

// dropCertification removes /Perms and every signature field, and
// changes the page: what an attacker would do to escape the verdict.
func dropCertification(t testing.TB, in []byte) []byte {
	t.Helper()
	u := newPDFUpdate(t, in)
	cat, num := u.catalog()
	delete(cat, "Perms")
	cat["AcroForm"] = pdfDict{"Fields": pdfArray{}}
	u.inStm[num] = pdfWrite(cat)
	pageRef, page := u.firstPage(t)
	c := u.alloc()
	u.stream(c, "", []byte("BT /F1 24 Tf 72 400 Td (Importo: 9000 euro) Tj ET"), true)
	page["Contents"] = pdfRef{c, 0}
	delete(page, "Annots")
	u.inStm[pageRef.num] = pdfWrite(page)
	return u.bytes(t)
}

func addTextField(t testing.TB, in []byte) []byte {
	t.Helper()
	u := newPDFUpdate(t, in)
	pageRef, page := u.firstPage(t)
	f := u.alloc()
	u.inStm[f] = fmt.Sprintf("<</Type /Annot /Subtype /Widget /FT /Tx /T (Amount) /V (9000) /Rect [50 600 250 630] /P %s>>", pdfWrite(pageRef))
	page["Annots"] = append(u.base.arrayOf(page["Annots"]), pdfRef{f, 0})
	u.inStm[pageRef.num] = pdfWrite(page)
	cat, num := u.catalog()
	afRef, indirect := cat["AcroForm"].(pdfRef)
	af := pdfDict{}
	for k, v := range u.base.dictOf(cat["AcroForm"]) {
		af[k] = v
	}
	af["Fields"] = append(u.base.arrayOf(af["Fields"]), pdfRef{f, 0})
	if indirect {
		u.inStm[afRef.num] = pdfWrite(af)
	} else {
		cat["AcroForm"] = af
		u.inStm[num] = pdfWrite(cat)
	}
	return u.bytes(t)
}

// fieldMDPSign adds an approval signature whose /Reference locks fields
// with a FieldMDP transform (pades writes none): the signature dictionary,
// its field and widget in a hand-written update, the CMS made here over
// the ByteRange.
func fieldMDPSign(t testing.TB, p *padesPKI, in []byte, action string, fields ...string) []byte {
	t.Helper()
	u := newPDFUpdate(t, in)
	pageRef, page := u.firstPage(t)
	sig, fld := u.alloc(), u.alloc()
	var names []string
	for _, f := range fields {
		names = append(names, "("+f+")")
	}
	const hole = 8192
	u.plain[sig] = fmt.Appendf(nil, "<</Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (%s)"+
		" /Reference [<</Type /SigRef /TransformMethod /FieldMDP /TransformParams <</Type /TransformParams /Action /%s /Fields [%s] /V /1.2>>>>]"+
		" /ByteRange [0 0000000000 0000000000 0000000000] /Contents <%s>>>", time.Now().UTC().Format("D:20060102150405Z"), action, strings.Join(names, " "), strings.Repeat("0", 2*hole))
	lock := fmt.Sprintf("<</Type /SigFieldLock /Action /%s /Fields [%s]>>", action, strings.Join(names, " "))
	u.plain[fld] = fmt.Appendf(nil, "<</Type /Annot /Subtype /Widget /FT /Sig /T (Approval) /V %d 0 R /Lock %s /F 132 /Rect [0 0 0 0] /P %s>>", sig, lock, pdfWrite(pageRef))
	page["Annots"] = append(u.base.arrayOf(page["Annots"]), pdfRef{fld, 0})
	u.plain[pageRef.num] = []byte(pdfWrite(page))
	cat, num := u.catalog()
	af := u.base.dictOf(cat["AcroForm"])
	naf := pdfDict{}
	for k, v := range af {
		naf[k] = v
	}
	naf["Fields"] = append(u.base.arrayOf(af["Fields"]), pdfRef{fld, 0})
	naf["SigFlags"] = int64(3)
	cat["AcroForm"] = naf
	u.plain[num] = []byte(pdfWrite(cat))
	out := u.bytes(t)

	at := bytes.LastIndex(out, []byte("/ByteRange [0 0000000000"))
	c := bytes.Index(out[at:], []byte("/Contents <")) + at + len("/Contents ")
	end := c + 2 + 2*hole
	copy(out[at:], fmt.Sprintf("/ByteRange [0 %010d %010d %010d]", c, end, len(out)-end))
	digest := sha256.New()
	digest.Write(out[:c])
	digest.Write(out[end:])
	var attrs [][]byte
	for _, mk := range []func() ([]byte, error){
		func() ([]byte, error) { return cms.ContentTypeAttribute(oids.Data) },
		func() ([]byte, error) { return cms.MessageDigestAttribute(digest.Sum(nil)) },
		func() ([]byte, error) { return cms.SigningCertificateV2Attribute(p.signer) },
	} {
		a, err := mk()
		if err != nil {
			t.Fatal(err)
		}
		attrs = append(attrs, a)
	}
	signed := cms.NewSignedAttributes(attrs...)
	h := sha256.Sum256(signed.ToBeSigned())
	sv, err := p.key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	sd := &cms.SignedData{ContentType: oids.Data, Signer: p.signer,
		DigestAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oids.SHA256}, SignedAttrs: signed,
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oids.ECDSAWithSHA256}, Signature: sv,
		Certificates: [][]byte{p.signer.Raw, p.ca.Cert.Raw}}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	copy(out[c+1:], hex.EncodeToString(der))
	return out
}

// TestPDFDocMDP: a certification signature's P against what later
// revisions change, and FieldMDP locks of approval signatures. Certified
// files are written by qes's pades package; the later revisions by hand
// as other tools write them (cross-reference streams, object streams).
// pdfsig (poppler 22) is asked about the same files: it checks each
// signature's bytes and says nothing about what the later revisions
// change, so it calls every file below valid.
func TestPDFDocMDP(t *testing.T) {
	t.Parallel()
	p := newPadesPKI(t)
	form := withTextField(t, qpdf(t, fixturePDF(t, "multipage.pdf"), "--object-streams=generate"))
	cert := map[pades.DocMDP][]byte{}
	for _, P := range []pades.DocMDP{1, 2, 3} {
		cert[P] = p.sign(t, form, pades.LevelBT, P)
	}
	include := fieldMDPSign(t, p, form, "Include", "Name")
	exclude := fieldMDPSign(t, p, form, "Exclude", "Name")
	all := fieldMDPSign(t, p, form, "All")

	tests := []struct {
		name    string
		pdf     []byte
		sigs    int
		p       int    // the first signature's Certification
		perm    string // in its Permission
		verdict string // in its LaterChanges
		valid   bool
	}{
		{"P=1, no later revision", cert[1], 1, 1, "P=1", "no later revision", true},
		{"P=1 at B-LTA: DSS and document time-stamp", p.sign(t, form, pades.LevelBLTA, 1), 1, 1, "P=1", "change only what it permits", true},
		{"P=1, a compressed DSS added by another tool", p.addDSS(t, cert[1], p.ocspGood(t)), 1, 1, "P=1", "change only what it permits", true},
		{"P=1, page content changed", newContent(t, cert[1]), 1, 1, "P=1", "not permitted by P=1: page 1's /Contents", false},
		{"P=2, page content changed", newContent(t, cert[2]), 1, 2, "P=2", "not permitted by P=2: page 1's /Contents", false},
		{"P=3, page content changed", newContent(t, cert[3]), 1, 3, "P=3", "not permitted by P=3: page 1's /Contents", false},
		{"P=1, form filled in", fillIn(t, cert[1]), 1, 1, "P=1", `not permitted by P=1: form field "Name" filled in`, false},
		{"P=2, form filled in", fillIn(t, cert[2]), 1, 2, "P=2", "change only what it permits", true},
		{"P=2, signed again by qes", p.sign(t, cert[2], pades.LevelBT, pades.Approval), 2, 2, "P=2", "change only what it permits", true},
		{"P=2, annotation added", addNote(t, cert[2]), 1, 2, "P=2", "not permitted by P=2: an annotation added on page 1", false},
		{"P=3, annotation added", addNote(t, cert[3]), 1, 3, "P=3", "change only what it permits", true},
		{"P=1, /Perms and the fields dropped, page changed", dropCertification(t, cert[1]), 1, 1, "P=1", "the catalog's /Perms", false},
		{"P=1, XMP metadata updated", newMetadata(t, cert[1]), 1, 1, "P=1", "change only what it permits", true},
		{"P=3, a form field added", addTextField(t, cert[3]), 1, 3, "P=3", `not permitted by P=3: a new form field "Amount"`, false},
		{"P=2, filled in, then the page changed", newContent(t, fillIn(t, cert[2])), 1, 2, "P=2", "not permitted by P=2: page 1's /Contents", false},
		{"FieldMDP Include Name, Name filled in", fillIn(t, include), 1, 0, "locks fields Name", `changes a field it locks: form field "Name" filled in`, false},
		{"FieldMDP All, Name filled in", fillIn(t, all), 1, 0, "locks all fields", `changes a field it locks`, false},
		{"FieldMDP Exclude Name, Name filled in", fillIn(t, exclude), 1, 0, "locks all fields but Name", "change only what it permits", true},
		{"FieldMDP Include Name, annotation added", addNote(t, include), 1, 0, "locks fields Name", "change only what it permits", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep, err := Verify(context.Background(), tt.pdf, nil, Options{Roots: p.roots(), Intermediates: []*x509.Certificate{p.ca.Cert}})
			if err != nil {
				t.Fatal(err)
			}
			if testing.Verbose() {
				t.Log(trace(rep))
			}
			if len(rep.Signers) != tt.sigs {
				t.Fatalf("%d signatures, want %d\n%s", len(rep.Signers), tt.sigs, trace(rep))
			}
			s := rep.Signers[0]
			if s.Certification != tt.p || !strings.Contains(s.Permission, tt.perm) || !strings.Contains(s.LaterChanges, tt.verdict) {
				t.Fatalf("P=%d permission %q later %q; want P=%d %q %q\n%s", s.Certification, s.Permission, s.LaterChanges, tt.p, tt.perm, tt.verdict, trace(rep))
			}
			if rep.Valid != tt.valid {
				t.Fatalf("valid %v, want %v: %q\n%s", rep.Valid, tt.valid, rep.Problems, trace(rep))
			}
			if !tt.valid && !strings.Contains(s.Problem, tt.verdict) {
				t.Fatalf("problem %q, want it to say %q", s.Problem, tt.verdict)
			}
			out := pdfsigOut(t, p.root.Cert, tt.pdf)
			want := tt.sigs
			if strings.Contains(tt.name, "fields dropped") {
				want = 0 // pdfsig finds signatures through the AcroForm's fields
			}
			if got := strings.Count(out, "Signature is Valid."); got != want {
				t.Fatalf("pdfsig: %d valid, want %d:\n%s", got, want, out)
			}
		})
	}
}

// FuzzVerifyPDF: whole PDF checks (signatures, DSS, DocMDP and FieldMDP
// over every revision) from certified files with later revisions never
// panic, and give an input error or a report, never both.
func FuzzVerifyPDF(f *testing.F) {
	p := newPadesPKI(f)
	form := withTextField(f, fixturePDF(f, "objstm.pdf"))
	cert := p.sign(f, form, pades.LevelBB, 1)
	f.Add(newContent(f, cert))
	f.Add(fillIn(f, fieldMDPSign(f, p, form, "Include", "Name")))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Verify(context.Background(), b, nil, Options{Now: time.Unix(1e9, 0)})
		if (err == nil) == (rep == nil) {
			t.Fatalf("err %v and report %v", err, rep)
		}
	})
}
