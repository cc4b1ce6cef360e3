package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/pdfcheck"
)

func signBytes(t testing.TB, in []byte, pki *testPKI, opts Options) ([]byte, *Result) {
	t.Helper()
	var out bytes.Buffer
	res, err := Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), pki.signerKey, pki.chain(), opts)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if res.Size != int64(out.Len()) {
		t.Fatalf("Result.Size = %d, wrote %d", res.Size, out.Len())
	}
	if !bytes.Equal(out.Bytes()[:len(in)], in) {
		t.Fatal("the original bytes were modified: the update must be incremental")
	}
	return out.Bytes(), res
}

func levelOpts(pki *testPKI, level Level) Options {
	return Options{
		Level:       level,
		Timestamper: &testTSA{pki: pki},
		Revocation:  &testRevocation{pki: pki},
		Reason:      "I approve this document",
		Location:    "Berlin",
	}
}

// validate runs every external validator over a signed file: qpdf for the
// structure, pdfsig for the CMS signatures and trust, openssl for each CMS
// and each time-stamp token.
func validate(t *testing.T, pki *testPKI, pdf []byte, level Level, wantCMS int) {
	t.Helper()
	pdfcheck.AssertQpdfCheck(t, pdf)
	pdfcheck.AssertPdfsigValid(t, pdfcheck.NSSDB(t, pki.root), pdf, wantCMS)
	var cms, docTS int
	for _, s := range pdfcheck.Signatures(t, pdf) {
		if s.DocTimeStamp {
			docTS++
			if ok, out := pdfcheck.OpensslTSVerify(t, s.CMS, s.Signed, "", pki.root, pki.ca); !ok {
				t.Fatalf("openssl ts -verify of the document time-stamp failed:\n%s", out)
			}
			if !strings.Contains(s.Dict, "/Type /DocTimeStamp") && !strings.Contains(s.Dict, "/Type/DocTimeStamp") {
				t.Fatalf("document time-stamp dictionary lacks /Type /DocTimeStamp: %s", s.Dict)
			}
			continue
		}
		cms++
		if ok, out := pdfcheck.OpensslCMSVerify(t, s.CMS, s.Signed, pki.root); !ok {
			t.Fatalf("openssl cms -verify failed:\n%s", out)
		}
		for _, want := range []string{"/Filter/Adobe.PPKLite", "/SubFilter/ETSI.CAdES.detached", "/M"} {
			if !strings.Contains(strings.ReplaceAll(s.Dict, " /", "/"), want) {
				t.Fatalf("signature dictionary lacks %s: %s", want, s.Dict)
			}
		}
		oids := strings.Join(pdfcheck.SignedAttrTypes(t, s.CMS), " ")
		if strings.Contains(oids, "1.2.840.113549.1.9.5") {
			t.Fatalf("PAdES signature carries a signing-time attribute: %s", oids)
		}
		for _, want := range []string{"1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4", "1.2.840.113549.1.9.16.2.47"} {
			if !strings.Contains(oids, want) {
				t.Fatalf("signed attribute %s missing: %s", want, oids)
			}
		}
		token, sigDigest := signatureTimestamp(t, s.CMS)
		if level >= LevelBT {
			if token == nil {
				t.Fatal("no signature-time-stamp attribute")
			}
			if ok, out := pdfcheck.OpensslTSVerify(t, token, nil, hex.EncodeToString(sigDigest), pki.root, pki.ca); !ok {
				t.Fatalf("openssl ts -verify of the signature time-stamp failed:\n%s", out)
			}
		}
	}
	if cms != wantCMS {
		t.Fatalf("found %d CMS signatures, want %d", cms, wantCMS)
	}
	if wantDocTS := map[bool]int{true: 1, false: 0}[level == LevelBLTA]; docTS < wantDocTS {
		t.Fatalf("found %d document time-stamps, want at least %d", docTS, wantDocTS)
	}
	if level >= LevelBLT {
		assertDSS(t, pdf, pki)
	}
}

// assertDSS checks that the DSS holds the signer chain, the TSA certificate
// and revocation data.
func assertDSS(t *testing.T, pdf []byte, pki *testPKI) {
	t.Helper()
	d, err := openDocument(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatalf("reopen signed file: %v", err)
	}
	cat, _, err := d.catalog()
	if err != nil {
		t.Fatal(err)
	}
	dss, err := d.resolveDict(cat.get("DSS"))
	if err != nil || dss == nil {
		t.Fatalf("no /DSS in the catalog (%v)", err)
	}
	streams := func(key name) [][]byte {
		arr, err := d.resolveArray(dss.get(key))
		if err != nil {
			t.Fatal(err)
		}
		var out [][]byte
		for _, r := range arr {
			v, err := d.resolve(r)
			if err != nil {
				t.Fatal(err)
			}
			st, ok := v.(*stream)
			if !ok {
				t.Fatalf("/DSS /%s entry is not a stream", key)
			}
			data, err := d.streamData(st, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, data)
		}
		return out
	}
	certs := streams("Certs")
	for _, c := range append(pki.chain(), pki.tsa) {
		found := false
		for _, raw := range certs {
			found = found || bytes.Equal(raw, c.Raw)
		}
		if !found {
			t.Fatalf("/DSS /Certs lacks %s", c.Subject)
		}
	}
	// signer, issuing CA and TSA each have an OCSP response; the root and
	// the issuing CA each publish one CRL. Re-signing adds more.
	if n := len(streams("OCSPs")); n < 3 {
		t.Fatalf("/DSS has %d OCSP responses, want >= 3", n)
	}
	if n := len(streams("CRLs")); n < 2 {
		t.Fatalf("/DSS has %d CRLs, want >= 2", n)
	}
}

func TestSignLevelsAndXrefStyles(t *testing.T) {
	pki := newPKI(t, "p256")
	for _, fixture := range []string{"simple.pdf", "objstm.pdf", "linearized.pdf"} {
		for _, level := range []Level{LevelBB, LevelBT, LevelBLT, LevelBLTA} {
			t.Run(fixture+"/"+level.String(), func(t *testing.T) {
				out, res := signBytes(t, readFixture(t, fixture), pki, levelOpts(pki, level))
				validate(t, pki, out, level, 1)
				if level >= LevelBLT && len(res.ValidationInfo.Certificates) < 4 {
					t.Fatalf("ValidationInfo has %d certificates, want the chain and the TSA", len(res.ValidationInfo.Certificates))
				}
				if level < LevelBLT && len(res.ValidationInfo.Certificates) != 0 {
					t.Fatal("ValidationInfo filled below B-LT")
				}
			})
		}
	}
}

func TestSignKeyTypesAndHashes(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		hash   crypto.Hash
		scheme SignatureScheme
		pdfsig bool // NSS in pdfsig 22.12 verifies this algorithm
	}{
		{"ECDSA P-256 SHA-256", "p256", crypto.SHA256, PKCS1v15, true},
		{"ECDSA P-384 SHA-384", "p384", crypto.SHA384, PKCS1v15, true},
		{"ECDSA P-256 SHA-512", "p256", crypto.SHA512, PKCS1v15, true},
		{"RSA PKCS#1 v1.5 SHA-256", "rsa", crypto.SHA256, PKCS1v15, true},
		{"RSA PKCS#1 v1.5 SHA-384", "rsa", crypto.SHA384, PKCS1v15, true},
		{"RSA-PSS SHA-256", "rsa", crypto.SHA256, PSS, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pki := newPKI(t, tt.key)
			opts := levelOpts(pki, LevelBT)
			opts.Hash, opts.Scheme = tt.hash, tt.scheme
			out, _ := signBytes(t, readFixture(t, "simple.pdf"), pki, opts)
			validate(t, pki, out, LevelBT, 1)
		})
	}
}

func TestTamperedSignatureIsRejected(t *testing.T) {
	pki := newPKI(t, "p256")
	out, _ := signBytes(t, readFixture(t, "simple.pdf"), pki, levelOpts(pki, LevelBB))
	// Change one byte inside the page content ("Test page 1" -> "Test page 2"),
	// which lies in the signed range.
	i := bytes.Index(out, []byte("Test page 1"))
	if i < 0 {
		t.Fatal("page text not found")
	}
	tampered := append([]byte(nil), out...)
	tampered[i+10] = '2'
	pdfsigOut := pdfcheck.Pdfsig(t, pdfcheck.NSSDB(t, pki.root), tampered)
	if strings.Contains(pdfsigOut, "Signature is Valid.") || !strings.Contains(pdfsigOut, "Signature Validation:") {
		t.Fatalf("pdfsig accepted a tampered file:\n%s", pdfsigOut)
	}
	sigs := pdfcheck.Signatures(t, tampered)
	if ok, _ := pdfcheck.OpensslCMSVerify(t, sigs[0].CMS, sigs[0].Signed, pki.root); ok {
		t.Fatal("openssl accepted a tampered byte range")
	}
}

func TestSignAlreadySignedDocument(t *testing.T) {
	pki := newPKI(t, "p256")
	for _, fixture := range []string{"multipage.pdf", "objstm.pdf"} {
		t.Run(fixture, func(t *testing.T) {
			first, _ := signBytes(t, readFixture(t, fixture), pki, levelOpts(pki, LevelBLTA))
			second, res := signBytes(t, first, pki, levelOpts(pki, LevelBLT))
			if res.FieldName != "Signature3" {
				t.Fatalf("new field is %q, want Signature3 (after Signature1 and the time-stamp's Signature2)", res.FieldName)
			}
			validate(t, pki, second, LevelBLT, 2)
			third, _ := signBytes(t, second, pki, Options{Appearance: &Appearance{Page: 3, Rect: [4]float64{300, 40, 560, 100}}})
			validate(t, pki, third, LevelBB, 3)
		})
	}
}

func TestVisibleSignatureOnPage2(t *testing.T) {
	pki := newPKI(t, "rsa")
	opts := levelOpts(pki, LevelBB)
	opts.Appearance = &Appearance{Page: 2, Rect: [4]float64{72, 72, 322, 142}}
	opts.Name = "Erika Mustermann (Zeichnungsberechtigte)"
	out, _ := signBytes(t, readFixture(t, "multipage.pdf"), pki, opts)
	validate(t, pki, out, LevelBB, 1)

	d, err := openDocument(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	ed := newEditor(d)
	for page, wantAnnots := range map[int64]int{0: 0, 1: 1, 2: 0} {
		_, pd, err := ed.page(page)
		if err != nil {
			t.Fatal(err)
		}
		annots, _ := ed.resolveArray(pd.get("Annots"))
		if len(annots) != wantAnnots {
			t.Fatalf("page %d has %d annotations, want %d", page+1, len(annots), wantAnnots)
		}
		if wantAnnots == 0 {
			continue
		}
		w, _ := ed.resolveDict(annots[0])
		rect, _ := w.get("Rect").(array)
		if len(rect) != 4 || rect[0] != int64(72) || rect[3] != int64(142) {
			t.Fatalf("widget rectangle %v, want [72 72 322 142]", rect)
		}
		ap, _ := ed.resolveDict(w.get("AP"))
		apStream, _ := ed.resolve(ap.get("N"))
		st, ok := apStream.(*stream)
		if !ok {
			t.Fatal("widget has no appearance stream")
		}
		content, _ := d.streamData(st, 1<<20)
		if !bytes.Contains(content, []byte("Digitally signed by Erika Mustermann")) || !bytes.Contains(content, []byte("Reason: I approve")) {
			t.Fatalf("appearance text missing: %s", content)
		}
	}
	assertRendersInk(t, out, 2, [4]float64{72, 72, 322, 142})
}

func TestCertificationAndApproval(t *testing.T) {
	pki := newPKI(t, "p256")
	in := readFixture(t, "simple.pdf")
	tests := []struct {
		name      string
		certify   DocMDP
		secondErr bool // a second signature must be refused
	}{
		{"approval", Approval, false},
		{"certify P=1", CertifyNoChanges, true},
		{"certify P=2", CertifyFormFilling, false},
		{"certify P=3", CertifyAnnotations, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := levelOpts(pki, LevelBB)
			opts.Certify = tt.certify
			out, _ := signBytes(t, in, pki, opts)
			validate(t, pki, out, LevelBB, 1)
			sig := pdfcheck.Signatures(t, out)[0]
			hasDocMDP := strings.Contains(sig.Dict, "/DocMDP")
			if hasDocMDP != (tt.certify != Approval) {
				t.Fatalf("DocMDP reference present = %v for %s: %s", hasDocMDP, tt.name, sig.Dict)
			}
			d, _ := openDocument(bytes.NewReader(out), int64(len(out)))
			cat, _, _ := d.catalog()
			if (cat.get("Perms") != nil) != (tt.certify != Approval) {
				t.Fatalf("/Perms in catalog = %v for %s", cat.get("Perms") != nil, tt.name)
			}
			var buf bytes.Buffer
			_, err := Sign(context.Background(), &buf, bytes.NewReader(out), int64(len(out)), pki.signerKey, pki.chain(), Options{})
			if tt.secondErr != (err != nil) {
				t.Fatalf("second signature error = %v, want error: %v", err, tt.secondErr)
			}
			if err == nil {
				validate(t, pki, buf.Bytes(), LevelBB, 2)
			}
			_, err = Sign(context.Background(), &buf, bytes.NewReader(out), int64(len(out)), pki.signerKey, pki.chain(), Options{Certify: CertifyFormFilling})
			if err == nil {
				t.Fatal("a certification signature on a signed document must be refused")
			}
		})
	}
}

// TestTwoPhaseSignsOnce simulates a remote signHash: the digest leaves the
// package, the signer signs it once, Finish embeds the value.
func TestTwoPhaseSignsOnce(t *testing.T) {
	for _, kind := range []string{"p256", "rsa"} {
		t.Run(kind, func(t *testing.T) {
			pki := newPKI(t, kind)
			in := readFixture(t, "objstm.pdf")
			p, err := Prepare(context.Background(), bytes.NewReader(in), int64(len(in)), pki.chain(), levelOpts(pki, LevelBLTA))
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Digest()) != 32 || len(p.DocumentDigest()) != 32 {
				t.Fatal("digests must be SHA-256")
			}
			var sig []byte
			switch k := pki.signerKey.(type) {
			case *ecdsa.PrivateKey:
				// Raw r||s, as some remote APIs return: Finish must convert it.
				r, s, err := ecdsa.Sign(rand.Reader, k, p.Digest())
				if err != nil {
					t.Fatal(err)
				}
				sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
			case *rsa.PrivateKey:
				if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, p.Digest()); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			if _, err := p.Finish(context.Background(), &out, sig); err != nil {
				t.Fatal(err)
			}
			validate(t, pki, out.Bytes(), LevelBLTA, 1)
			oid, _ := p.SignatureAlgorithm()
			if oid == nil {
				t.Fatal("no signature algorithm")
			}
		})
	}
}

// countingSigner counts how often it is asked to sign.
type countingSigner struct {
	crypto.Signer
	calls int
}

func (c *countingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	c.calls++
	return c.Signer.Sign(r, digest, opts)
}

func TestOversizedTimestampFailsWithoutSigningTwice(t *testing.T) {
	pki := newPKI(t, "p256")
	in := readFixture(t, "simple.pdf")
	signer := &countingSigner{Signer: pki.signerKey}
	opts := levelOpts(pki, LevelBT)
	opts.TimestampSize = 3000
	opts.Timestamper = &testTSA{pki: pki, pad: 6000}
	var out bytes.Buffer
	_, err := Sign(context.Background(), &out, bytes.NewReader(in), int64(len(in)), signer, pki.chain(), opts)
	if err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Fatalf("want a does-not-fit error, got %v", err)
	}
	if signer.calls != 1 {
		t.Fatalf("signer called %d times, want exactly 1", signer.calls)
	}
}

func TestFinishRejectsWrongSignature(t *testing.T) {
	pki := newPKI(t, "p256")
	in := readFixture(t, "simple.pdf")
	p, err := Prepare(context.Background(), bytes.NewReader(in), int64(len(in)), pki.chain(), Options{Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	other := newKey(t, "p256")
	sig, _ := other.Sign(rand.Reader, p.Digest(), crypto.SHA256)
	_, err = p.Finish(context.Background(), &bytes.Buffer{}, sig)
	assertInvalidRequest(t, err, "does not verify")
}
