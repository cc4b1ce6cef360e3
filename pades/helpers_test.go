package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/internal/testutil/validator"
)

// testPKI is root -> issuing CA -> signer (nonRepudiation), plus a TSA
// certificate under the same issuing CA.
type testPKI struct {
	root, ca, signer, tsa             *x509.Certificate
	rootKey, caKey, signerKey, tsaKey crypto.Signer
}

var (
	pkiOnce  sync.Map // key type -> *testPKI
	testNow           = time.Now().UTC().Truncate(time.Second)
	serialNo int64    = 100
	serialMu sync.Mutex
)

func nextSerial() *big.Int {
	serialMu.Lock()
	defer serialMu.Unlock()
	serialNo++
	return big.NewInt(serialNo)
}

func newKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch kind {
	case "rsa":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	default:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issue(t testing.TB, tmpl *x509.Certificate, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newPKI builds (once per signer key kind) the test hierarchy.
func newPKI(t testing.TB, signerKind string) *testPKI {
	t.Helper()
	if v, ok := pkiOnce.Load(signerKind); ok {
		return v.(*testPKI)
	}
	p := &testPKI{rootKey: newKey(t, "p256"), caKey: newKey(t, "p256"), signerKey: newKey(t, signerKind), tsaKey: newKey(t, "p256")}
	nb, na := testNow.Add(-time.Hour), testNow.Add(24*time.Hour)
	p.root = issue(t, &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "qes test root " + signerKind, Organization: []string{"qes tests"}},
		NotBefore: nb, NotAfter: na, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, p.rootKey.Public(), p.rootKey)
	p.ca = issue(t, &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "qes test issuing CA", Organization: []string{"qes tests"}},
		NotBefore: nb, NotAfter: na, IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, p.root, p.caKey.Public(), p.rootKey)
	p.signer = issue(t, &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "Erika Mustermann", Country: []string{"DE"}},
		NotBefore: nb, NotAfter: na,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, p.ca, p.signerKey.Public(), p.caKey)
	p.tsa = issue(t, &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "qes test TSA"},
		NotBefore: nb, NotAfter: na,
		KeyUsage: x509.KeyUsageDigitalSignature,
		// RFC 3161 2.3: the timeStamping EKU must be the only one, and critical
		// (Go marks ExtKeyUsage non-critical, so it is written by hand).
		ExtraExtensions: []pkix.Extension{{
			Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true,
			Value: mustMarshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}}),
		}},
	}, p.ca, p.tsaKey.Public(), p.caKey)
	v, _ := pkiOnce.LoadOrStore(signerKind, p)
	return v.(*testPKI)
}

func (p *testPKI) chain() []*x509.Certificate { return []*x509.Certificate{p.signer, p.ca, p.root} }

// testTSA is a tiny in-process RFC 3161 TSA.
type testTSA struct {
	pki   *testPKI
	calls int
	mu    sync.Mutex
	// extraCerts pads the token to test the size limits.
	pad int
}

func (a *testTSA) Timestamp(_ context.Context, h crypto.Hash, digest []byte) ([]byte, error) {
	a.mu.Lock()
	a.calls++
	a.mu.Unlock()
	ts := timestamp.Timestamp{
		HashAlgorithm:     h,
		HashedMessage:     digest,
		Time:              time.Now().UTC(),
		Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
		AddTSACertificate: true,
		Ordering:          false,
		Qualified:         false,
	}
	if a.pad > 0 {
		ts.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 2}, Value: mustMarshal(make([]byte, a.pad))}}
	}
	resp, err := ts.CreateResponseWithOpts(a.pki.tsa, a.pki.tsaKey, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	parsed, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	return parsed.RawToken, nil
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// testRevocation answers OCSP (good) and CRL (empty) for any certificate
// issued by the test CAs.
type testRevocation struct {
	pki       *testPKI
	noOCSPFor string // subject CN that gets no OCSP response
	none      bool   // answer nothing at all
	mu        sync.Mutex
	crls      map[string][]byte // one CRL per issuer, as a real CA publishes
}

func (r *testRevocation) keyFor(issuer *x509.Certificate) crypto.Signer {
	switch {
	case issuer.Equal(r.pki.root):
		return r.pki.rootKey
	case issuer.Equal(r.pki.ca):
		return r.pki.caKey
	}
	return nil
}

func (r *testRevocation) OCSP(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if r.none || cert.Subject.CommonName == r.noOCSPFor {
		return nil, nil
	}
	key := r.keyFor(issuer)
	if key == nil {
		return nil, fmt.Errorf("unknown issuer %s", issuer.Subject)
	}
	return ocsp.CreateResponse(issuer, issuer, ocsp.Response{
		Status: ocsp.Good, SerialNumber: cert.SerialNumber,
		ThisUpdate: testNow.Add(-time.Minute), NextUpdate: testNow.Add(time.Hour),
	}, key)
}

func (r *testRevocation) CRL(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if r.none {
		return nil, nil
	}
	key := r.keyFor(issuer)
	if key == nil {
		return nil, fmt.Errorf("unknown issuer %s", issuer.Subject)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if crl, ok := r.crls[string(issuer.Raw)]; ok {
		return crl, nil
	}
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: testNow.Add(-time.Minute), NextUpdate: testNow.Add(time.Hour),
	}, issuer, key)
	if err != nil {
		return nil, err
	}
	if r.crls == nil {
		r.crls = map[string][]byte{}
	}
	r.crls[string(issuer.Raw)] = crl
	return crl, nil
}

// pdfSpec describes a generated test PDF.
type pdfSpec struct {
	pages   int
	payload int // bytes of an image stream on page 1 (0 for none)
}

// makePDF writes a small valid PDF with a classic xref table.
func makePDF(spec pdfSpec) []byte {
	if spec.pages < 1 {
		spec.pages = 1
	}
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	// 1 catalog, 2 pages, 3 font, 4 image, then page/content pairs.
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	var kids []string
	for i := 0; i < spec.pages; i++ {
		kids = append(kids, fmt.Sprintf("%d 0 R", 5+2*i))
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), spec.pages))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	side := 1
	for side*side < spec.payload {
		side++
	}
	img := make([]byte, side*side)
	for i := range img {
		img[i] = byte(i * 7)
	}
	offsets = append(offsets, b.Len())
	fmt.Fprintf(&b, "4 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n", side, side, len(img))
	b.Write(img)
	b.WriteString("\nendstream\nendobj\n")
	for i := 0; i < spec.pages; i++ {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 4 0 R >> >> /Contents %d 0 R >>", 6+2*i))
		content := fmt.Sprintf("BT /F1 24 Tf 72 760 Td (Test page %d) Tj ET", i+1)
		if i == 0 && spec.payload > 0 {
			content += " q 100 0 0 100 72 500 cm /Im1 Do Q"
		}
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<0102030405060708090a0b0c0d0e0f10> <0102030405060708090a0b0c0d0e0f10>] >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// needTool returns an external validator's path; a missing one skips the
// test, or fails it under CI=true.
func needTool(t testing.TB, name string) string {
	t.Helper()
	return validator.Need(t, name)
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func pemCerts(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

// nssDB creates an NSS database trusting root, for pdfsig.
func nssDB(t testing.TB, root *x509.Certificate) string {
	t.Helper()
	needTool(t, "certutil")
	dir := t.TempDir()
	if out, err := exec.Command("certutil", "-N", "-d", "sql:"+dir, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	rootFile := writeFile(t, dir, "root.pem", pemCerts(root))
	if out, err := exec.Command("certutil", "-A", "-d", "sql:"+dir, "-n", "qes-test-root", "-t", "C,C,C", "-a", "-i", rootFile).CombinedOutput(); err != nil {
		t.Fatalf("certutil -A: %v\n%s", err, out)
	}
	return dir
}

// runPdfsig runs pdfsig and returns its output; it fails the test only if
// pdfsig cannot run at all. The test certificates carry no AIA, so NSS has
// nowhere to send an OCSP request and the run stays offline. -no-ocsp is
// not used: in poppler 22.12 it makes every chain "Unknown issue with
// Certificate" (measured: the same file is "Trusted" without it).
func runPdfsig(t testing.TB, nss string, pdf []byte) string {
	t.Helper()
	needTool(t, "pdfsig")
	f := writeFile(t, t.TempDir(), "signed.pdf", pdf)
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nss, f).CombinedOutput()
	return string(out)
}

// assertPdfsigValid checks that pdfsig sees want signatures, all valid and
// trusted.
func assertPdfsigValid(t testing.TB, nss string, pdf []byte, want int) {
	t.Helper()
	out := runPdfsig(t, nss, pdf)
	if got := strings.Count(out, "Signature is Valid."); got != want {
		t.Fatalf("pdfsig: %d valid signatures, want %d:\n%s", got, want, out)
	}
	if got := strings.Count(out, "Certificate is Trusted."); got != want {
		t.Fatalf("pdfsig: %d trusted certificates, want %d:\n%s", got, want, out)
	}
}

func assertQpdfCheck(t testing.TB, pdf []byte) {
	t.Helper()
	needTool(t, "qpdf")
	f := writeFile(t, t.TempDir(), "check.pdf", pdf)
	out, err := exec.Command("qpdf", "--check", f).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors found") {
		t.Fatalf("qpdf --check failed: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "WARNING") {
		t.Fatalf("qpdf --check warned:\n%s", out)
	}
}
