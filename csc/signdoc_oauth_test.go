package csc_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

// TestSignDocWithCredentialToken is the EU reference client's way: the
// holder approves the document's hash in the browser (OAuth 2.0 rich
// authorization), and the credential-scope token replaces the SAD.
func TestSignDocWithCredentialToken(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	clientID, secret, err := s.App.OAuth.RegisterClient(t.Context(), "Wallet", []string{redirectURI}, false)
	if err != nil {
		t.Fatal(err)
	}
	pdf := testutil.Fixture(t, "pades/multipage.pdf")
	details, _ := json.Marshal([]map[string]any{{
		"type": "credential", "credentialID": h.CredentialID, "hashAlgorithmOID": sam.OIDSHA256,
		"documentDigests": []map[string]string{{"hash": testutil.SHA256B64(pdf), "label": "Contract"}},
	}})
	verifier, challenge := pkce(t)
	code := runBrowserFlow(t, s, h, clientID, secret, details, challenge)
	st, body := tokenCall(t, s, clientID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirectURI}})
	if st != http.StatusOK {
		t.Fatalf("token: %d %v", st, body)
	}
	credTok := body["access_token"].(string)

	doc := func(content []byte) map[string]any {
		return map[string]any{"credentialID": h.CredentialID, "documents": []any{map[string]any{
			"document": std64(content), "signature_format": "P", "conformance_level": "AdES-B-T", "signAlgo": ecdsaSHA256}}}
	}
	st, body = signDoc(t, s, credTok, doc(testutil.Fixture(t, "pades/simple.pdf")))
	if st != http.StatusBadRequest || body["error_description"] != "documentDigests or documents are not authorized by the SAD" {
		t.Fatalf("a document the holder did not approve: %d %v", st, body)
	}
	st, body = signDoc(t, s, credTok, doc(pdf))
	if st != http.StatusOK {
		t.Fatalf("signDoc with the credential token: %d %v", st, body)
	}
	assertSignedPDF(t, s, decodeDocs(t, body, "DocumentWithSignature")[0], 1, true)
	if st, body = signDoc(t, s, credTok, doc(pdf)); st == http.StatusOK {
		t.Fatalf("the credential token signed the same document twice: %v", body)
	}
	// It signs its hashes and nothing else: no time-stamps.
	st, body = s.Post(t, "/csc/v2/signatures/timestamp", credTok, map[string]any{"hash": testutil.SHA256B64(pdf), "hashAlgo": sam.OIDSHA256})
	if st != http.StatusForbidden || body["error"] != "access_denied" {
		t.Fatalf("timestamp with a credential token: %d %v, want 403 access_denied", st, body)
	}
}
