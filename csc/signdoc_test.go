package csc_test

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/pades"
)

// signDocPDF signs pdf through signatures/signDoc with a fresh SAD and
// returns the signed document (the test fails on any error).
func signDocPDF(t *testing.T, s *testutil.Server, tok string, h testutil.Holder, pdf []byte, doc map[string]any) ([]byte, map[string]any) {
	t.Helper()
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(pdf))
	doc["document"] = base64.StdEncoding.EncodeToString(pdf)
	if _, ok := doc["signature_format"]; !ok {
		doc["signature_format"] = "P"
	}
	st, body := s.Post(t, "/csc/v2/signatures/signDoc", tok, map[string]any{
		"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc}, "returnValidationInfo": true,
	})
	if st != http.StatusOK {
		t.Fatalf("signDoc: %d %v", st, body)
	}
	docs, _ := body["DocumentWithSignature"].([]any)
	if len(docs) != 1 {
		t.Fatalf("signDoc answered %d documents: %v", len(docs), body)
	}
	out, err := base64.StdEncoding.DecodeString(docs[0].(string))
	if err != nil {
		t.Fatal(err)
	}
	return out, body
}

func assertSignedPDF(t *testing.T, s *testutil.Server, pdf []byte, wantSigs int, wantTimestamps bool) {
	t.Helper()
	testutil.AssertSignedPDF(t, s.App.Authorities.Root, s.App.Authorities.IssuingChain, pdf, wantSigs, wantTimestamps)
}

func TestSignDocPAdESLevels(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	tests := []struct {
		key, level string
		timestamp  bool
	}{
		{"ec-p256", "AdES-B-B", false},
		{"ec-p256", "Ades-B-T", true},
		{"rsa-2048", "B-T", true},
		{"ec-p256", "AdES-B-LT", true},
		{"ec-p384", "Ades-B-LTA", true},
		{"rsa-2048", "LTA", true},
	}
	for _, tt := range tests {
		t.Run(tt.key+"/"+tt.level, func(t *testing.T) {
			h := s.NewHolder(t, tt.key)
			tok := s.Login(t, "v2", h.ID, h.Password)
			algo := map[string]string{"ec-p256": ecdsaSHA256, "ec-p384": "1.2.840.10045.4.3.3", "rsa-2048": "1.2.840.113549.1.1.11"}[tt.key]
			in := testutil.Fixture(t, "pades/multipage.pdf")
			out, body := signDocPDF(t, s, tok, h, in, map[string]any{"conformance_level": tt.level, "signAlgo": algo})
			if !strings.HasPrefix(string(out), string(in)) {
				t.Fatal("the signed PDF does not start with the original bytes (not an incremental update)")
			}
			assertSignedPDF(t, s, out, 1, tt.timestamp)
			level, _ := pades.ParseLevel(tt.level)
			tail := string(out[len(in):])
			if hasDSS := strings.Contains(tail, "/DSS"); hasDSS != (level >= pades.LevelBLT) {
				t.Fatalf("DSS present = %v at %s", hasDSS, level)
			}
			if docTS := strings.Contains(tail, "/DocTimeStamp"); docTS != (level == pades.LevelBLTA) {
				t.Fatalf("document time-stamp present = %v at %s", docTS, level)
			}
			// returnValidationInfo: the chain with OCSP for the signer and the
			// TSA (from B-T on) and the root's CRL for the issuing CA.
			vi := body["validationInfo"].(map[string]any)
			ocsps, crls, certs := vi["ocsp"].([]any), vi["crl"].([]any), vi["certificates"].([]any)
			wantOCSP := 1
			if level >= pades.LevelBT {
				wantOCSP = 2
			}
			if len(ocsps) != wantOCSP || len(crls) < 1 || len(certs) < 3 {
				t.Fatalf("validationInfo has %d OCSP, %d CRL, %d certificates; want %d OCSP, CRLs and the chain", len(ocsps), len(crls), len(certs), wantOCSP)
			}
		})
	}
}

// signDoc posts a signDoc body and returns the answer.
func signDoc(t *testing.T, s *testutil.Server, tok string, body map[string]any) (int, map[string]any) {
	t.Helper()
	return s.Post(t, "/csc/v2/signatures/signDoc", tok, body)
}

func std64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// signOneDoc authorizes content alone and signs it through signDoc with
// ECDSA as the given format, level and envelope ("" leaves the parameter
// out) plus extra parameters, and returns the answer of a 200.
func signOneDoc(t *testing.T, s *testutil.Server, tok string, h testutil.Holder, content []byte, format, level, envelope string, extra map[string]any) map[string]any {
	t.Helper()
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(content))
	doc := map[string]any{"document": std64(content), "signature_format": format, "signAlgo": ecdsaSHA256}
	if level != "" {
		doc["conformance_level"] = level
	}
	if envelope != "" {
		doc["signed_envelope_property"] = envelope
	}
	maps.Copy(doc, extra)
	st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc}})
	if st != http.StatusOK {
		t.Fatalf("signDoc: %d %v", st, body)
	}
	return body
}

func decodeDocs(t *testing.T, body map[string]any, key string) [][]byte {
	t.Helper()
	items, _ := body[key].([]any)
	out := make([][]byte, len(items))
	for i, it := range items {
		var err error
		if out[i], err = base64.StdEncoding.DecodeString(it.(string)); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestSignDocBatchResignAndCertify(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	a, b := testutil.Fixture(t, "pades/multipage.pdf"), testutil.Fixture(t, "pades/objstm.pdf")

	// Two documents, one authorization, one request.
	sad := s.Authorize(t, tok, h, 2, testutil.SHA256B64(a), testutil.SHA256B64(b))
	st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{
		map[string]any{"document": std64(a), "signature_format": "P", "signAlgo": ecdsaSHA256, "signed_envelope_property": "Certification"},
		map[string]any{"document": std64(b), "signature_format": "P", "signAlgo": ecdsaSHA256, "conformance_level": "Ades-B-T"},
	}})
	if st != http.StatusOK {
		t.Fatalf("signDoc: %d %v", st, body)
	}
	docs := decodeDocs(t, body, "DocumentWithSignature")
	if len(docs) != 2 {
		t.Fatalf("%d documents back, want 2", len(docs))
	}
	assertSignedPDF(t, s, docs[0], 1, false)
	assertSignedPDF(t, s, docs[1], 1, true)
	if !strings.Contains(string(docs[0][len(a):]), "/DocMDP") {
		t.Fatal("signed_envelope_property Certification did not make a certification signature")
	}

	// The certified document (P=2) takes an approval signature, and the
	// first signature stays valid.
	twice, _ := signDocPDF(t, s, tok, h, docs[0], map[string]any{"signAlgo": ecdsaSHA256, "signed_envelope_property": "Revision",
		"signed_props": []any{map[string]any{"attribute_name": "Reason", "attribute_value": std64([]byte("Approvato"))}}})
	assertSignedPDF(t, s, twice, 2, false)
	if !strings.Contains(string(twice[len(docs[0]):]), "(Approvato)") {
		t.Fatal("the Reason signed property is not in the signature dictionary")
	}
}

func TestSignDocVisibleSignature(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "pdftoppm")
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	in := testutil.Fixture(t, "pades/multipage.pdf")
	out, _ := signDocPDF(t, s, tok, h, in, map[string]any{"signAlgo": ecdsaSHA256,
		"qes_appearance": map[string]any{"page": 2, "rect": []float64{300, 100, 560, 170}, "lines": []string{"Firmato da Mario Rossi"}}})
	assertSignedPDF(t, s, out, 1, false)
	if testutil.RenderPage(t, in, 2) == testutil.RenderPage(t, out, 2) {
		t.Fatal("page 2 looks the same after a visible signature")
	}
	if testutil.RenderPage(t, in, 1) != testutil.RenderPage(t, out, 1) {
		t.Fatal("page 1 changed although the signature is on page 2")
	}
}

func TestSignDocTamperedByteIsDetected(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	in := testutil.Fixture(t, "pades/simple.pdf")
	out, _ := signDocPDF(t, s, tok, h, in, map[string]any{"signAlgo": ecdsaSHA256, "conformance_level": "AdES-B-T"})
	sig := testutil.Signatures(t, out)[0]
	for _, pos := range []int64{10, sig.ByteRange[2] + 5} { // in the original, in the update
		tampered := append([]byte(nil), out...)
		tampered[pos] ^= 0x01
		report := testutil.Pdfsig(t, testutil.NSSDB(t, s.App.Authorities.Root), tampered)
		if strings.Contains(report, "Signature is Valid.") {
			t.Fatalf("pdfsig accepts a file with byte %d flipped:\n%s", pos, report)
		}
		got := testutil.Signatures(t, tampered)[0]
		if ok, _ := testutil.OpensslCMSVerify(t, got.CMS, got.Signed, s.App.Authorities.Root); ok {
			t.Fatalf("openssl accepts a file with byte %d flipped", pos)
		}
	}
}

func TestSignDocBadDocumentsKeepTheSAD(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	good := testutil.Fixture(t, "pades/simple.pdf")
	// A broken table alone is repaired now (issue 12); with no catalog to
	// find either, the document is still refused, naming the broken xref.
	brokenXref := []byte(strings.Replace(strings.Replace(string(good), "xref\n0 ", "xrof\n0 ", 1), "/Type /Catalog /Pages", "/Type /Katalog /Pagez", 1))
	tests := []struct {
		name string
		doc  []byte
		want string
	}{
		{"not a PDF", []byte("this is a text file, not a PDF\n"), `Invalid parameter signature_format in documents[0]: the file is not a PDF, which PAdES needs; sign it as CAdES ("C")`},
		{"encrypted", testutil.Fixture(t, "pades/encrypted.pdf"), "encrypted"},
		{"truncated", good[:len(good)/2], "truncated"},
		{"empty", []byte{}, "empty"},
		{"broken xref", brokenXref, "xref"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The SAD covers the bad document and a good one: the refusal
			// must not use it up.
			sad := s.Authorize(t, tok, h, 2, testutil.SHA256B64(tt.doc), testutil.SHA256B64(good))
			st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad,
				"documents": []any{map[string]any{"document": std64(tt.doc), "signature_format": "P", "signAlgo": ecdsaSHA256}}})
			desc, _ := body["error_description"].(string)
			if st != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.Contains(desc, tt.want) || !strings.Contains(desc, "documents[0]") {
				t.Fatalf("got %d %v, want 400 invalid_request naming documents[0] and %q", st, body, tt.want)
			}
			st, body = signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad,
				"documents": []any{map[string]any{"document": std64(good), "signature_format": "P", "signAlgo": ecdsaSHA256}}})
			if st != http.StatusOK {
				t.Fatalf("the SAD was used up by a refused document: %d %v", st, body)
			}
		})
	}
}

func TestSignDocRequestErrors(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	other := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	pdf := testutil.Fixture(t, "pades/simple.pdf")
	doc := func(extra map[string]any) map[string]any {
		d := map[string]any{"document": std64(pdf), "signature_format": "P", "signAlgo": ecdsaSHA256}
		for k, v := range extra {
			d[k] = v
		}
		return d
	}
	digest := sha256Sum(pdf)
	tests := []struct {
		name string
		body func(sad string) map[string]any
		want string
	}{
		{"bad base64", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"document": "%%%"})}}
		}, "Invalid Base64 documents string parameter"},
		{"unknown level", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"conformance_level": "AdES-B-X"})}}
		}, "Invalid parameter conformance_level"},
		{"XAdES of a PDF", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"signature_format": "X"})}}
		}, "documents[0]: the document is a PDF, not XML"},
		{"unknown format", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"signature_format": "Z"})}}
		}, "Invalid parameter signature_format"},
		{"no format", func(sad string) map[string]any {
			d := doc(nil)
			delete(d, "signature_format")
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{d}}
		}, "Missing (or invalid type) string parameter signature_format"},
		{"no signAlgo", func(sad string) map[string]any {
			d := doc(nil)
			delete(d, "signAlgo")
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{d}}
		}, "Missing (or invalid type) string parameter signAlgo"},
		{"RSA algorithm for an EC key", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"signAlgo": "1.2.840.113549.1.1.11"})}}
		}, "Invalid parameter signAlgo"},
		{"bad envelope property", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"signed_envelope_property": "Enveloped"})}}
		}, "Invalid parameter signed_envelope_property"},
		{"unknown signed property", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{
				"signed_props": []any{map[string]any{"attribute_name": "content-hints", "attribute_value": "AA=="}}})}}
		}, "Invalid parameter signed_props (content-hints)"},
		{"page out of range", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{
				"qes_appearance": map[string]any{"page": 9, "rect": []float64{0, 0, 100, 50}}})}}
		}, "page 9 does not exist"},
		{"neither documents nor digests", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad}
		}, "Empty documentDigests and documents objects"},
		{"both documents and digests", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(nil)},
				"documentDigests": []any{map[string]any{"hashes": []string{std64(digest)}, "signature_format": "C", "signAlgo": ecdsaSHA256}}}
		}, "Both documentDigests and documents parameters passed"},
		{"document not authorized", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"document": std64(testutil.Fixture(t, "pades/multipage.pdf"))})}}
		}, "documentDigests or documents are not authorized by the SAD"},
		{"PAdES on a digest", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad,
				"documentDigests": []any{map[string]any{"hashes": []string{std64(digest)}, "signature_format": "P", "signAlgo": ecdsaSHA256}}}
		}, "Invalid parameter signature_format"},
		{"digest algorithm contradicts signAlgo", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documentDigests": []any{map[string]any{"hashes": []string{std64(digest)},
				"hashAlgorithmOID": "2.16.840.1.101.3.4.2.3", "signature_format": "C", "signAlgo": ecdsaSHA256}}}
		}, "hashAlgorithmOID contradicts with signAlgo"},
		{"empty CAdES document", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"document": "", "signature_format": "C"})}}
		}, "Invalid parameter document in documents[0]: the document is empty"},
		{"CAdES envelope property", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"signature_format": "C", "signed_envelope_property": "Certification"})}}
		}, "CAdES allows Attached, Detached, Parallel or Countersignature"},
		{"parallel signature on a file that is not a .p7m", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"signature_format": "C", "signed_envelope_property": "Parallel"})}}
		}, "documents[0]: the document is not a signed file qes can add a parallel signature to"},
		{"CAdES with signed_props", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"signature_format": "C",
				"signed_props": []any{map[string]any{"attribute_name": "Reason", "attribute_value": std64([]byte("ok"))}}})}}
		}, "Invalid parameter signed_props in documents[0]: only PAdES"},
		{"CAdES with an appearance", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(map[string]any{"signature_format": "C",
				"qes_appearance": map[string]any{"page": 1, "rect": []float64{0, 0, 100, 50}}})}}
		}, "Invalid parameter qes_appearance in documents[0]: only PAdES"},
		{"CAdES attached", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documentDigests": []any{map[string]any{"hashes": []string{std64(digest)},
				"signature_format": "C", "signed_envelope_property": "Attached", "signAlgo": ecdsaSHA256}}}
		}, "can only be Detached"},
		{"asynchronous", func(sad string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "SAD": sad, "operationMode": "A", "documents": []any{doc(nil)}}
		}, "Invalid parameter operationMode"},
		{"someone else's credential", func(sad string) map[string]any {
			return map[string]any{"credentialID": other.CredentialID, "SAD": sad, "documents": []any{doc(nil)}}
		}, "Invalid parameter credentialID"},
		{"no SAD", func(string) map[string]any {
			return map[string]any{"credentialID": h.CredentialID, "documents": []any{doc(nil)}}
		}, "Missing (or invalid type) string parameter SAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(pdf))
			st, body := signDoc(t, s, tok, tt.body(sad))
			desc, _ := body["error_description"].(string)
			if st != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.Contains(desc, tt.want) {
				t.Fatalf("got %d %v, want 400 invalid_request mentioning %q", st, body, tt.want)
			}
		})
	}

	t.Run("a SAD signs once", func(t *testing.T) {
		sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(pdf))
		body := map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{doc(nil)}}
		if st, resp := signDoc(t, s, tok, body); st != http.StatusOK || resp["validationInfo"] != nil {
			t.Fatalf("first use: %d %v (validationInfo only when asked for)", st, resp)
		}
		if st, resp := signDoc(t, s, tok, body); st != http.StatusBadRequest || resp["error_description"] != "Invalid parameter SAD" {
			t.Fatalf("second use: %d %v, want 400 Invalid parameter SAD", st, resp)
		}
	})
	t.Run("body limit", func(t *testing.T) {
		st, resp := s.Post(t, "/csc/v2/signatures/signDoc", tok, `{"documents":[{"document":"`+strings.Repeat("A", 65<<20)+`"}]}`)
		if st != http.StatusBadRequest || !strings.Contains(resp["error_description"].(string), "larger than") {
			t.Fatalf("a 65 MiB body: %d %v", st, resp)
		}
	})
}

func sha256Sum(b []byte) []byte {
	d := sha256.Sum256(b)
	return d[:]
}

func TestSignDocCAdESOnDigests(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	content := []byte("a contract that never leaves the client, only its digest\n")
	d256 := sha256Sum(content)
	d384 := sha512.Sum384(content)
	tests := []struct {
		name, level, signAlgo, hashOID string
		digest                         []byte
		timestamp                      bool
	}{
		{"B-B", "Ades-B-B", ecdsaSHA256, "", d256, false},
		{"B-T", "AdES-B-T", ecdsaSHA256, "2.16.840.1.101.3.4.2.1", d256, true},
		{"B-B SHA-384", "", "1.2.840.10045.4.3.3", "", d384[:], false},
		{"B-T bare key algorithm", "Ades-T", "1.2.840.10045.2.1", "2.16.840.1.101.3.4.2.1", d256, true},
		{"B-LT", "Ades-B-LT", ecdsaSHA256, "", d256, true},
		{"B-LTA", "Ades-B-LTA", ecdsaSHA256, "", d256, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sad := s.Authorize(t, tok, h, 1, std64(tt.digest))
			set := map[string]any{"hashes": []string{std64(tt.digest)}, "signature_format": "C", "signAlgo": tt.signAlgo,
				"signed_envelope_property": "Detached"}
			if tt.level != "" {
				set["conformance_level"] = tt.level
			}
			if tt.hashOID != "" {
				set["hashAlgorithmOID"] = tt.hashOID
			}
			st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad,
				"documentDigests": []any{set}, "returnValidationInformation": true})
			if st != http.StatusOK {
				t.Fatalf("signDoc: %d %v", st, body)
			}
			sigs := decodeDocs(t, body, "SignatureObject")
			if len(sigs) != 1 || body["DocumentWithSignature"] != nil {
				t.Fatalf("want one SignatureObject and no DocumentWithSignature: %v", body)
			}
			auth := s.App.Authorities
			if ok, out := testutil.OpensslCMSVerify(t, sigs[0], content, auth.Root); !ok {
				t.Fatalf("openssl cms -verify of the CAdES signature over the original content:\n%s", out)
			}
			token, sigValue := testutil.SignatureTimestamp(t, sigs[0])
			if (token != nil) != tt.timestamp {
				t.Fatalf("signature time-stamp present = %v, want %v", token != nil, tt.timestamp)
			}
			if token != nil {
				if ok, out := testutil.OpensslTSVerify(t, token, sigValue, "", auth.Root, auth.IssuingChain...); !ok {
					t.Fatalf("openssl ts -verify:\n%s", out)
				}
			}
			assertStrictDER(t, sigs[0])
			sd := parseCAdES(t, sigs[0])
			ats := sd.SignerInfos[0].unsigned(oidArchiveTimeStampV3)
			if (ats != nil) != (tt.level == "Ades-B-LTA") {
				t.Fatalf("archive time-stamp present = %v at %s", ats != nil, tt.level)
			}
			if ats != nil {
				imprint := archiveImprint(t, sd, sd.SignerInfos[0], content, ats)
				if ok, out := testutil.OpensslTSVerify(t, ats, nil, hex.EncodeToString(imprint), auth.Root, auth.IssuingChain...); !ok {
					t.Fatalf("openssl ts -verify of the archive time-stamp:\n%s", out)
				}
			}
			vi, _ := body["validationInfo"].(map[string]any)
			certs, _ := vi["certificates"].([]any)
			if len(certs) < 3 {
				t.Fatalf("validationInfo = %v, want at least the signer chain", vi)
			}
		})
	}
}
