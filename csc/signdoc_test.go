package csc_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
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

// assertSignedPDF validates a signed PDF with qpdf, pdfsig (wantSigs CMS
// signatures, valid and trusted) and openssl (every CMS over its byte
// range, every time-stamp token over what it covers).
func assertSignedPDF(t *testing.T, s *testutil.Server, pdf []byte, wantSigs int, wantTimestamps bool) {
	t.Helper()
	auth := s.App.Authorities
	testutil.AssertQpdfCheck(t, pdf)
	testutil.AssertPdfsigValid(t, testutil.NSSDB(t, auth.Root), pdf, wantSigs)
	cms := 0
	for _, sig := range testutil.Signatures(t, pdf) {
		if sig.DocTimeStamp {
			if ok, out := testutil.OpensslTSVerify(t, sig.CMS, sig.Signed, "", auth.Root, auth.IssuingChain...); !ok {
				t.Fatalf("openssl ts -verify of the document time-stamp failed:\n%s", out)
			}
			continue
		}
		cms++
		if ok, out := testutil.OpensslCMSVerify(t, sig.CMS, sig.Signed, auth.Root); !ok {
			t.Fatalf("openssl cms -verify failed:\n%s", out)
		}
		token, sigValue := testutil.SignatureTimestamp(t, sig.CMS)
		if wantTimestamps != (token != nil) {
			t.Fatalf("signature time-stamp present = %v, want %v", token != nil, wantTimestamps)
		}
		if token != nil {
			d := sha256.Sum256(sigValue)
			if ok, out := testutil.OpensslTSVerify(t, token, nil, hex.EncodeToString(d[:]), auth.Root, auth.IssuingChain...); !ok {
				t.Fatalf("openssl ts -verify of the signature time-stamp failed:\n%s", out)
			}
		}
	}
	if cms != wantSigs {
		t.Fatalf("%d CMS signatures in the file, want %d", cms, wantSigs)
	}
}

func TestSignDocPAdESLevels(t *testing.T) {
	s := testutil.StartServer(t)
	tests := []struct {
		key, level string
		timestamp  bool
	}{
		{"ec-p256", "AdES-B-B", false},
		{"ec-p256", "Ades-B-T", true},
		{"rsa-2048", "B-T", true},
	}
	for _, tt := range tests {
		t.Run(tt.key+"/"+tt.level, func(t *testing.T) {
			h := s.NewHolder(t, tt.key)
			tok := s.Login(t, "v2", h.ID, h.Password)
			algo := "1.2.840.10045.4.3.2"
			if strings.HasPrefix(tt.key, "rsa") {
				algo = "1.2.840.113549.1.1.11"
			}
			in := testutil.Fixture(t, "pades/multipage.pdf")
			out, _ := signDocPDF(t, s, tok, h, in, map[string]any{"conformance_level": tt.level, "signAlgo": algo})
			if !strings.HasPrefix(string(out), string(in)) {
				t.Fatal("the signed PDF does not start with the original bytes (not an incremental update)")
			}
			assertSignedPDF(t, s, out, 1, tt.timestamp)
		})
	}
}
