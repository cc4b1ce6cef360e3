package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"golang.org/x/crypto/ocsp"
)

// testPKI is root -> issuing CA -> signer (nonRepudiation), plus a TSA
// certificate under the same issuing CA.
type testPKI struct {
	root, ca, signer, tsa             *x509.Certificate
	rootKey, caKey, signerKey, tsaKey crypto.Signer
}

var (
	pkiOnce sync.Map // key type -> *testPKI
	testNow = time.Now().UTC().Truncate(time.Second)
)

// newKey maps this package's key kinds to testpki's.
func newKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	switch kind {
	case "rsa":
		return testpki.Key(t, testpki.RSA2048)
	case "p384":
		return testpki.Key(t, testpki.P384)
	}
	return testpki.Key(t, testpki.P256)
}

// newPKI builds (once per signer key kind) the test hierarchy.
func newPKI(t testing.TB, signerKind string) *testPKI {
	t.Helper()
	if v, ok := pkiOnce.Load(signerKind); ok {
		return v.(*testPKI)
	}
	root := testpki.NewRoot(t, pkix.Name{CommonName: "qes test root " + signerKind, Organization: []string{"qes tests"}}, newKey(t, "p256"))
	ca := root.SubCA(t, pkix.Name{CommonName: "qes test issuing CA", Organization: []string{"qes tests"}}, newKey(t, "p256"), true)
	p := &testPKI{root: root.Cert, ca: ca.Cert, rootKey: root.Key, caKey: ca.Key, signerKey: newKey(t, signerKind), tsaKey: newKey(t, "p256")}
	p.signer = ca.Issue(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "Erika Mustermann", Country: []string{"DE"}},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, p.signerKey.Public())
	p.tsa = ca.Issue(t, &x509.Certificate{
		Subject:         pkix.Name{CommonName: "qes test TSA"},
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{testpki.TimeStamping(t)},
	}, p.tsaKey.Public())
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
