package csc_test

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/qesproject/qes/internal/testutil"
)

// TestOAuthFlowWithGolangOAuth2Client drives the credential flow with
// golang.org/x/oauth2 as the outside client (discovery, PKCE S256, RFC 9396
// authorization_details, client_secret_basic as that library encodes it),
// checks the RFC 9207 iss parameter on the code and on an error response,
// and signs with the credential-scoped token: the authorized hash signs, any
// other is refused.
func TestOAuthFlowWithGolangOAuth2Client(t *testing.T) {
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	clientID, secret, err := s.App.OAuth.RegisterClient(t.Context(), "x/oauth2 app", []string{redirectURI}, false)
	if err != nil {
		t.Fatal(err)
	}

	resp, raw := s.Get(t, "/.well-known/oauth-authorization-server")
	var meta struct {
		Issuer                string `json:"issuer"`
		AuthorizationEndpoint string `json:"authorization_endpoint"`
		TokenEndpoint         string `json:"token_endpoint"`
		IssParameter          bool   `json:"authorization_response_iss_parameter_supported"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &meta) != nil || meta.Issuer == "" || !meta.IssParameter {
		t.Fatalf("metadata: %d %s", resp.StatusCode, raw)
	}
	// The endpoints are reached through this test server's address.
	local := func(u string) string { return s.URL + strings.TrimPrefix(u, meta.Issuer) }
	conf := &oauth2.Config{
		ClientID: clientID, ClientSecret: secret, RedirectURL: redirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: local(meta.AuthorizationEndpoint), TokenURL: local(meta.TokenEndpoint), AuthStyle: oauth2.AuthStyleInHeader},
	}

	hashes, _ := randomHashes(t, crypto.SHA256, 1)
	details, _ := json.Marshal([]map[string]any{{
		"type": "credential", "credentialID": h.CredentialID, "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
		"documentDigests": []map[string]string{{"hash": hashes[0], "label": "Invoice"}},
	}})
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("authorization_details", string(details)))

	b := newBrowser(t)
	st, page, _ := b.get(authURL)
	if st != http.StatusOK {
		t.Fatalf("authorize: %d %s", st, page)
	}
	txn := txnRE.FindStringSubmatch(page)[1]
	b.post(s.URL+"/oauth2/authorize", url.Values{"txn": {txn}, "step": {"login"}, "user": {h.ID}, "password": {h.Password}})
	st, _, loc := b.post(s.URL+"/oauth2/authorize", url.Values{"txn": {txn}, "step": {"approve"}, "pin": {h.PIN}, "otp": {s.LastCode(t, h.Phone)}})
	cb, err := url.Parse(loc)
	if st != http.StatusFound || err != nil {
		t.Fatalf("approve: %d %q", st, loc)
	}
	if got := cb.Query().Get("iss"); got != meta.Issuer {
		t.Errorf("the code response names issuer %q, want %q (RFC 9207)", got, meta.Issuer)
	}
	if cb.Query().Get("state") != "st-1" {
		t.Errorf("state lost: %s", loc)
	}

	tok, err := conf.Exchange(t.Context(), cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("x/oauth2 Exchange: %v", err)
	}
	sign := func(hash string) (int, map[string]any) {
		return s.Post(t, "/csc/v2/signatures/signHash", tok.AccessToken, map[string]any{"credentialID": h.CredentialID, "hashes": []string{hash},
			"hashAlgorithmOID": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.10045.4.3.2", "operationMode": "S"})
	}
	if st, body := sign(base64.StdEncoding.EncodeToString(make([]byte, 32))); st != http.StatusBadRequest {
		t.Errorf("a hash the holder did not approve: %d %v", st, body)
	}
	if st, body := sign(hashes[0]); st != http.StatusOK || len(body["signatures"].([]any)) != 1 {
		t.Fatalf("signHash with the credential token: %d %v", st, body)
	}

	// An error response carries iss too: the user cancels.
	st, page, _ = b.get(conf.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("scope", "service")))
	if st != http.StatusOK {
		t.Fatalf("authorize: %d", st)
	}
	txn = txnRE.FindStringSubmatch(page)[1]
	_, _, loc = b.post(s.URL+"/oauth2/authorize", url.Values{"txn": {txn}, "step": {"deny"}})
	cb, _ = url.Parse(loc)
	if cb.Query().Get("error") != "access_denied" || cb.Query().Get("iss") != meta.Issuer {
		t.Errorf("cancel: %s", loc)
	}
}
