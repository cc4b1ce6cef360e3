package csc_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

const redirectURI = "https://app.example.org/callback"

// browser follows the user's side of the authorization code flow: a cookie
// jar, forms, and redirects to the client noted rather than followed.
type browser struct {
	t      *testing.T
	client *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (int, string, string) {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		b.t.Fatalf("%s %s: %d %s", req.Method, req.URL, resp.StatusCode, body)
	}
	return resp.StatusCode, string(body), resp.Header.Get("Location")
}

func (b *browser) get(u string) (int, string, string) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) (int, string, string) {
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var txnRE = regexp.MustCompile(`name="txn" value="([^"]+)"`)

func pkce(t *testing.T) (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func tokenCall(t *testing.T, s *testutil.Server, clientID, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	return testutil.Do(t, req)
}

// The EU reference client's flow: PAR with rich authorization details,
// login + PIN + OTP in the browser, code + PKCE for a credential-scope token,
// then signHash without a SAD.
func TestOAuthCredentialFlowLikeEUReferenceClient(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	clientID, secret, err := s.App.OAuth.RegisterClient(t.Context(), "EU Wallet", []string{redirectURI}, false)
	if err != nil {
		t.Fatal(err)
	}
	hashes, raw := randomHashes(t, crypto.SHA256, 2)
	details, _ := json.Marshal([]map[string]any{{
		"type": "credential", "credentialID": h.CredentialID, "hashAlgorithmOID": sam.OIDSHA256,
		"documentDigests": []map[string]string{{"hash": hashes[0], "label": "Contract"}, {"hash": hashes[1], "label": "Terms"}},
	}})
	verifier, challenge := pkce(t)

	// PAR (client-authenticated).
	par := url.Values{"response_type": {"code"}, "redirect_uri": {redirectURI}, "code_challenge": {challenge},
		"code_challenge_method": {"S256"}, "state": {"xyz"}, "authorization_details": {string(details)}}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/oauth2/pushed_authorize", strings.NewReader(par.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	st, body := testutil.Do(t, req)
	if st != 201 || body["request_uri"] == nil {
		t.Fatalf("PAR: %d %v", st, body)
	}

	b := newBrowser(t)
	st, page, _ := b.get(s.URL + "/oauth2/authorize?client_id=" + clientID + "&request_uri=" + url.QueryEscape(body["request_uri"].(string)))
	if st != 200 || !strings.Contains(page, "EU Wallet") || !strings.Contains(page, "Contract") {
		t.Fatalf("authorize page: %d %s", st, page)
	}
	txn := txnRE.FindStringSubmatch(page)[1]
	// A wrong password keeps the user on the login page.
	st, page, _ = b.post(s.URL+"/oauth2/authorize", url.Values{"txn": {txn}, "step": {"login"}, "user": {h.ID}, "password": {"Wrong-Pass1!"}})
	if st != 200 || !strings.Contains(page, "wrong") {
		t.Fatalf("wrong password: %d %s", st, page)
	}
	st, page, _ = b.post(s.URL+"/oauth2/authorize", url.Values{"txn": {txn}, "step": {"login"}, "user": {h.ID}, "password": {h.Password}})
	if st != 200 || !strings.Contains(page, `name="otp"`) {
		t.Fatalf("approve page: %d %s", st, page)
	}
	// A form posted without the browser's cookie is refused (CSRF).
	other := newBrowser(t)
	if st, _, _ := other.post(s.URL+"/oauth2/authorize", url.Values{"txn": {txn}, "step": {"approve"}, "pin": {h.PIN}, "otp": {s.LastCode(t, h.Phone)}}); st != 400 {
		t.Fatalf("approve from another browser: %d", st)
	}
	st, _, loc := b.post(s.URL+"/oauth2/authorize", url.Values{"txn": {txn}, "step": {"approve"}, "pin": {h.PIN}, "otp": {s.LastCode(t, h.Phone)}})
	if st != 302 || !strings.HasPrefix(loc, redirectURI+"?") {
		t.Fatalf("approve: %d %s", st, loc)
	}
	cb, _ := url.Parse(loc)
	code := cb.Query().Get("code")
	if cb.Query().Get("state") != "xyz" || code == "" {
		t.Fatalf("callback %s", loc)
	}

	// PKCE: the wrong verifier burns the code.
	st, body = tokenCall(t, s, clientID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {strings.Repeat("a", 43)}, "redirect_uri": {redirectURI}})
	wantError(t, st, body, 400, "invalid_grant", "code_verifier does not match the code_challenge")
	st, body = tokenCall(t, s, clientID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirectURI}})
	wantError(t, st, body, 400, "invalid_grant", "Authorization code is invalid or expired")

	// Again, right this time.
	code = runBrowserFlow(t, s, h, clientID, secret, details, challenge)
	st, body = tokenCall(t, s, clientID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirectURI}})
	if st != 200 || body["token_type"] != "Bearer" || body["expires_in"].(float64) > 300 || body["authorization_details"] == nil {
		t.Fatalf("token: %d %v", st, body)
	}
	credTok := body["access_token"].(string)

	// A credential token signs exactly its hashes, without a SAD, ...
	sign := func(hs []string, sad string) (int, map[string]any) {
		req := map[string]any{"credentialID": h.CredentialID, "hashes": hs, "hashAlgorithmOID": sam.OIDSHA256, "signAlgo": sam.OIDECDSASHA256, "operationMode": "S"}
		if sad != "" {
			req["SAD"] = sad
		}
		return s.Post(t, "/csc/v2/signatures/signHash", credTok, req)
	}
	st, body = sign([]string{base64.StdEncoding.EncodeToString(make([]byte, 32))}, "")
	wantError(t, st, body, 400, "invalid_request", "Hash is not authorized by the SAD")
	st, body = sign(hashes, "x")
	wantError(t, st, body, 400, "invalid_request", "")
	st, body = sign(hashes, "")
	if st != 200 || len(body["signatures"].([]any)) != 2 {
		t.Fatalf("signHash with the credential token: %d %v", st, body)
	}
	_ = raw
	st, body = sign(hashes[:1], "")
	wantError(t, st, body, 400, "invalid_request", "")
	// ... and cannot act as a service token.
	st, body = s.Post(t, "/csc/v2/credentials/list", credTok, map[string]any{})
	wantError(t, st, body, 403, "access_denied", "")
}

func runBrowserFlow(t *testing.T, s *testutil.Server, h testutil.Holder, clientID, secret string, details []byte, challenge string) string {
	t.Helper()
	b := newBrowser(t)
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI}, "code_challenge": {challenge},
		"code_challenge_method": {"S256"}, "authorization_details": {string(details)}, "lang": {"it"}}
	st, page, _ := b.get(s.URL + "/oauth2/authorize?" + q.Encode())
	if st != 200 || !strings.Contains(page, "Autorizza") {
		t.Fatalf("authorize (it): %d %s", st, page)
	}
	txn := txnRE.FindStringSubmatch(page)[1]
	b.post(s.URL+"/oauth2/authorize", url.Values{"txn": {txn}, "step": {"login"}, "user": {h.ID}, "password": {h.Password}})
	st, _, loc := b.post(s.URL+"/oauth2/authorize", url.Values{"txn": {txn}, "step": {"approve"}, "pin": {h.PIN}, "otp": {s.LastCode(t, h.Phone)}})
	if st != 302 {
		t.Fatalf("approve: %d", st)
	}
	u, _ := url.Parse(loc)
	return u.Query().Get("code")
}

func TestOAuthServiceFlowAndErrors(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	clientID, secret, err := s.App.OAuth.RegisterClient(t.Context(), "Signer App", []string{redirectURI}, false)
	if err != nil {
		t.Fatal(err)
	}
	verifier, challenge := pkce(t)
	b := newBrowser(t)
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI}, "scope": {"service"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}, "state": {"s1"}}
	_, page, _ := b.get(s.URL + "/oauth2/authorize?" + q.Encode())
	txn := txnRE.FindStringSubmatch(page)[1]
	st, _, loc := b.post(s.URL+"/oauth2/authorize", url.Values{"txn": {txn}, "step": {"login"}, "user": {h.ID}, "password": {h.Password}})
	if st != 302 {
		t.Fatalf("service login must redirect with a code: %d", st)
	}
	u, _ := url.Parse(loc)
	st, body := tokenCall(t, s, clientID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")}, "code_verifier": {verifier}})
	if st != 200 || body["refresh_token"] == nil {
		t.Fatalf("token: %d %v", st, body)
	}
	svcTok := body["access_token"].(string)
	if st, body := s.Post(t, "/csc/v2/credentials/list", svcTok, map[string]any{}); st != 200 {
		t.Fatalf("service token: %d %v", st, body)
	}
	st, body = tokenCall(t, s, clientID, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}})
	if st != 200 {
		t.Fatalf("refresh grant: %d %v", st, body)
	}

	// Errors.
	st, body = tokenCall(t, s, clientID, "wrong", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}})
	wantError(t, st, body, 401, "invalid_client", "Invalid parameter client_secret")
	st, body = tokenCall(t, s, clientID, secret, url.Values{"grant_type": {"password"}})
	wantError(t, st, body, 400, "unsupported_grant_type", "")
	st, body = tokenCall(t, s, clientID, secret, url.Values{})
	wantError(t, st, body, 400, "invalid_request", "Missing parameter grant_type")

	redirectErr := func(q url.Values) url.Values {
		st, _, loc := b.get(s.URL + "/oauth2/authorize?" + q.Encode())
		if st != 302 {
			t.Fatalf("want an error redirect for %v, got %d", q, st)
		}
		u, _ := url.Parse(loc)
		return u.Query()
	}
	bad := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI}, "code_challenge": {challenge}, "code_challenge_method": {"plain"}, "state": {"s2"}}
	if e := redirectErr(bad); e.Get("error") != "invalid_request" || e.Get("state") != "s2" {
		t.Fatalf("plain PKCE: %v", e)
	}
	bad.Set("code_challenge_method", "S256")
	bad.Set("scope", "credential")
	bad.Set("credentialID", h.CredentialID)
	bad.Set("numSignatures", "1")
	if e := redirectErr(bad); e.Get("error") != "invalid_request" || !strings.Contains(e.Get("error_description"), "hashes") {
		t.Fatalf("SCAL2 needs hashes: %v", e)
	}
	// An unregistered redirect URI is never redirected to.
	evil := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {"https://evil.example/cb"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	if st, page, loc := b.get(s.URL + "/oauth2/authorize?" + evil.Encode()); st != 400 || loc != "" || !strings.Contains(page, "not registered") {
		t.Fatalf("unregistered redirect: %d %q", st, loc)
	}
	// Metadata (RFC 8414) and info advertise the server.
	st, meta := testutil.Do(t, mustReq(http.NewRequest(http.MethodGet, s.URL+"/.well-known/oauth-authorization-server", nil)))
	if st != 200 || meta["token_endpoint"] != s.URL+"/oauth2/token" {
		t.Fatalf("metadata: %d %v", st, meta)
	}
	_, info := s.Post(t, "/csc/v2/info", "", nil)
	if info["oauth2"] != s.URL+"/" {
		t.Fatalf("info.oauth2 = %v", info["oauth2"])
	}
}

func mustReq(r *http.Request, err error) *http.Request {
	if err != nil {
		panic(err)
	}
	return r
}
