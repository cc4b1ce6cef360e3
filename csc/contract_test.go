package csc_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

// TestCSCContract drives every CSC method of both versions through a real
// qesd, with success and with the usual refusals. testutil holds each answer
// (and the request of each 2xx) to openapi.yaml; the assertions here check
// statuses, error codes and the fields clients rely on.
func TestCSCContract(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"v1", "v2"} {
		t.Run(v, func(t *testing.T) {
			s := testutil.StartServer(t)
			c := &scenario{s: s, v: v, h: s.NewHolder(t, "ec-p256")}
			for _, phase := range []struct {
				name string
				run  func(*testing.T)
			}{
				{"info", c.info},
				{"login", c.login},
				{"list", c.list},
				{"credentials/info", c.credentialInfo},
				{"sendOTP", c.sendOTP},
				{"authorize", c.authorize},
				{"signHash and extendTransaction", c.signAndExtend},
				{"rsa-pss", c.rsaPSS},
				{"PIN lock", c.pinLock},
				{"authorizeCheck", c.authorizeCheck},
				{"bearer", c.bearer},
				{"revoke", c.revoke},
				{"audit log down", c.auditDown},
				{"expired token", c.expiredToken},
			} {
				if !t.Run(phase.name, phase.run) {
					return // later phases build on earlier ones
				}
			}
		})
	}
}

type scenario struct {
	s   *testutil.Server
	v   string
	h   testutil.Holder
	tok string           // service access token of h
	pub crypto.PublicKey // of h's credential
	// rsaID is h's second credential, an RSA one (see list and rsaPSS).
	rsaID string
}

const (
	oidSHA256      = "2.16.840.1.101.3.4.2.1"
	oidECDSASHA256 = "1.2.840.10045.4.3.2"
	oidSHA256RSA   = "1.2.840.113549.1.1.11"
	oidRSAPSS      = "1.2.840.113549.1.1.10"
	oidRSA         = "1.2.840.113549.1.1.1"
	oidP256        = "1.2.840.10045.3.1.7"
)

func (c *scenario) path(method string) string { return "/csc/" + c.v + "/" + method }

func (c *scenario) post(t *testing.T, method, tok string, body any) (int, map[string]any) {
	t.Helper()
	return c.s.Post(t, c.path(method), tok, body)
}

// ok asserts a success status and returns the body.
func ok(t *testing.T, what string, status int, body map[string]any, want int) map[string]any {
	t.Helper()
	if status != want {
		t.Fatalf("%s: %d %v, want %d", what, status, body, want)
	}
	return body
}

// refused asserts a CSC problem; an empty desc is not compared.
func refused(t *testing.T, what string, status int, body map[string]any, wantStatus int, code, desc string) {
	t.Helper()
	if status != wantStatus || body["error"] != code || (desc != "" && body["error_description"] != desc) {
		t.Errorf("%s: %d %v, want %d %s %q", what, status, body, wantStatus, code, desc)
	}
}

// v1Or2 picks the answer that depends on the API version.
func (c *scenario) v1Or2(v1, v2 string) string {
	if c.v == "v1" {
		return v1
	}
	return v2
}

func digest(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

var b64 = base64.StdEncoding.EncodeToString

// newOTP has a fresh SMS code sent (past the resend gap) and reads it.
func (c *scenario) newOTP(t *testing.T) string {
	t.Helper()
	c.s.Clock.Advance(21 * time.Second)
	st, body := c.post(t, "credentials/sendOTP", c.tok, map[string]any{"credentialID": c.h.CredentialID})
	ok(t, "sendOTP", st, body, http.StatusNoContent)
	return c.s.LastCode(t, c.h.Phone)
}

// sad authorizes numSignatures with the v2 spelling.
func (c *scenario) sad(t *testing.T, numSignatures int, hashes ...[]byte) string {
	t.Helper()
	var enc []string
	for _, h := range hashes {
		enc = append(enc, b64(h))
	}
	st, body := c.post(t, "credentials/authorize", c.tok, map[string]any{
		"credentialID": c.h.CredentialID, "numSignatures": numSignatures, "hashes": enc, "hashAlgorithmOID": oidSHA256,
		"authData": []map[string]string{{"id": "PIN", "value": c.h.PIN}, {"id": "OTP", "value": c.newOTP(t)}},
	})
	return ok(t, "authorize", st, body, http.StatusOK)["SAD"].(string)
}

func (c *scenario) info(t *testing.T) {
	st, body := c.post(t, "info", "", map[string]any{"lang": "en-US"})
	ok(t, "info", st, body, http.StatusOK)
	if body["specs"] != c.v1Or2("1.0.4.0", "2.0.0.2") {
		t.Errorf("specs %v", body["specs"])
	}
	methods := fmt.Sprint(body["methods"])
	if !strings.Contains(methods, "signatures/signHash") || strings.Contains(methods, "getChallenge") != (c.v == "v2") {
		t.Errorf("methods %s", methods)
	}
	if c.v == "v2" && !slices.Contains(body["supportedHashTypes"].([]any), any(oidSHA256)) {
		t.Errorf("supportedHashTypes %v", body["supportedHashTypes"])
	}
	// An empty body counts as {}.
	st, body = c.post(t, "info", "", nil)
	ok(t, "info without a body", st, body, http.StatusOK)

	st, body = c.post(t, "info", "", "[1]")
	refused(t, "info with an array body", st, body, 400, "invalid_request", "The request body must be a JSON object")
	req, _ := http.NewRequest(http.MethodPost, c.s.URL+c.path("info"), strings.NewReader("lang=it"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	st, body = testutil.Do(t, req)
	refused(t, "info as a form", st, body, 400, "invalid_request", "The Content-Type must be application/json")

	req, _ = http.NewRequest(http.MethodGet, c.s.URL+c.path("info"), nil)
	resp, _ := testutil.DoRaw(t, req)
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET info: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	for _, m := range []string{"credentials/nosuch", "signatures/signDoc"} {
		if c.v == "v2" && m == "signatures/signDoc" {
			continue // another branch implements it
		}
		st, body = c.post(t, m, "", map[string]any{})
		refused(t, m, st, body, http.StatusNotImplemented, "invalid_request", "The method is not implemented by this service")
	}
	if c.v == "v1" {
		st, body = c.post(t, "credentials/getChallenge", "", map[string]any{})
		refused(t, "v2-only method under v1", st, body, http.StatusNotImplemented, "invalid_request", "")
	}
}

func (c *scenario) login(t *testing.T) {
	basic := func(user, pass, body string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, c.s.URL+c.path("auth/login"), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(user, pass)
		return testutil.Do(t, req)
	}
	st, body := basic(c.h.ID, c.h.Password, `{"rememberMe": true, "clientData": null}`)
	ok(t, "login with rememberMe", st, body, http.StatusOK)
	refresh, _ := body["refresh_token"].(string)
	if body["expires_in"] != 3600.0 || refresh == "" {
		t.Fatalf("login: %v", body)
	}
	st, body = c.post(t, "auth/login", "", map[string]any{"refresh_token": refresh})
	ok(t, "login with refresh_token", st, body, http.StatusOK)
	if body["access_token"] == "" || body["refresh_token"] != nil {
		t.Errorf("refresh login: %v", body)
	}
	c.tok = body["access_token"].(string)

	st, body = basic(c.h.ID, "wrong password", "{}")
	refused(t, "wrong password", st, body, 400, "authentication_error", "An error occurred during authentication process")
	st, body = c.post(t, "auth/login", "", map[string]any{"refresh_token": "bogus"})
	refused(t, "bad refresh_token", st, body, 400, "invalid_request", "Invalid refresh_token")

	req, _ := http.NewRequest(http.MethodPost, c.s.URL+c.path("auth/login"), strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	resp, _ := testutil.DoRaw(t, req)
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("login without authentication: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	req, _ = http.NewRequest(http.MethodPost, c.s.URL+c.path("auth/login"), strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic "+b64([]byte(c.h.ID)))
	st, body = testutil.Do(t, req)
	refused(t, "Basic without a colon", st, body, 400, "invalid_request", "Malformed username-password")
}

func (c *scenario) list(t *testing.T) {
	st, body := c.post(t, "credentials/list", c.tok, map[string]any{})
	ok(t, "list", st, body, http.StatusOK)
	if fmt.Sprint(body["credentialIDs"]) != fmt.Sprint([]any{c.h.CredentialID}) || body["credentialInfos"] != nil {
		t.Errorf("list: %v", body)
	}

	st, body = c.post(t, "credentials/list", c.tok, map[string]any{
		"credentialInfo": true, "certificates": "chain", "certInfo": true, "authInfo": true, "onlyValid": true, "userID": nil,
	})
	ok(t, "list with credentialInfo", st, body, http.StatusOK)
	infos, _ := body["credentialInfos"].([]any)
	if len(infos) != 1 || body["onlyValid"] != true {
		t.Fatalf("list with credentialInfo: %v", body)
	}
	ci := infos[0].(map[string]any)
	if ci["credentialID"] != c.h.CredentialID || len(ci["cert"].(map[string]any)["certificates"].([]any)) < 2 {
		t.Errorf("credentialInfos[0] with a chain: %v", ci)
	}
	if _, v1 := ci["authMode"]; v1 != (c.v == "v1") {
		t.Errorf("authMode in a %s answer: %v", c.v, ci)
	}
	if _, v2 := ci["auth"]; v2 != (c.v == "v2") {
		t.Errorf("auth in a %s answer: %v", c.v, ci)
	}

	st, body = c.post(t, "credentials/list", c.tok, map[string]any{"credentialInfo": true, "certificates": "none"})
	ci = ok(t, "list without authInfo", st, body, http.StatusOK)["credentialInfos"].([]any)[0].(map[string]any)
	if ci["authMode"] != nil || ci["auth"] != nil || ci["cert"].(map[string]any)["certificates"] != nil {
		t.Errorf("list without authInfo or certificates: %v", ci)
	}

	// A second credential, to page through.
	second, err := c.s.App.Credentials.CreateCredential(context.Background(), sam.NewCredential{HolderID: c.h.ID, PIN: c.h.PIN, KeyType: "rsa-2048"})
	if err != nil {
		t.Fatal(err)
	}
	st, body = c.post(t, "credentials/list", c.tok, map[string]any{"maxResults": 1})
	ok(t, "first page", st, body, http.StatusOK)
	ids := body["credentialIDs"].([]any)
	if len(ids) != 1 || body["nextPageToken"] == nil {
		t.Fatalf("first page: %v", body)
	}
	st, body = c.post(t, "credentials/list", c.tok, map[string]any{"maxResults": 1, "pageToken": body["nextPageToken"]})
	ok(t, "second page", st, body, http.StatusOK)
	ids = append(ids, body["credentialIDs"].([]any)...)
	if len(ids) != 2 || body["nextPageToken"] != nil || !slices.Contains(ids, any(second.Credential.ID)) || !slices.Contains(ids, any(c.h.CredentialID)) {
		t.Errorf("the two pages hold %v, want both credentials; last page %v", ids, body)
	}

	for _, tc := range []struct {
		body map[string]any
		desc string
	}{
		{map[string]any{"userID": "someone-else"}, "userID parameter MUST be null"},
		{map[string]any{"certificates": "all"}, "Invalid parameter certificates"},
		{map[string]any{"maxResults": "ten"}, "Missing (or invalid type) integer parameter maxResults"},
		{map[string]any{"pageToken": "x"}, "Invalid parameter pageToken"},
	} {
		st, body = c.post(t, "credentials/list", c.tok, tc.body)
		refused(t, fmt.Sprint("list ", tc.body), st, body, 400, "invalid_request", tc.desc)
	}
}

func (c *scenario) credentialInfo(t *testing.T) {
	st, body := c.post(t, "credentials/info", c.tok, map[string]any{"credentialID": c.h.CredentialID, "certInfo": true, "authInfo": false})
	ok(t, "credentials/info", st, body, http.StatusOK)
	key := body["key"].(map[string]any)
	if key["status"] != "enabled" || key["len"] != 256.0 || key["curve"] != oidP256 || key["algo"].([]any)[0] != oidECDSASHA256 {
		t.Errorf("key: %v", key)
	}
	cert := body["cert"].(map[string]any)
	certs := cert["certificates"].([]any)
	if cert["status"] != "valid" || len(certs) != 1 {
		t.Fatalf("cert: %v", cert)
	}
	der, _ := base64.StdEncoding.DecodeString(certs[0].(string))
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	c.pub = leaf.PublicKey
	if cert["serialNumber"] != strings.ToUpper(leaf.SerialNumber.Text(16)) || cert["validTo"] != leaf.NotAfter.UTC().Format("20060102150405Z") {
		t.Errorf("certInfo does not describe the certificate: %v", cert)
	}
	if body["SCAL"] != "2" || body["multisign"] != 100.0 {
		t.Errorf("SCAL/multisign: %v %v", body["SCAL"], body["multisign"])
	}
	// The factors are described even with authInfo false, in each version's names.
	if c.v == "v1" {
		pin, otp := body["PIN"].(map[string]any), body["OTP"].(map[string]any)
		if body["authMode"] != "explicit" || pin["presence"] != "true" || otp["type"] != "online" || body["auth"] != nil {
			t.Errorf("v1 factors: %v", body)
		}
	} else {
		auth := body["auth"].(map[string]any)
		objs := auth["objects"].([]any)
		if auth["mode"] != "explicit" || auth["expression"] != "PIN AND OTP" || len(objs) != 2 || body["authMode"] != nil {
			t.Errorf("v2 factors: %v", body)
		}
	}

	for _, tc := range []struct {
		body map[string]any
		desc string
	}{
		{map[string]any{}, "Missing (or invalid type) string parameter credentialID"},
		{map[string]any{"credentialID": 7}, "Missing (or invalid type) string parameter credentialID"},
		{map[string]any{"credentialID": "nosuchcredential"}, "Invalid parameter credentialID"},
		{map[string]any{"credentialID": c.h.CredentialID, "certificates": "many"}, "Invalid parameter certificates"},
	} {
		st, body = c.post(t, "credentials/info", c.tok, tc.body)
		refused(t, fmt.Sprint("credentials/info ", tc.body), st, body, 400, "invalid_request", tc.desc)
	}
}

func (c *scenario) sendOTP(t *testing.T) {
	methods := []string{"credentials/sendOTP"}
	if c.v == "v2" {
		methods = append(methods, "credentials/getChallenge")
	}
	for _, m := range methods {
		before := len(c.s.Outbox(t))
		c.s.Clock.Advance(21 * time.Second)
		st, body := c.post(t, m, c.tok, map[string]any{"credentialID": c.h.CredentialID, "authObjectID": "OTP"})
		ok(t, m, st, body, http.StatusNoContent)
		if len(c.s.Outbox(t)) != before+1 || c.s.LastCode(t, c.h.Phone) == "" {
			t.Errorf("%s sent no code", m)
		}
		st, body = c.post(t, m, c.tok, map[string]any{"credentialID": c.h.CredentialID})
		refused(t, m+" again at once", st, body, http.StatusTooManyRequests, "temporarily_unavailable", "")
		st, body = c.post(t, m, c.tok, map[string]any{"credentialID": c.h.CredentialID, "authObjectID": "PIN"})
		refused(t, m+" for the PIN", st, body, 400, "invalid_request", "Invalid parameter authObjectID")
		st, body = c.post(t, m, c.tok, map[string]any{"credentialID": "nosuchcredential"})
		refused(t, m+" for another credential", st, body, 400, "invalid_request", "Invalid parameter credentialID")
	}
}

func (c *scenario) authorize(t *testing.T) {
	h := b64(digest("authorize"))
	// v1 spelling, in both versions.
	v1Body := func(pin, otp string) map[string]any {
		return map[string]any{"credentialID": c.h.CredentialID, "numSignatures": 1, "hash": []string{h}, "hashAlgo": oidSHA256, "PIN": pin, "OTP": otp, "description": "contract test"}
	}
	st, body := c.post(t, "credentials/authorize", c.tok, v1Body(c.h.PIN, c.newOTP(t)))
	ok(t, "authorize in v1 names", st, body, http.StatusOK)
	if sad, _ := body["SAD"].(string); sad == "" || body["expiresIn"] != 300.0 {
		t.Errorf("authorize: %v", body)
	}

	st, body = c.post(t, "credentials/authorize", c.tok, v1Body("135792", c.newOTP(t)))
	refused(t, "wrong PIN", st, body, 400, c.v1Or2("invalid_pin", "invalid_authentication_data"), "The PIN is invalid")
	st, body = c.post(t, "credentials/authorize", c.tok, v1Body(c.h.PIN, "000000"))
	refused(t, "wrong OTP", st, body, 400, c.v1Or2("invalid_otp", "invalid_authentication_data"), "")

	for _, tc := range []struct {
		name string
		edit func(map[string]any)
		desc string
	}{
		{"no numSignatures", func(b map[string]any) { delete(b, "numSignatures") }, "Missing (or invalid type) integer parameter numSignatures"},
		{"zero numSignatures", func(b map[string]any) { b["numSignatures"] = 0 }, "Invalid value for parameter numSignatures"},
		{"numSignatures above multisign", func(b map[string]any) { b["numSignatures"] = 101 }, "Numbers of signatures is too high"},
		{"no hashes", func(b map[string]any) { delete(b, "hash") }, "Missing (or invalid type) array parameter hash"},
		{"hash not base64", func(b map[string]any) { b["hash"] = []string{"!!"} }, "Invalid Base64 hash string parameter"},
		{"no PIN", func(b map[string]any) { delete(b, "PIN") }, "Missing (or invalid type) string parameter PIN"},
		{"unknown authData", func(b map[string]any) { b["authData"] = []map[string]string{{"id": "FACE", "value": "x"}} }, `Invalid parameter authData: unknown authentication object "FACE"`},
		{"no credentialID", func(b map[string]any) { delete(b, "credentialID") }, "Missing (or invalid type) string parameter credentialID"},
	} {
		b := v1Body(c.h.PIN, "000000")
		tc.edit(b)
		st, body = c.post(t, "credentials/authorize", c.tok, b)
		refused(t, tc.name, st, body, 400, "invalid_request", tc.desc)
	}
}

func (c *scenario) verify(t *testing.T, what string, d []byte, sigB64 any) {
	t.Helper()
	sig, err := base64.StdEncoding.DecodeString(fmt.Sprint(sigB64))
	if err != nil || !ecdsa.VerifyASN1(c.pub.(*ecdsa.PublicKey), d, sig) {
		t.Errorf("%s: the signature does not verify with the credential's key", what)
	}
}

func (c *scenario) signAndExtend(t *testing.T) {
	d1, d2 := digest("first page"), digest("second page")
	sad := c.sad(t, 2, d1)
	// v1 spelling, in both versions.
	st, body := c.post(t, "signatures/signHash", c.tok, map[string]any{
		"credentialID": c.h.CredentialID, "SAD": sad, "hash": []string{b64(d1)}, "hashAlgo": oidSHA256, "signAlgo": oidECDSASHA256, "clientData": "x",
	})
	sigs := ok(t, "signHash in v1 names", st, body, http.StatusOK)["signatures"].([]any)
	if len(sigs) != 1 {
		t.Fatalf("signHash: %v", body)
	}
	c.verify(t, "signHash", d1, sigs[0])

	again := map[string]any{"credentialID": c.h.CredentialID, "SAD": sad, "hashes": []string{b64(d1)}, "signAlgo": oidECDSASHA256}
	st, body = c.post(t, "signatures/signHash", c.tok, again)
	refused(t, "the same hash twice", st, body, 400, "invalid_request", "Hash is not authorized by the SAD")

	st, body = c.post(t, "credentials/extendTransaction", c.tok, map[string]any{
		"credentialID": c.h.CredentialID, "SAD": sad, "hashes": []string{b64(d2)}, "hashAlgorithmOID": oidSHA256,
	})
	next := ok(t, "extendTransaction", st, body, http.StatusOK)["SAD"].(string)
	if next == sad || body["expiresIn"] != 300.0 {
		t.Errorf("extendTransaction: %v", body)
	}
	st, body = c.post(t, "credentials/extendTransaction", c.tok, map[string]any{"credentialID": c.h.CredentialID, "SAD": sad, "hash": []string{b64(d2)}})
	refused(t, "extending a SAD already extended", st, body, 400, "invalid_request", "Invalid parameter SAD")
	st, body = c.post(t, "credentials/extendTransaction", c.tok, map[string]any{"credentialID": c.h.CredentialID, "SAD": "bogus", "hashes": []string{b64(d2)}})
	refused(t, "extending an unknown SAD", st, body, 400, "invalid_request", "Invalid parameter SAD")
	st, body = c.post(t, "credentials/extendTransaction", c.tok, map[string]any{"credentialID": c.h.CredentialID, "hashes": []string{b64(d2)}})
	refused(t, "extending without a SAD", st, body, 400, "invalid_request", "Missing (or invalid type) string parameter SAD")

	base := func() map[string]any {
		return map[string]any{"credentialID": c.h.CredentialID, "SAD": next, "hashes": []string{b64(d2)}, "hashAlgorithmOID": oidSHA256, "signAlgo": oidECDSASHA256}
	}
	for _, tc := range []struct {
		name string
		edit func(map[string]any)
		desc string
	}{
		{"no hashes", func(b map[string]any) { delete(b, "hashes") }, "Missing (or invalid type) array parameter hash"},
		{"empty hashes", func(b map[string]any) { b["hashes"] = []string{} }, "Empty hash array"},
		{"short digest", func(b map[string]any) { b["hashes"] = []string{b64(d2[:20])} }, "Invalid digest value length"},
		{"unauthorized hash", func(b map[string]any) { b["hashes"] = []string{b64(d1)} }, "Hash is not authorized by the SAD"},
		{"RSA algorithm for an EC key", func(b map[string]any) { b["signAlgo"] = oidSHA256RSA }, "Invalid parameter signAlgo"},
		{"no signAlgo", func(b map[string]any) { delete(b, "signAlgo") }, "Missing (or invalid type) string parameter signAlgo"},
		{"asynchronous", func(b map[string]any) { b["operationMode"] = "A" }, "Invalid parameter operationMode: asynchronous signing is not supported"},
		{"no SAD", func(b map[string]any) { delete(b, "SAD") }, "Missing (or invalid type) string parameter SAD"},
		{"unknown SAD", func(b map[string]any) { b["SAD"] = "bogus" }, "Invalid parameter SAD"},
	} {
		b := base()
		tc.edit(b)
		st, body = c.post(t, "signatures/signHash", c.tok, b)
		refused(t, tc.name, st, body, 400, "invalid_request", tc.desc)
	}
	// None of the refusals spent the extended SAD.
	st, body = c.post(t, "signatures/signHash", c.tok, base())
	sigs = ok(t, "signHash in v2 names", st, body, http.StatusOK)["signatures"].([]any)
	c.verify(t, "signHash after extendTransaction", d2, sigs[0])
}

// rsaPSS signs with RSASSA-PSS parameters and a hash algorithm given apart
// from the signature algorithm, on a second (RSA) credential.
func (c *scenario) rsaPSS(t *testing.T) {
	st, body := c.post(t, "credentials/list", c.tok, map[string]any{"credentialInfo": true, "certificates": "single"})
	ok(t, "list", st, body, http.StatusOK)
	var rsaID string
	var pub *rsa.PublicKey
	for _, ci := range body["credentialInfos"].([]any) {
		ci := ci.(map[string]any)
		if ci["key"].(map[string]any)["algo"].([]any)[0] != oidSHA256RSA {
			continue
		}
		der, _ := base64.StdEncoding.DecodeString(ci["cert"].(map[string]any)["certificates"].([]any)[0].(string))
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		rsaID, pub = ci["credentialID"].(string), cert.PublicKey.(*rsa.PublicKey)
	}
	if rsaID == "" {
		t.Fatalf("no RSA credential listed: %v", body)
	}
	d1, d2 := digest("pss"), digest("pkcs1")
	c.rsaID = rsaID
	rsaHolder := *c
	rsaHolder.h.CredentialID = rsaID
	sad := rsaHolder.sad(t, 2, d1, d2)
	params, err := sam.PSSParams(crypto.SHA256, 32)
	if err != nil {
		t.Fatal(err)
	}
	st, body = c.post(t, "signatures/signHash", c.tok, map[string]any{
		"credentialID": rsaID, "SAD": sad, "hashes": []string{b64(d1)}, "signAlgo": oidRSAPSS, "signAlgoParams": params,
	})
	sig, _ := base64.StdEncoding.DecodeString(fmt.Sprint(ok(t, "RSASSA-PSS", st, body, http.StatusOK)["signatures"].([]any)[0]))
	if err := rsa.VerifyPSS(pub, crypto.SHA256, d1, sig, &rsa.PSSOptions{SaltLength: 32}); err != nil {
		t.Errorf("PSS signature: %v", err)
	}
	pkcs1 := map[string]any{"credentialID": rsaID, "SAD": sad, "hashes": []string{b64(d2)}, "signAlgo": oidRSA}
	st, body = c.post(t, "signatures/signHash", c.tok, pkcs1)
	refused(t, "rsaEncryption without a hash algorithm", st, body, 400, "invalid_request", "Missing (or invalid type) string parameter hashAlgorithmOID")
	pkcs1["hashAlgorithmOID"] = oidSHA256
	st, body = c.post(t, "signatures/signHash", c.tok, pkcs1)
	sig, _ = base64.StdEncoding.DecodeString(fmt.Sprint(ok(t, "rsaEncryption", st, body, http.StatusOK)["signatures"].([]any)[0]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d2, sig); err != nil {
		t.Errorf("PKCS#1 v1.5 signature: %v", err)
	}
}

// pinLock blocks the RSA credential with wrong PINs: the fifth is still
// "invalid", after that the credential is locked and no longer listed as
// valid.
func (c *scenario) pinLock(t *testing.T) {
	rsaHolder := *c
	rsaHolder.h.CredentialID = c.rsaID
	wrong := func() (int, map[string]any) {
		return c.post(t, "credentials/authorize", c.tok, map[string]any{
			"credentialID": c.rsaID, "numSignatures": 1, "hashes": []string{b64(digest("lock"))},
			"authData": []map[string]string{{"id": "PIN", "value": "975310"}, {"id": "OTP", "value": rsaHolder.newOTP(t)}},
		})
	}
	for i := 0; i < 5; i++ {
		st, body := wrong()
		refused(t, fmt.Sprint("wrong PIN ", i+1), st, body, 400, c.v1Or2("invalid_pin", "invalid_authentication_data"), "The PIN is invalid")
	}
	st, body := wrong()
	refused(t, "a locked credential", st, body, 400, "invalid_request", "Credential locked")
	st, body = c.post(t, "credentials/list", c.tok, map[string]any{"onlyValid": true})
	ok(t, "list onlyValid", st, body, http.StatusOK)
	if fmt.Sprint(body["credentialIDs"]) != fmt.Sprint([]any{c.h.CredentialID}) || body["onlyValid"] != true {
		t.Errorf("onlyValid lists %v, want only %s", body, c.h.CredentialID)
	}
}

func (c *scenario) authorizeCheck(t *testing.T) {
	if c.v == "v1" {
		return // a v2 method: v1 answers 501 (see info)
	}
	st, body := c.post(t, "credentials/authorizeCheck", c.tok, map[string]any{"handle": "878287f37b2b"})
	refused(t, "authorizeCheck", st, body, 400, "invalid_request", "Invalid parameter handle")
	st, body = c.post(t, "credentials/authorizeCheck", c.tok, map[string]any{})
	refused(t, "authorizeCheck without a handle", st, body, 400, "invalid_request", "Missing (or invalid type) string parameter handle")
	st, body = c.post(t, "credentials/authorizeCheck", "", map[string]any{"handle": "x"})
	refused(t, "authorizeCheck without a token", st, body, 401, "invalid_token", "")
}

// bearer covers the access-token checks every protected method shares.
func (c *scenario) bearer(t *testing.T) {
	list := func(authorization string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, c.s.URL+c.path("credentials/list"), strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		return testutil.Do(t, req)
	}
	st, body := list("")
	refused(t, "no token", st, body, 401, "invalid_token", "Missing access token: send Authorization: Bearer <token>")
	st, body = list("Bearer a b")
	refused(t, "malformed header", st, body, 400, "invalid_request", "Malformed authorization header")
	st, body = list("Basic " + b64([]byte(c.h.ID+":"+c.h.Password)))
	refused(t, "Basic on a bearer method", st, body, 400, "invalid_request", "Malformed authorization header")
	st, body = list("Bearer not.a.token")
	refused(t, "forged token", st, body, 401, "invalid_token", "The access token is not valid")
}

func (c *scenario) revoke(t *testing.T) {
	// A fresh grant with a refresh token, so revoking it leaves c.tok alone.
	req, _ := http.NewRequest(http.MethodPost, c.s.URL+c.path("auth/login"), strings.NewReader(`{"rememberMe":true}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(c.h.ID, c.h.Password)
	st, body := testutil.Do(t, req)
	ok(t, "login", st, body, http.StatusOK)
	access, refresh := body["access_token"].(string), body["refresh_token"].(string)

	st, body = c.post(t, "auth/revoke", c.tok, map[string]any{"token": refresh, "token_type_hint": "refresh_token"})
	ok(t, "revoke a refresh token", st, body, http.StatusNoContent)
	st, body = c.post(t, "credentials/list", access, map[string]any{})
	refused(t, "an access token of the revoked grant", st, body, 401, "invalid_token", "The access token has been revoked")
	st, body = c.post(t, "auth/login", "", map[string]any{"refresh_token": refresh})
	refused(t, "the revoked refresh token", st, body, 400, "invalid_request", "Invalid refresh_token")

	st, body = c.post(t, "auth/revoke", c.tok, map[string]any{})
	refused(t, "revoke without a token", st, body, 400, "invalid_request", "Missing (or invalid type) string parameter token")
	st, body = c.post(t, "auth/revoke", c.tok, map[string]any{"token": "x", "token_type_hint": "id_token"})
	refused(t, "revoke with an unknown hint", st, body, 400, "invalid_request", "Invalid parameter token_type_hint")
	st, body = c.post(t, "auth/revoke", c.tok, map[string]any{"token": "unknown-token"})
	ok(t, "revoke an unknown token (RFC 7009)", st, body, http.StatusNoContent)

	// The caller's own token last: it stops working at once.
	tok := c.s.Login(t, c.v, c.h.ID, c.h.Password)
	st, body = c.post(t, "auth/revoke", tok, map[string]any{"token": tok})
	ok(t, "revoke the access token", st, body, http.StatusNoContent)
	st, body = c.post(t, "credentials/list", tok, map[string]any{})
	refused(t, "the revoked access token", st, body, 401, "invalid_token", "The access token has been revoked")
}

// auditDown: with the audit log unavailable nothing is signed (503), and
// the SAD survives for a retry.
func (c *scenario) auditDown(t *testing.T) {
	d := digest("while the audit log is down")
	sad := c.sad(t, 1, d)
	if err := c.s.App.Audit.Close(); err != nil {
		t.Fatal(err)
	}
	st, body := c.post(t, "signatures/signHash", c.tok, map[string]any{"credentialID": c.h.CredentialID, "SAD": sad, "hashes": []string{b64(d)}, "signAlgo": oidECDSASHA256})
	refused(t, "signHash without an audit log", st, body, http.StatusServiceUnavailable, "temporarily_unavailable",
		"The signature cannot be recorded in the audit log; nothing was signed")
}

func (c *scenario) expiredToken(t *testing.T) {
	c.s.Clock.Advance(2 * time.Hour)
	st, body := c.post(t, "credentials/info", c.tok, map[string]any{"credentialID": c.h.CredentialID})
	refused(t, "an expired token", st, body, 401, "expired_token", "The access token has expired")
}
