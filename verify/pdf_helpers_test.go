package verify

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/pades"
)

// padesPKI is root -> issuing CA -> signer and TSA, with an in-process TSA
// and OCSP/CRL source, so that pades writes B-T..B-LTA files here.
type padesPKI struct {
	root, ca testpki.Issuer
	signer   *x509.Certificate
	key      crypto.Signer
	tsa      *x509.Certificate
	tsaKey   crypto.Signer
}

func newPadesPKI(t testing.TB) *padesPKI {
	t.Helper()
	root := testpki.NewRoot(t, pkix.Name{CommonName: "verify test root"}, testpki.Key(t, testpki.P256))
	ca := root.SubCA(t, pkix.Name{CommonName: "verify test CA"}, testpki.Key(t, testpki.P256), true)
	p := &padesPKI{root: root, ca: ca, key: testpki.Key(t, testpki.P256), tsaKey: testpki.Key(t, testpki.P256)}
	p.signer = ca.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Erika Mustermann"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}, p.key.Public())
	p.tsa = ca.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "verify test TSA"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtraExtensions: []pkix.Extension{testpki.TimeStamping(t)}}, p.tsaKey.Public())
	return p
}

func (p *padesPKI) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root.Cert)
	return pool
}

// tsaMu serialises the test TSA: digitorus/pkcs7's BER reader, under
// timestamp.ParseResponse, writes a package variable (a data race between
// parallel tests).
var tsaMu sync.Mutex

func (p *padesPKI) Timestamp(_ context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	tsaMu.Lock()
	defer tsaMu.Unlock()
	ts := timestamp.Timestamp{HashAlgorithm: h, HashedMessage: digest, Time: time.Now().UTC(),
		Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, AddTSACertificate: true}
	resp, err := ts.CreateResponseWithOpts(p.tsa, p.tsaKey, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	parsed, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	return parsed.RawToken, nil
}

func (p *padesPKI) keyFor(issuer *x509.Certificate) crypto.Signer {
	switch {
	case issuer.Equal(p.root.Cert):
		return p.root.Key
	case issuer.Equal(p.ca.Cert):
		return p.ca.Key
	}
	return nil
}

func (p *padesPKI) OCSP(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	key := p.keyFor(issuer)
	if key == nil {
		return nil, fmt.Errorf("unknown issuer %s", issuer.Subject)
	}
	now := time.Now().UTC()
	return ocsp.CreateResponse(issuer, issuer, ocsp.Response{Status: ocsp.Good, SerialNumber: cert.SerialNumber,
		ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}, key)
}

func (p *padesPKI) CRL(_ context.Context, _, issuer *x509.Certificate) ([]byte, error) {
	key := p.keyFor(issuer)
	if key == nil {
		return nil, fmt.Errorf("unknown issuer %s", issuer.Subject)
	}
	now := time.Now().UTC()
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}, issuer, key)
}

// sign signs in with pades at level, certifying with mdp (0: approval).
func (p *padesPKI) sign(t testing.TB, in []byte, level pades.Level, mdp pades.DocMDP) []byte {
	t.Helper()
	var out bytes.Buffer
	_, err := pades.Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), p.key,
		[]*x509.Certificate{p.signer, p.ca.Cert, p.root.Cert},
		pades.Options{Level: level, Certify: mdp, Timestamper: p, Revocation: p, Time: time.Now().Add(-time.Second)})
	if err != nil {
		t.Fatalf("pades.Sign: %v", err)
	}
	return out.Bytes()
}

func fixturePDF(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "pades", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// qpdf runs qpdf with args over in and returns its output file.
func qpdf(t testing.TB, in []byte, args ...string) []byte {
	t.Helper()
	validator.Need(t, "qpdf")
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(src, in, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", append(args, src, dst)...).CombinedOutput(); err != nil {
		t.Fatalf("qpdf %v: %v\n%s", args, err, out)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pdfsigOut runs poppler's pdfsig over pdf trusting root.
func pdfsigOut(t testing.TB, root *x509.Certificate, pdf []byte) string {
	t.Helper()
	validator.Need(t, "pdfsig")
	validator.Need(t, "certutil")
	dir := t.TempDir()
	if out, err := exec.Command("certutil", "-N", "-d", "sql:"+dir, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	rootFile := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(rootFile, testpki.PEM(root), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("certutil", "-A", "-d", "sql:"+dir, "-n", "root", "-t", "C,C,C", "-a", "-i", rootFile).CombinedOutput(); err != nil {
		t.Fatalf("certutil -A: %v\n%s", err, out)
	}
	pdfFile := filepath.Join(dir, "f.pdf")
	if err := os.WriteFile(pdfFile, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+dir, pdfFile).CombinedOutput()
	return string(out)
}

// pdfWrite serialises a value this package's reader returns.
func pdfWrite(o any) string {
	switch x := o.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprint(x)
	case int64:
		return fmt.Sprint(x)
	case float64:
		return fmt.Sprintf("%g", x)
	case pdfName:
		return "/" + string(x)
	case pdfString:
		return fmt.Sprintf("<%x>", []byte(x))
	case pdfRef:
		return fmt.Sprintf("%d %d R", x.num, x.gen)
	case pdfArray:
		var parts []string
		for _, v := range x {
			parts = append(parts, pdfWrite(v))
		}
		return "[" + strings.Join(parts, " ") + "]"
	case pdfDict:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("<<")
		for _, k := range keys {
			fmt.Fprintf(&b, "/%s %s ", k, pdfWrite(x[pdfName(k)]))
		}
		b.WriteString(">>")
		return b.String()
	}
	panic(fmt.Sprintf("pdfWrite %T", o))
}

// zeroBomb is zlib data that inflates to mib MiB of zeros, made without
// compressing them (slow under -race): a 1 MiB block compressed once,
// sync-flushed so that it stands alone, repeated. It has no end, as the
// reader must stop long before.
func zeroBomb(mib int) []byte {
	var a bytes.Buffer
	w, _ := flate.NewWriter(&a, flate.BestCompression)
	w.Write(make([]byte, 1<<20))
	w.Flush()
	out := []byte{0x78, 0xda}
	for range mib {
		out = append(out, a.Bytes()...)
	}
	return out
}

func deflate(b []byte) []byte {
	var out bytes.Buffer
	w, _ := zlib.NewWriterLevel(&out, zlib.BestCompression)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// pdfUpdate is one hand-written incremental update: objects written
// plainly, objects put into one compressed object stream, and a
// cross-reference stream with a PNG Up predictor (as Acrobat and iText
// write them).
type pdfUpdate struct {
	base   *pdfDoc
	next   int
	plain  map[int][]byte // object number -> body ("<<...>>" or "<<...>>\nstream\n...\nendstream")
	inStm  map[int]string
	rootTo pdfRef // a new /Root, if set
}

func newPDFUpdate(t testing.TB, base []byte) *pdfUpdate {
	t.Helper()
	d, err := openPDF(base, newPDFBudget())
	if err != nil {
		t.Fatalf("reading the base revision: %v", err)
	}
	size, _ := d.trailer["Size"].(int64)
	return &pdfUpdate{base: d, next: int(size), plain: map[int][]byte{}, inStm: map[int]string{}}
}

func (u *pdfUpdate) alloc() int { u.next++; return u.next - 1 }

// stream writes a stream object with dict entries extra, its data
// FlateDecoded when flate.
func (u *pdfUpdate) stream(num int, extra string, data []byte, flate bool) {
	filter := ""
	if flate {
		data, filter = deflate(data), "/Filter /FlateDecode "
	}
	u.plain[num] = fmt.Appendf(nil, "<<%s%s/Length %d>>\nstream\n%s\nendstream", filter, extra, len(data), data)
}

// catalog returns the base revision's catalog (a copy) and its number.
func (u *pdfUpdate) catalog() (pdfDict, int) {
	r := u.base.trailer["Root"].(pdfRef)
	c := pdfDict{}
	for k, v := range u.base.catalog() {
		c[k] = v
	}
	return c, r.num
}

// bytes appends the update to the base revision.
func (u *pdfUpdate) bytes(t testing.TB) []byte {
	t.Helper()
	out := bytes.Clone(u.base.b)
	if !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, '\n')
	}
	type entry struct{ typ, a, b int }
	entries := map[int]entry{}
	nums := func(m map[int][]byte) []int {
		var ns []int
		for n := range m {
			ns = append(ns, n)
		}
		sort.Ints(ns)
		return ns
	}
	for _, n := range nums(u.plain) {
		entries[n] = entry{1, len(out), 0}
		out = fmt.Appendf(out, "%d 0 obj\n%s\nendobj\n", n, u.plain[n])
	}
	if len(u.inStm) > 0 {
		stm := u.alloc()
		var head, body strings.Builder
		var ns []int
		for n := range u.inStm {
			ns = append(ns, n)
		}
		sort.Ints(ns)
		for i, n := range ns {
			fmt.Fprintf(&head, "%d %d ", n, body.Len())
			body.WriteString(u.inStm[n] + "\n")
			entries[n] = entry{2, stm, i}
		}
		data := deflate([]byte(head.String() + body.String()))
		entries[stm] = entry{1, len(out), 0}
		out = fmt.Appendf(out, "%d 0 obj\n<</Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d>>\nstream\n%s\nendstream\nendobj\n", stm, len(ns), head.Len(), len(data), data)
	}
	xnum := u.alloc()
	xoff := len(out)
	entries[xnum] = entry{1, xoff, 0}
	var ns []int
	for n := range entries {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	var index []string
	var rows []byte
	prev := make([]byte, 7)
	for _, n := range ns {
		e := entries[n]
		row := []byte{byte(e.typ), byte(e.a >> 24), byte(e.a >> 16), byte(e.a >> 8), byte(e.a), byte(e.b >> 8), byte(e.b)}
		rows = append(rows, 2) // PNG Up
		for i := range row {
			rows = append(rows, row[i]-prev[i])
		}
		prev = row
		index = append(index, fmt.Sprintf("%d 1", n))
	}
	data := deflate(rows)
	root := u.base.trailer["Root"]
	if u.rootTo.num != 0 {
		root = u.rootTo
	}
	trailer := fmt.Sprintf("/Type /XRef /Size %d /Root %s /Prev %d /W [1 4 2] /Index [%s] /Filter /FlateDecode /DecodeParms <</Predictor 12 /Columns 7>>",
		u.next, pdfWrite(root), mustStartxref(t, u.base.b), strings.Join(index, " "))
	for _, k := range []pdfName{"Info", "ID"} {
		if v, ok := u.base.trailer[k]; ok {
			trailer += fmt.Sprintf(" /%s %s", k, pdfWrite(v))
		}
	}
	out = fmt.Appendf(out, "%d 0 obj\n<<%s /Length %d>>\nstream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xnum, trailer, len(data), data, xoff)
	return out
}

func mustStartxref(t testing.TB, b []byte) int {
	t.Helper()
	n, err := startxref(b)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// addDSS adds a DSS in an object stream (the catalog too) whose OCSP
// response and certificates are FlateDecoded streams, as pyHanko and
// iText write it.
func (p *padesPKI) addDSS(t testing.TB, in, ocspData []byte) []byte {
	t.Helper()
	return p.addDSSFlate(t, in, deflate(ocspData))
}

// addDSSFlate is addDSS with the OCSP stream's FlateDecode data given.
func (p *padesPKI) addDSSFlate(t testing.TB, in, ocspFlate []byte) []byte {
	t.Helper()
	u := newPDFUpdate(t, in)
	o := u.alloc()
	u.plain[o] = fmt.Appendf(nil, "<</Filter /FlateDecode /Length %d>>\nstream\n%s\nendstream", len(ocspFlate), ocspFlate)
	c1, c2 := u.alloc(), u.alloc()
	u.stream(c1, "", p.signer.Raw, true)
	u.stream(c2, "", p.ca.Cert.Raw, true)
	dss := u.alloc()
	u.inStm[dss] = fmt.Sprintf("<</Type /DSS /OCSPs [%d 0 R] /Certs [%d 0 R %d 0 R]>>", o, c1, c2)
	cat, num := u.catalog()
	cat["DSS"] = pdfRef{dss, 0}
	u.inStm[num] = pdfWrite(cat)
	return u.bytes(t)
}

func (p *padesPKI) ocspGood(t testing.TB) []byte {
	t.Helper()
	b, err := p.OCSP(context.Background(), p.signer, p.ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
