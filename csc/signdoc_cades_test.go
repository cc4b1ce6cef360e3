package csc_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/heapprobe"
	"github.com/qesproject/qes/internal/testutil/testpki"
)

// The CMS is decoded here with encoding/asn1, independently of
// internal/cms, so that these tests check qes's encoder rather than
// agree with it.
type cadesAttr struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

type cadesSignerInfo struct {
	Raw             asn1.RawContent
	Version         asn1.RawValue
	SID             asn1.RawValue
	DigestAlgorithm asn1.RawValue
	SignedAttrs     asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlg    asn1.RawValue
	Signature       asn1.RawValue
	UnsignedAttrs   []cadesAttr `asn1:"optional,tag:1"`
}

type cadesSignedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"optional,explicit,tag:0"`
	}
	Certificates asn1.RawValue     `asn1:"optional,tag:0"`
	CRLs         asn1.RawValue     `asn1:"optional,tag:1"`
	SignerInfos  []cadesSignerInfo `asn1:"set"`
}

func parseCAdES(t *testing.T, der []byte) cadesSignedData {
	t.Helper()
	return parseCAdESSigners(t, der, 1)
}

// parseCAdESSigners decodes a ContentInfo with SignedData of n signers.
func parseCAdESSigners(t *testing.T, der []byte, n int) cadesSignedData {
	t.Helper()
	var ci struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) > 0 {
		t.Fatalf("ContentInfo: %v (%d trailing bytes)", err, len(rest))
	}
	var sd cadesSignedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) > 0 || len(sd.SignerInfos) != n {
		t.Fatalf("SignedData: %v (%d signers, want %d)", err, len(sd.SignerInfos), n)
	}
	return sd
}

func (si cadesSignerInfo) unsigned(oid string) []byte {
	for _, a := range si.UnsignedAttrs {
		if a.Type.String() == oid {
			return a.Values.Bytes
		}
	}
	return nil
}

const (
	oidSignatureTimeStamp = "1.2.840.113549.1.9.16.2.14"
	oidArchiveTimeStampV3 = "0.4.0.1733.2.4"
	oidATSHashIndexV3     = "0.4.0.19122.1.5"
)

// archiveImprint recomputes the archive-time-stamp-v3 message imprint of
// EN 319 122-1 5.5.3 from the signature as it was before the archive
// time-stamp was added, with the ATSHashIndexV3 found in the token.
func archiveImprint(t *testing.T, sd cadesSignedData, si cadesSignerInfo, content, token []byte) []byte {
	t.Helper()
	var tok struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(token, &tok); err != nil {
		t.Fatal(err)
	}
	var tsd cadesSignedData
	if _, err := asn1.Unmarshal(tok.Content.Bytes, &tsd); err != nil || len(tsd.SignerInfos) != 1 {
		t.Fatalf("archive time-stamp token: %v", err)
	}
	index := tsd.SignerInfos[0].unsigned(oidATSHashIndexV3)
	if index == nil {
		t.Fatal("the archive time-stamp token has no ats-hash-index-v3 unsigned attribute")
	}
	ctype, _ := asn1.Marshal(sd.EncapContentInfo.ContentType)
	contentDigest := sha256.Sum256(content)
	h := sha256.New()
	h.Write(ctype)
	h.Write(contentDigest[:])
	for _, f := range []asn1.RawValue{si.Version, si.SID, si.DigestAlgorithm, si.SignedAttrs, si.SignatureAlg, si.Signature} {
		h.Write(f.FullBytes)
	}
	h.Write(index)
	return h.Sum(nil)
}

// opensslCMSVerifyAttached verifies an enveloping CMS (.p7m) trusting
// only root and returns the content openssl extracts.
func opensslCMSVerifyAttached(t *testing.T, p7m []byte, root []byte) ([]byte, string) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "content")
	res, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER",
		"-in", testutil.WriteTemp(t, "sig.p7m", p7m), "-CAfile", testutil.WriteTemp(t, "ca.pem", root),
		"-purpose", "any", "-out", out).CombinedOutput()
	if err != nil || !strings.Contains(string(res), "Verification successful") {
		return nil, string(res)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return got, string(res)
}

func TestSignDocCAdESDocuments(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	auth := s.App.Authorities
	rootPEM := testutil.PEM(auth.Root)
	// Any file: a text with a NUL and bytes that are not UTF-8, and a PDF
	// (CAdES of a PDF is legal too).
	text := append([]byte("Contratto di fornitura\r\n\x00\xff\xfe"), bytes.Repeat([]byte("riga di testo\n"), 500)...)
	pdf := testutil.Fixture(t, "pades/simple.pdf")
	tests := []struct {
		name, level, envelope string
		content               []byte
		timestamp, lt, lta    bool
	}{
		{"B-B attached", "Ades-B-B", "Attached", text, false, false, false},
		{"B-B default envelope is attached", "", "", text, false, false, false},
		{"B-B detached", "AdES-B-B", "Detached", text, false, false, false},
		{"B-T attached", "Ades-B-T", "Attached", text, true, false, false},
		{"B-T detached", "Ades-B-T", "Detached", pdf, true, false, false},
		{"B-LT attached", "Ades-B-LT", "Attached", pdf, true, true, false},
		{"B-LT detached", "Ades-B-LT", "Detached", text, true, true, false},
		{"B-LTA attached", "Ades-B-LTA", "Attached", text, true, true, true},
		{"B-LTA detached", "CAdES-B-LTA", "Detached", pdf, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := signOneDoc(t, s, tok, h, tt.content, "C", tt.level, tt.envelope, nil)
			var der []byte
			if tt.envelope == "Detached" {
				sigs := decodeDocs(t, body, "SignatureObject")
				if len(sigs) != 1 || body["DocumentWithSignature"] != nil {
					t.Fatalf("a detached signature comes back as one SignatureObject: %v", body)
				}
				der = sigs[0]
				if ok, out := testutil.OpensslCMSVerify(t, der, tt.content, auth.Root); !ok {
					t.Fatalf("openssl cms -verify -content of the .p7s:\n%s", out)
				}
			} else {
				docs := decodeDocs(t, body, "DocumentWithSignature")
				if len(docs) != 1 || body["SignatureObject"] != nil {
					t.Fatalf("an attached signature comes back as one DocumentWithSignature: %v", body)
				}
				der = docs[0]
				got, out := opensslCMSVerifyAttached(t, der, rootPEM)
				if !bytes.Equal(got, tt.content) {
					t.Fatalf("openssl cms -verify of the .p7m (content back: %d bytes of %d):\n%s", len(got), len(tt.content), out)
				}
			}
			assertStrictDER(t, der)
			sd := parseCAdES(t, der)
			si := sd.SignerInfos[0]
			if attached := len(sd.EncapContentInfo.Content.Bytes) > 0; attached != (tt.envelope != "Detached") {
				t.Fatalf("encapsulated content present = %v for %q", attached, tt.envelope)
			}

			sigTS := si.unsigned(oidSignatureTimeStamp)
			if (sigTS != nil) != tt.timestamp {
				t.Fatalf("signature time-stamp present = %v, want %v", sigTS != nil, tt.timestamp)
			}
			if sigTS != nil {
				if ok, out := testutil.OpensslTSVerify(t, sigTS, si.Signature.Bytes, "", auth.Root, auth.IssuingChain...); !ok {
					t.Fatalf("openssl ts -verify of the signature time-stamp over the signature value:\n%s", out)
				}
			}
			// B-LT: certificate and revocation values in the SignedData,
			// OCSP as RFC 5940 other revocation info (SignedData v5).
			if hasRevs := len(sd.CRLs.Bytes) > 0; hasRevs != tt.lt {
				t.Fatalf("revocation values present = %v, want %v", hasRevs, tt.lt)
			}
			if tt.lt {
				if sd.Version != 5 || !bytes.Contains(sd.Certificates.Bytes, auth.TSACert.Raw) || !bytes.Contains(sd.Certificates.Bytes, auth.Root.Raw) {
					t.Fatalf("B-LT SignedData: version %d, TSA certificate and root present = %v, %v", sd.Version,
						bytes.Contains(sd.Certificates.Bytes, auth.TSACert.Raw), bytes.Contains(sd.Certificates.Bytes, auth.Root.Raw))
				}
			}

			ats := si.unsigned(oidArchiveTimeStampV3)
			if (ats != nil) != tt.lta {
				t.Fatalf("archive time-stamp present = %v, want %v", ats != nil, tt.lta)
			}
			printed, err := exec.Command("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", testutil.WriteTemp(t, "sig.der", der)).CombinedOutput()
			if err != nil {
				t.Fatalf("openssl cms -cmsout -print: %v\n%s", err, printed)
			}
			if strings.Contains(string(printed), oidArchiveTimeStampV3) != tt.lta {
				t.Fatalf("openssl cms -print shows the archive time-stamp attribute %s = %v, want %v", oidArchiveTimeStampV3, !tt.lta, tt.lta)
			}
			if ats != nil {
				imprint := archiveImprint(t, sd, si, tt.content, ats)
				if ok, out := testutil.OpensslTSVerify(t, ats, nil, hex.EncodeToString(imprint), auth.Root, auth.IssuingChain...); !ok {
					t.Fatalf("openssl ts -verify of the archive time-stamp against the EN 319 122-1 imprint:\n%s", out)
				}
			}
		})
	}
}

// assertStrictDER walks der and fails on anything DER forbids that BER
// allows: indefinite lengths, lengths in more octets than needed,
// constructed OCTET STRINGs, trailing bytes.
func assertStrictDER(t *testing.T, der []byte) {
	t.Helper()
	if err := testutil.StrictDER(der); err != nil {
		t.Fatalf("not DER: %v", err)
	}
}

// TestSignDocP7mMemory signs a 30 MB file as CAdES attached through the
// real server and bounds what the request allocates, client and server
// together (one process): the decoded document once, buffers, and no
// second copy of it for the .p7m (the answer streams the CMS in parts
// around the caller's bytes). A copy would add another 30 MB.
func TestSignDocP7mMemory(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	const size = 30_000_000
	file := bytes.Repeat([]byte("p7m memory test line\n"), size/21+1)[:size]
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(file))
	head := `{"credentialID":"` + h.CredentialID + `","SAD":"` + sad +
		`","documents":[{"signature_format":"C","signed_envelope_property":"Attached","signAlgo":"` + ecdsaSHA256 + `","document":"`
	body := []byte(head + base64.StdEncoding.EncodeToString(file) + `"}]}`)

	var status int
	var answered int64
	peak, allocated := heapprobe.Measure(func() {
		req, err := http.NewRequest(http.MethodPost, s.URL+"/csc/v2/signatures/signDoc", bytes.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		status = resp.StatusCode
		answered, _ = io.Copy(io.Discard, resp.Body)
	})
	t.Logf("%d-byte file: HTTP %d, %d bytes answered; heap peak growth %.1f MiB (sampled), %.1f MiB allocated (client and server)",
		size, status, answered, float64(peak)/(1<<20), float64(allocated)/(1<<20))
	if status != http.StatusOK || answered < size*4/3 {
		t.Fatalf("HTTP %d with %d bytes", status, answered)
	}
	// One decoded copy plus buffers (measured: 31 MiB in all for this
	// 28.6 MiB file). Under -race the same request is counted twice as
	// large (58 MiB measured; see signdoc_alloc_test.go); a second copy
	// of the file breaks either bound.
	limit := uint64(size + 12<<20)
	if raceEnabled {
		limit = uint64(2*size + 12<<20)
	}
	if allocated > limit {
		t.Errorf("the request allocated %.1f MiB for a %.1f MiB file, want at most %.1f MiB (no second copy)",
			float64(allocated)/(1<<20), float64(size)/(1<<20), float64(limit)/(1<<20))
	}
}

// TestSignDocCAdESParallel: a second holder adds a signer to a .p7m the
// first one made (signed_envelope_property Parallel). openssl verifies
// every signer of the result against the root and gives the file back;
// the first SignerInfo is carried byte for byte, so it stays valid.
func TestSignDocCAdESParallel(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	auth := s.App.Authorities
	first, second := s.NewHolder(t, "ec-p256"), s.NewHolder(t, "rsa-2048")
	firstTok, secondTok := s.Login(t, "v2", first.ID, first.Password), s.Login(t, "v2", second.ID, second.Password)
	file := []byte("Verbale dell'assemblea: firmano il presidente e il segretario.\n")

	sign := func(t *testing.T, h testutil.Holder, tok string, doc []byte, algo, level, envelope string) []byte {
		t.Helper()
		sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(doc))
		st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{map[string]any{
			"document": std64(doc), "signature_format": "C", "signAlgo": algo, "conformance_level": level, "signed_envelope_property": envelope}}})
		if st != http.StatusOK {
			t.Fatalf("signDoc %s: %d %v", envelope, st, body)
		}
		docs := decodeDocs(t, body, "DocumentWithSignature")
		if len(docs) != 1 {
			t.Fatalf("%d documents back", len(docs))
		}
		return docs[0]
	}
	const rsaSHA256 = "1.2.840.113549.1.1.11"
	// Another tool's .p7m: openssl cms -sign -cades, by a signer under a
	// root of its own, which the final check trusts too.
	otherKey := testpki.Key(t, testpki.P256)
	otherRoot := testpki.NewRoot(t, pkix.Name{CommonName: "another CA"}, testpki.Key(t, testpki.P256))
	otherCert := otherRoot.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Anna Bianchi"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}, otherKey.Public())
	keyDER, err := x509.MarshalPKCS8PrivateKey(otherKey)
	if err != nil {
		t.Fatal(err)
	}
	opensslP7m := func(t *testing.T) []byte {
		t.Helper()
		out := filepath.Join(t.TempDir(), "openssl.p7m")
		res, err := exec.Command("openssl", "cms", "-sign", "-binary", "-nodetach", "-cades", "-md", "sha256", "-outform", "DER",
			"-in", testutil.WriteTemp(t, "file", file), "-signer", testutil.WriteTemp(t, "signer.pem", testutil.PEM(otherCert)),
			"-inkey", testutil.WriteTemp(t, "key.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
			"-out", out).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl cms -sign: %v\n%s", err, res)
		}
		p7m, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return p7m
	}
	tests := []struct {
		name, firstLevel, level string
		byOpenSSL               bool
		timestamp, lta          bool
	}{
		{"B-B on B-B", "Ades-B-B", "Ades-B-B", false, false, false},
		{"B-T on B-LT", "Ades-B-LT", "Ades-B-T", false, true, false},
		{"B-LTA on B-T", "Ades-B-T", "Ades-B-LTA", false, true, true},
		{"B-T on openssl's .p7m", "", "Ades-B-T", true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p7m []byte
			if tt.byOpenSSL {
				p7m = opensslP7m(t)
			} else {
				p7m = sign(t, first, firstTok, file, ecdsaSHA256, tt.firstLevel, "Attached")
			}
			before := parseCAdES(t, p7m).SignerInfos[0]
			both := sign(t, second, secondTok, p7m, rsaSHA256, tt.level, "Parallel")

			got, out := opensslCMSVerifyAttached(t, both, testutil.PEM(auth.Root, otherRoot.Cert))
			if !bytes.Equal(got, file) {
				t.Fatalf("openssl cms -verify of the .p7m with two signers:\n%s", out)
			}
			assertStrictDER(t, both)
			sd := parseCAdESSigners(t, both, 2)
			var kept, added *cadesSignerInfo
			for i := range sd.SignerInfos {
				if bytes.Equal(sd.SignerInfos[i].Raw, before.Raw) {
					kept = &sd.SignerInfos[i]
				} else {
					added = &sd.SignerInfos[i]
				}
			}
			if kept == nil || added == nil {
				t.Fatal("the first signer's SignerInfo is not carried unchanged beside a new one")
			}
			sigTS := added.unsigned(oidSignatureTimeStamp)
			if (sigTS != nil) != tt.timestamp {
				t.Fatalf("signature time-stamp of the new signer present = %v", sigTS != nil)
			}
			if sigTS != nil {
				if ok, out := testutil.OpensslTSVerify(t, sigTS, added.Signature.Bytes, "", auth.Root, auth.IssuingChain...); !ok {
					t.Fatalf("openssl ts -verify of the new signer's time-stamp:\n%s", out)
				}
			}
			if ats := added.unsigned(oidArchiveTimeStampV3); (ats != nil) != tt.lta {
				t.Fatalf("archive time-stamp present = %v", ats != nil)
			} else if ats != nil {
				imprint := archiveImprint(t, sd, *added, file, ats)
				if ok, out := testutil.OpensslTSVerify(t, ats, nil, hex.EncodeToString(imprint), auth.Root, auth.IssuingChain...); !ok {
					t.Fatalf("openssl ts -verify of the new signer's archive time-stamp:\n%s", out)
				}
			}
		})
	}
}

// TestSignDocCAdESCountersignature: a second holder countersigns the one
// signer of a .p7m (qes's Countersignature envelope property). openssl
// still verifies the file's signer and content (the countersignature sits
// in unsigned attributes); OpenSSL 3.0 does not verify countersignatures,
// so the countersignature is checked here with crypto/x509, decoded with
// encoding/asn1: message-digest over the countersigned signature value,
// no content-type, a signature by a certificate that chains to the root,
// and its time-stamp by openssl ts -verify.
func TestSignDocCAdESCountersignature(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	auth := s.App.Authorities
	first, second := s.NewHolder(t, "ec-p256"), s.NewHolder(t, "rsa-2048")
	firstTok, secondTok := s.Login(t, "v2", first.ID, first.Password), s.Login(t, "v2", second.ID, second.Password)
	file := []byte("Contratto: firma il cliente, controfirma l'agente.\n")
	const rsaSHA256 = "1.2.840.113549.1.1.11"
	sign := func(t *testing.T, h testutil.Holder, tok string, doc []byte, algo, level, envelope string) (int, map[string]any) {
		t.Helper()
		sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(doc))
		return signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{map[string]any{
			"document": std64(doc), "signature_format": "C", "signAlgo": algo, "conformance_level": level, "signed_envelope_property": envelope}}})
	}
	signed := func(t *testing.T, h testutil.Holder, tok string, doc []byte, algo, level, envelope string) []byte {
		t.Helper()
		st, body := sign(t, h, tok, doc, algo, level, envelope)
		if st != http.StatusOK {
			t.Fatalf("signDoc: %d %v", st, body)
		}
		return decodeDocs(t, body, "DocumentWithSignature")[0]
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(auth.Root)
	for _, c := range auth.IssuingChain {
		inter.AddCert(c)
	}

	for _, tt := range []struct {
		name, level string
		timestamp   bool
	}{{"B-B", "Ades-B-B", false}, {"B-T", "Ades-B-T", true}, {"B-LT", "Ades-B-LT", true}} {
		t.Run(tt.name, func(t *testing.T) {
			p7m := signed(t, first, firstTok, file, ecdsaSHA256, "Ades-B-B", "Attached")
			target := parseCAdES(t, p7m).SignerInfos[0]
			out := signed(t, second, secondTok, p7m, rsaSHA256, tt.level, "Countersignature")

			got, res := opensslCMSVerifyAttached(t, out, testutil.PEM(auth.Root))
			if !bytes.Equal(got, file) {
				t.Fatalf("openssl cms -verify of the countersigned .p7m:\n%s", res)
			}
			assertStrictDER(t, out)
			sd := parseCAdES(t, out)
			si := sd.SignerInfos[0]
			for _, f := range [][2]asn1.RawValue{{si.SID, target.SID}, {si.SignedAttrs, target.SignedAttrs}, {si.Signature, target.Signature}} {
				if !bytes.Equal(f[0].FullBytes, f[1].FullBytes) {
					t.Fatal("the countersigned signer's signed fields changed")
				}
			}
			raw := si.unsigned("1.2.840.113549.1.9.6")
			if raw == nil {
				t.Fatal("no countersignature attribute on the signer")
			}
			var cs cadesSignerInfo
			if rest, err := asn1.Unmarshal(raw, &cs); err != nil || len(rest) > 0 {
				t.Fatalf("countersignature SignerInfo: %v", err)
			}
			var attrs []cadesAttr
			if _, err := asn1.UnmarshalWithParams(cs.SignedAttrs.FullBytes, &attrs, "set,tag:0"); err != nil {
				t.Fatalf("countersignature signed attributes: %v", err)
			}
			want := sha256.Sum256(target.Signature.Bytes)
			var digestOK bool
			for _, a := range attrs {
				switch a.Type.String() {
				case "1.2.840.113549.1.9.3":
					t.Fatal("the countersignature has a content-type attribute, which RFC 5652 11.4 forbids")
				case "1.2.840.113549.1.9.4":
					var md []byte
					_, err := asn1.Unmarshal(a.Values.Bytes, &md)
					digestOK = err == nil && bytes.Equal(md, want[:])
				}
			}
			if !digestOK {
				t.Fatal("the countersignature's message-digest is not the SHA-256 of the countersigned signature value")
			}
			var sid struct {
				Issuer asn1.RawValue
				Serial *big.Int
			}
			if _, err := asn1.Unmarshal(cs.SID.FullBytes, &sid); err != nil {
				t.Fatal(err)
			}
			var signer *x509.Certificate
			for rest := sd.Certificates.Bytes; len(rest) > 0; {
				var c asn1.RawValue
				rest, _ = asn1.Unmarshal(rest, &c)
				if cert, err := x509.ParseCertificate(c.FullBytes); err == nil && bytes.Equal(cert.RawIssuer, sid.Issuer.FullBytes) && cert.SerialNumber.Cmp(sid.Serial) == 0 {
					signer = cert
				}
			}
			if signer == nil {
				t.Fatal("the countersigner's certificate is not in the SignedData")
			}
			if _, err := signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				t.Fatalf("the countersigner's certificate does not chain to the root: %v", err)
			}
			tbs := append([]byte{0x31}, cs.SignedAttrs.FullBytes[1:]...) // signed as a SET OF, carried as [0]
			if err := signer.CheckSignature(x509.SHA256WithRSA, tbs, cs.Signature.Bytes); err != nil {
				t.Fatalf("the countersignature does not verify: %v", err)
			}
			ts := cs.unsigned(oidSignatureTimeStamp)
			if (ts != nil) != tt.timestamp {
				t.Fatalf("countersignature time-stamp present = %v", ts != nil)
			}
			if ts != nil {
				if ok, res := testutil.OpensslTSVerify(t, ts, cs.Signature.Bytes, "", auth.Root, auth.IssuingChain...); !ok {
					t.Fatalf("openssl ts -verify of the countersignature's time-stamp:\n%s", res)
				}
			}
			printed, err := exec.Command("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", testutil.WriteTemp(t, "cs.der", out)).CombinedOutput()
			if err != nil || !strings.Contains(string(printed), "countersignature") {
				t.Fatalf("openssl cms -print does not show the countersignature: %v", err)
			}
		})
	}

	t.Run("refused", func(t *testing.T) {
		one := signed(t, first, firstTok, file, ecdsaSHA256, "Ades-B-B", "Attached")
		two := signed(t, second, secondTok, one, rsaSHA256, "Ades-B-B", "Parallel")
		for _, c := range []struct {
			name, level string
			doc         []byte
			want        string
		}{
			{"two signers", "Ades-B-B", two, "documents[0]: the signed file has 2 signers"},
			{"B-LTA", "Ades-B-LTA", one, "documents[0]: a countersignature is made up to B-LT"},
			{"not a .p7m", "Ades-B-B", file, "documents[0]: the document is not a signed file"},
		} {
			st, body := sign(t, second, secondTok, c.doc, rsaSHA256, c.level, "Countersignature")
			desc, _ := body["error_description"].(string)
			if st != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.Contains(desc, c.want) {
				t.Fatalf("%s: got %d %v, want 400 invalid_request %q", c.name, st, body, c.want)
			}
		}
	})
}
