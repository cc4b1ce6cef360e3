// Package pdfcheck judges signed PDFs, CMS signatures and time-stamp
// tokens with tools nobody here wrote (pdfsig, qpdf, openssl, pdftoppm), for
// the tests of every package that produces them. It imports no qes package
// that could import it back, so pades' own tests use it too.
package pdfcheck

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/cms"
	"github.com/qesproject/qes/internal/oids"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/internal/testutil/validator"
)

// The checks below judge signed PDFs with tools nobody here wrote: pdfsig
// (poppler, NSS), qpdf and openssl. Finding signatures in a file uses a
// regular expression over /ByteRange rather than qes's PDF reader, so that
// the checks cannot share its bugs.

// NeedTool returns the path of an external validator; a missing one skips
// the test, or fails it under CI=true (see package validator).
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	return validator.Need(t, name)
}

// WriteTemp writes data to a new file in a test temporary directory.
func WriteTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// NSSDB makes an NSS database (for pdfsig -nssdir) trusting root.
func NSSDB(t testing.TB, root *x509.Certificate) string {
	t.Helper()
	NeedTool(t, "certutil")
	dir := t.TempDir()
	if out, err := exec.Command("certutil", "-N", "-d", "sql:"+dir, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	rootFile := WriteTemp(t, "root.pem", testpki.PEM(root))
	if out, err := exec.Command("certutil", "-A", "-d", "sql:"+dir, "-n", "qes test root", "-t", "C,C,C", "-a", "-i", rootFile).CombinedOutput(); err != nil {
		t.Fatalf("certutil -A: %v\n%s", err, out)
	}
	return dir
}

// Pdfsig runs pdfsig on pdf and returns its report. OCSP stays on: poppler
// 22.12 reports every chain as "Unknown issue" with -no-ocsp, and with it
// NSS asks the responder in the certificate's AIA - the test server.
func Pdfsig(t testing.TB, nssDir string, pdf []byte) string {
	t.Helper()
	NeedTool(t, "pdfsig")
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nssDir, WriteTemp(t, "signed.pdf", pdf)).CombinedOutput()
	return string(out)
}

// AssertPdfsigValid checks that pdfsig finds want signatures, every one
// valid and its certificate trusted.
func AssertPdfsigValid(t testing.TB, nssDir string, pdf []byte, want int) {
	t.Helper()
	out := Pdfsig(t, nssDir, pdf)
	if got := strings.Count(out, "Signature is Valid."); got != want {
		t.Fatalf("pdfsig: %d valid signatures, want %d:\n%s", got, want, out)
	}
	if got := strings.Count(out, "Certificate is Trusted."); got != want {
		t.Fatalf("pdfsig: %d trusted certificates, want %d:\n%s", got, want, out)
	}
}

// AssertQpdfCheck runs qpdf --check and fails on errors or warnings.
func AssertQpdfCheck(t testing.TB, pdf []byte) {
	t.Helper()
	NeedTool(t, "qpdf")
	out, err := exec.Command("qpdf", "--check", WriteTemp(t, "check.pdf", pdf)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors found") || strings.Contains(string(out), "WARNING") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

// EmbeddedSignature is one /ByteRange signature of a PDF.
type EmbeddedSignature struct {
	ByteRange [4]int64
	// CMS is /Contents without its zero padding: a CMS ContentInfo, or an
	// RFC 3161 token for a document time-stamp.
	CMS []byte
	// Signed are the bytes the byte range covers.
	Signed []byte
	// DocTimeStamp marks /SubFilter /ETSI.RFC3161.
	DocTimeStamp bool
	// Dict is the signature dictionary's text before /ByteRange.
	Dict string
}

var byteRangeRE = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)

// Signatures lists the signatures of pdf in file order.
func Signatures(t testing.TB, pdf []byte) []EmbeddedSignature {
	t.Helper()
	var out []EmbeddedSignature
	for _, m := range byteRangeRE.FindAllSubmatchIndex(pdf, -1) {
		var s EmbeddedSignature
		for i := range 4 {
			s.ByteRange[i], _ = strconv.ParseInt(string(pdf[m[2+2*i]:m[3+2*i]]), 10, 64)
		}
		a, b, c, d := s.ByteRange[0], s.ByteRange[1], s.ByteRange[2], s.ByteRange[3]
		if a != 0 || b >= c || c+d > int64(len(pdf)) || pdf[b] != '<' || pdf[c-1] != '>' {
			t.Fatalf("bad /ByteRange %v in a %d-byte file", s.ByteRange, len(pdf))
		}
		raw, err := hex.DecodeString(string(pdf[b+1 : c-1]))
		if err != nil {
			t.Fatalf("/Contents is not hex: %v", err)
		}
		var v asn1.RawValue
		if _, err := asn1.Unmarshal(raw, &v); err != nil {
			t.Fatalf("/Contents is not DER: %v", err)
		}
		s.CMS = v.FullBytes
		s.Signed = append(append([]byte(nil), pdf[:b]...), pdf[c:c+d]...)
		dictStart := bytes.LastIndex(pdf[:m[0]], []byte(" obj"))
		dictEnd := bytes.Index(pdf[m[1]:], []byte("endobj"))
		s.DocTimeStamp = bytes.Contains(pdf[dictStart:m[1]+dictEnd], []byte("/ETSI.RFC3161"))
		s.Dict = string(pdf[dictStart:m[0]])
		out = append(out, s)
	}
	return out
}

// OpensslCMSVerify verifies a detached CMS over content, trusting only
// root; it returns openssl's output.
func OpensslCMSVerify(t testing.TB, cms, content []byte, root *x509.Certificate) (bool, string) {
	t.Helper()
	NeedTool(t, "openssl")
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER",
		"-in", WriteTemp(t, "sig.der", cms), "-content", WriteTemp(t, "content.bin", content),
		"-CAfile", WriteTemp(t, "root.pem", testpki.PEM(root)), "-purpose", "any", "-out", "/dev/null").CombinedOutput()
	return err == nil && strings.Contains(string(out), "Verification successful"), string(out)
}

// OpensslTSVerify verifies an RFC 3161 token over data (or, when data is
// nil, over the given hex digest), trusting only root; untrusted are
// intermediate certificates the token may not carry.
func OpensslTSVerify(t testing.TB, token, data []byte, digestHex string, root *x509.Certificate, untrusted ...*x509.Certificate) (bool, string) {
	t.Helper()
	NeedTool(t, "openssl")
	args := []string{"ts", "-verify", "-in", WriteTemp(t, "token.der", token), "-token_in",
		"-CAfile", WriteTemp(t, "root.pem", testpki.PEM(root))}
	if len(untrusted) > 0 {
		args = append(args, "-untrusted", WriteTemp(t, "untrusted.pem", testpki.PEM(untrusted...)))
	}
	if data != nil {
		args = append(args, "-data", WriteTemp(t, "data.bin", data))
	} else {
		args = append(args, "-digest", digestHex)
	}
	out, err := exec.Command("openssl", args...).CombinedOutput()
	return err == nil && strings.Contains(string(out), "Verification: OK"), string(out)
}

// testSignerInfo and testSignedData decode a CMS independently of
// internal/cms (digitorus/pkcs7 silently drops signers when crls holds OCSP
// responses).
type testAttribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

type testSignerInfo struct {
	Version         int
	SID             asn1.RawValue
	DigestAlgorithm asn1.RawValue
	SignedAttrs     []testAttribute `asn1:"optional,tag:0"`
	SignatureAlg    asn1.RawValue
	Signature       []byte
	UnsignedAttrs   []testAttribute `asn1:"optional,tag:1"`
}

// SignedData is the part of a decoded CMS SignedData the checks look at.
type SignedData struct {
	Version      int
	Certificates asn1.RawValue // [0] IMPLICIT CertificateSet, if present
	CRLs         asn1.RawValue // [1] IMPLICIT RevocationInfoChoices, if present
}

// ParseSignedData decodes a CMS ContentInfo that must hold SignedData with
// exactly one signer, and no trailing bytes.
func ParseSignedData(t testing.TB, cms []byte) SignedData {
	t.Helper()
	sd, _ := parseSignedData(t, cms)
	return sd
}

func signer(t testing.TB, cms []byte) testSignerInfo {
	t.Helper()
	_, si := parseSignedData(t, cms)
	return si
}

func parseSignedData(t testing.TB, cms []byte) (SignedData, testSignerInfo) {
	t.Helper()
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if rest, err := asn1.Unmarshal(cms, &ci); err != nil || len(rest) > 0 {
		t.Fatalf("CMS ContentInfo: %v (%d trailing bytes)", err, len(rest))
	}
	var sd struct {
		Version          int
		DigestAlgorithms asn1.RawValue
		EncapContentInfo asn1.RawValue
		Certificates     asn1.RawValue    `asn1:"optional,tag:0"`
		CRLs             asn1.RawValue    `asn1:"optional,tag:1"`
		SignerInfos      []testSignerInfo `asn1:"set"`
	}
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) > 0 || len(sd.SignerInfos) != 1 {
		t.Fatalf("CMS SignedData: %v (%d signers)", err, len(sd.SignerInfos))
	}
	return SignedData{Version: sd.Version, Certificates: sd.Certificates, CRLs: sd.CRLs}, sd.SignerInfos[0]
}

// SignatureTimestamp returns the signature time-stamp token in a CMS
// SignedData's single signer, and that signer's signature value (which the
// token must cover), decoding the CMS independently of qes's encoder.
func SignatureTimestamp(t testing.TB, cms []byte) (token, signatureValue []byte) {
	t.Helper()
	si := signer(t, cms)
	for _, a := range si.UnsignedAttrs {
		if a.Type.Equal(oids.AttrSignatureTimeStamp) {
			return a.Values.Bytes, si.Signature
		}
	}
	return nil, si.Signature
}

// SignedAttrTypes lists the dotted types of the single signer's signed
// attributes.
func SignedAttrTypes(t testing.TB, cms []byte) []string {
	t.Helper()
	var out []string
	for _, a := range signer(t, cms).SignedAttrs {
		out = append(out, a.Type.String())
	}
	return out
}

// AssertSignedPDF validates a signed PDF with qpdf, pdfsig (wantSigs CMS
// signatures, all valid and trusted) and openssl: every CMS over its byte
// range, every signature time-stamp (present exactly when wantTimestamps)
// over the signature value, every document time-stamp over its range.
// chain holds the intermediate certificates tokens may not carry.
func AssertSignedPDF(t testing.TB, root *x509.Certificate, chain []*x509.Certificate, pdf []byte, wantSigs int, wantTimestamps bool) {
	t.Helper()
	AssertQpdfCheck(t, pdf)
	AssertPdfsigValid(t, NSSDB(t, root), pdf, wantSigs)
	cmsSigs := 0
	for _, sig := range Signatures(t, pdf) {
		if sig.DocTimeStamp {
			if ok, out := OpensslTSVerify(t, sig.CMS, sig.Signed, "", root, chain...); !ok {
				t.Fatalf("openssl ts -verify of the document time-stamp failed:\n%s", out)
			}
			continue
		}
		cmsSigs++
		if ok, out := OpensslCMSVerify(t, sig.CMS, sig.Signed, root); !ok {
			t.Fatalf("openssl cms -verify failed:\n%s", out)
		}
		token, sigValue := SignatureTimestamp(t, sig.CMS)
		if wantTimestamps != (token != nil) {
			t.Fatalf("signature time-stamp present = %v, want %v", token != nil, wantTimestamps)
		}
		if token != nil {
			tok, err := cms.ParseTimestampToken(token)
			if err != nil {
				t.Fatal(err)
			}
			h := tok.Info.Hash.New()
			h.Write(sigValue)
			if ok, out := OpensslTSVerify(t, token, nil, hex.EncodeToString(h.Sum(nil)), root, chain...); !ok {
				t.Fatalf("openssl ts -verify of the signature time-stamp failed:\n%s", out)
			}
		}
	}
	if cmsSigs != wantSigs {
		t.Fatalf("%d CMS signatures in the file, want %d", cmsSigs, wantSigs)
	}
}

// RenderPage rasterizes one page with poppler's pdftoppm (grey, 30 dpi)
// and returns the image bytes, to compare pages before and after signing.
func RenderPage(t testing.TB, pdf []byte, page int) string {
	t.Helper()
	NeedTool(t, "pdftoppm")
	p := strconv.Itoa(page)
	out, err := exec.Command("pdftoppm", "-gray", "-r", "30", "-f", p, "-l", p, WriteTemp(t, "page.pdf", pdf)).Output()
	if err != nil || len(out) == 0 {
		t.Fatalf("pdftoppm page %d: %v", page, err)
	}
	return string(out)
}

// OpensslStreamSign signs content with key and signer by openssl cms
// -sign -stream -cades, the CMS with the content inside and the chain in
// it as BER (indefinite lengths, the content in segments), as older
// Italian tools write a .p7m.
func OpensslStreamSign(t testing.TB, content []byte, signer *x509.Certificate, key crypto.Signer, chain ...*x509.Certificate) []byte {
	t.Helper()
	NeedTool(t, "openssl")
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	var certs []byte
	for _, c := range chain {
		certs = append(certs, testpki.PEM(c)...)
	}
	args := []string{"cms", "-sign", "-stream", "-binary", "-cades", "-md", "sha256", "-outform", "DER",
		"-in", WriteTemp(t, "content", content), "-signer", WriteTemp(t, "cert.pem", testpki.PEM(signer)),
		"-inkey", WriteTemp(t, "key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}))}
	if len(chain) > 0 {
		args = append(args, "-certfile", WriteTemp(t, "chain.pem", certs))
	}
	out, err := exec.Command("openssl", args...).Output()
	if err != nil {
		t.Fatalf("openssl cms -sign -stream: %v", err)
	}
	return out
}
