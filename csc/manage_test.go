package csc_test

import (
	"bytes"
	"crypto"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

// TestManagementBadInput: every malformed, unauthenticated or refused
// request gets a CSC error body with a 4xx status, never a 500, and changes
// nothing.
func TestManagementBadInput(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	other := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	base := "/api/v1/credentials/" + h.CredentialID
	// A valid one-time code for suspend, so that later rows fail on what
	// they mean to test.
	if st, body := s.Post(t, base+"/challenge", tok, map[string]any{"action": "suspend"}); st != http.StatusNoContent {
		t.Fatalf("challenge: %d %v", st, body)
	}
	code := s.LastCode(t, h.Phone)

	// Rows run in order and some build on the previous ones: "wrong
	// password" spends the suspend code (the code is checked first), so
	// "used OTP" finds it gone.
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		ctype      string
		body       string
		wantStatus int
		wantError  string
		wantDesc   string
	}{
		{"no token", "POST", base + "/suspend", "", "application/json", `{}`, 401, "invalid_token", "Missing access token"},
		{"garbage token", "POST", base + "/suspend", "x.y.z", "application/json", `{}`, 401, "invalid_token", ""},
		{"wrong content type", "POST", base + "/suspend", tok, "text/plain", `{}`, 400, "invalid_request", "Content-Type"},
		{"not JSON", "POST", base + "/suspend", tok, "application/json", `{"password":`, 400, "invalid_request", "not valid JSON"},
		{"array body", "POST", base + "/suspend", tok, "application/json", `[]`, 400, "invalid_request", "JSON object"},
		{"password wrong type", "POST", base + "/suspend", tok, "application/json", `{"password":1,"otp":"123456"}`, 400, "invalid_request", "string parameter password"},
		{"missing password", "POST", base + "/suspend", tok, "application/json", `{"otp":"123456"}`, 400, "invalid_request", "password"},
		{"missing otp", "POST", base + "/suspend", tok, "application/json", `{"password":"x"}`, 400, "invalid_request", "otp"},
		{"huge body", "POST", base + "/suspend", tok, "application/json", `{"note":"` + strings.Repeat("a", 20000) + `"}`, 400, "invalid_request", "larger than"},
		{"unknown credential", "POST", "/api/v1/credentials/nosuchcredential/suspend", tok, "application/json", `{"password":"x","otp":"123456"}`, 400, "invalid_request", "credentialID"},
		{"someone else's credential", "POST", "/api/v1/credentials/" + other.CredentialID + "/suspend", tok, "application/json", `{"password":"x","otp":"123456"}`, 400, "invalid_request", "credentialID"},
		{"overlong credential ID", "POST", "/api/v1/credentials/" + strings.Repeat("c", 200) + "/suspend", tok, "application/json", `{"password":"x","otp":"123456"}`, 400, "invalid_request", "credentialID"},
		{"reason on a suspension", "POST", base + "/suspend", tok, "application/json", `{"password":"x","otp":"123456","reason":"keyCompromise"}`, 400, "invalid_request", "reason"},
		{"unknown revocation reason", "POST", base + "/revoke", tok, "application/json", `{"password":"x","otp":"123456","reason":"bored"}`, 400, "invalid_request", "reason"},
		{"reason reserved to the TSP", "POST", base + "/revoke", tok, "application/json", `{"password":"x","otp":"123456","reason":"privilegeWithdrawn"}`, 400, "invalid_request", "holder may give"},
		{"certificateHold is not a revocation", "POST", base + "/revoke", tok, "application/json", `{"password":"x","otp":"123456","reason":"certificateHold"}`, 400, "invalid_request", "reason"},
		{"control characters in note", "POST", base + "/suspend", tok, "application/json", `{"password":"x","otp":"123456","note":"a\u0007b"}`, 400, "invalid_request", "note"},
		{"note too long", "POST", base + "/suspend", tok, "application/json", `{"password":"x","otp":"123456","note":"` + strings.Repeat("é", 201) + `"}`, 400, "invalid_request", "note"},
		{"OTP for another operation", "POST", base + "/revoke", tok, "application/json", `{"password":"` + h.Password + `","otp":"` + code + `"}`, 400, "invalid_authentication_data", "OTP"},
		{"wrong password", "POST", base + "/suspend", tok, "application/json", `{"password":"Wrong-Pass1!","otp":"` + code + `"}`, 400, "authentication_error", ""},
		{"used OTP", "POST", base + "/suspend", tok, "application/json", `{"password":"` + h.Password + `","otp":"` + code + `"}`, 400, "invalid_authentication_data", "OTP"},
		{"challenge: unknown action", "POST", base + "/challenge", tok, "application/json", `{"action":"destroy"}`, 400, "invalid_request", "action"},
		{"challenge: no action", "POST", base + "/challenge", tok, "application/json", `{}`, 400, "invalid_request", "action"},
		{"GET on an operation", "GET", base + "/suspend", tok, "", ``, 405, "invalid_request", ""},
		{"unknown route", "POST", base + "/explode", tok, "application/json", `{}`, 404, "invalid_request", ""},
		{"status of someone else's credential", "GET", "/api/v1/credentials/" + other.CredentialID, tok, "", ``, 400, "invalid_request", "credentialID"},
		{"emergency: empty", "POST", "/api/v1/emergency/suspend", "", "application/json", `{}`, 400, "invalid_request", "userID"},
		{"emergency: code not digits", "POST", "/api/v1/emergency/suspend", "", "application/json", `{"userID":"` + h.ID + `","erc":"abcdefabcdef"}`, 400, "invalid_request", "erc"},
		{"emergency: code too short", "POST", "/api/v1/emergency/suspend", "", "application/json", `{"userID":"` + h.ID + `","erc":"123"}`, 400, "invalid_request", "erc"},
		{"emergency: userID wrong type", "POST", "/api/v1/emergency/suspend", "", "application/json", `{"userID":["a"],"erc":"123456789012"}`, 400, "invalid_request", "userID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, s.URL+tt.path, bytes.NewBufferString(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			st, body := testutil.Do(t, req)
			if st != tt.wantStatus || body["error"] != tt.wantError {
				t.Fatalf("%d %v, want %d %s", st, body, tt.wantStatus, tt.wantError)
			}
			if desc, _ := body["error_description"].(string); !strings.Contains(strings.ToLower(desc), strings.ToLower(tt.wantDesc)) {
				t.Fatalf("error_description %q lacks %q", desc, tt.wantDesc)
			}
		})
	}
	// Nothing of the above changed the certificate.
	req, _ := http.NewRequest(http.MethodGet, s.URL+base, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	st, body := testutil.Do(t, req)
	if st != http.StatusOK || body["cert"].(map[string]any)["status"] != "valid" {
		t.Fatalf("status after the refused requests: %d %v", st, body)
	}
}

// TestEmergencySuspension: user ID + emergency code alone suspend the
// certificate; wrong codes and unknown users get the same answer, wrong
// codes are counted and block the route at 10, and the route is
// rate-limited per user ID.
func TestEmergencySuspension(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	victim := s.NewHolder(t, "ec-p256")
	if len(h.ERC) != 12 {
		t.Fatalf("the emergency code %q is not 12 digits", h.ERC)
	}
	emergency := func(user, erc string) (int, map[string]any, time.Duration) {
		start := time.Now()
		st, body := s.Post(t, "/api/v1/emergency/suspend", "", map[string]any{"userID": user, "erc": erc})
		return st, body, time.Since(start)
	}

	// The right code, typed with spaces, suspends; again is harmless.
	for i := 0; i < 2; i++ {
		st, body, _ := emergency(h.ID, h.ERC[:4]+" "+h.ERC[4:8]+" "+h.ERC[8:])
		if st != http.StatusOK || body["cert"].(map[string]any)["status"] != "suspended" || body["credentialID"] != h.CredentialID {
			t.Fatalf("emergency suspend #%d: %d %v", i+1, st, body)
		}
	}
	tok := s.Login(t, "v2", h.ID, h.Password)
	st, body := s.Post(t, "/csc/v2/credentials/info", tok, map[string]any{"credentialID": h.CredentialID})
	if st != http.StatusOK || body["cert"].(map[string]any)["status"] != "suspended" {
		t.Fatalf("credentials/info after the emergency: %d %v", st, body)
	}

	// Unknown user and wrong code: one answer, and neither is quick.
	stU, bodyU, dU := emergency("nobody-here", "123456789012")
	stW, bodyW, dW := emergency(victim.ID, wrongCode(victim.ERC))
	if stU != http.StatusBadRequest || stU != stW || bodyU["error"] != bodyW["error"] || bodyU["error_description"] != bodyW["error_description"] {
		t.Fatalf("unknown user %d %v vs wrong code %d %v: must be identical", stU, bodyU, stW, bodyW)
	}
	if dU < 250*time.Millisecond || dW < 250*time.Millisecond {
		t.Fatalf("refusals took %v and %v: both must take the floor (300 ms)", dU, dW)
	}

	// Ten wrong codes in all block the route for the victim's account:
	// then even the right code is refused, with the same answer.
	for i := 2; i <= 10; i++ {
		if st, body, _ := emergency(victim.ID, wrongCode(victim.ERC)); st != stW || body["error_description"] != bodyW["error_description"] {
			t.Fatalf("wrong code #%d: %d %v", i, st, body)
		}
	}
	if st, body, _ := emergency(victim.ID, victim.ERC); st != stW || body["error_description"] != bodyW["error_description"] {
		t.Fatalf("right code after 10 wrong ones: %d %v, want the uniform refusal", st, body)
	}
	vtok := s.Login(t, "v2", victim.ID, victim.Password)
	if st, body := s.Post(t, "/csc/v2/credentials/info", vtok, map[string]any{"credentialID": victim.CredentialID}); st != http.StatusOK || body["cert"].(map[string]any)["status"] != "valid" {
		t.Fatalf("the blocked victim's certificate changed: %d %v", st, body)
	}
	// 12 requests per user ID at once: the 13th is turned away before any
	// code is checked.
	if st, body, _ := emergency(victim.ID, victim.ERC); st != stW {
		t.Fatalf("12th request: %d %v", st, body)
	}
	if st, body, d := emergency(victim.ID, victim.ERC); st != http.StatusTooManyRequests || body["error"] != "temporarily_unavailable" || d > 200*time.Millisecond {
		t.Fatalf("13th request: %d %v in %v, want a quick 429", st, body, d)
	}

	// Every attempt is in the audit log, none with the code.
	var denied, suspended, already int
	for _, r := range auditOf(t, s) {
		line := fmt.Sprint(r)
		if strings.Contains(line, victim.ERC) || strings.Contains(line, h.ERC) {
			t.Fatal("an emergency code reached the audit log")
		}
		switch {
		case r.Type == "certificate.emergency-suspend" && r.Outcome == "denied":
			denied++
		case r.Type == "certificate.emergency-suspend" && r.Outcome == "ok":
			already++
		case r.Type == "certificate.suspend" && r.Outcome == "ok" && r.Detail["actor"] == "emergency":
			suspended++
		}
	}
	if denied != 13 || suspended != 1 || already != 1 {
		t.Fatalf("audit: %d refusals (want 13: unknown user, 10 wrong codes, 2 while blocked), %d suspensions (want 1), %d repeats (want 1)", denied, suspended, already)
	}
}

func auditOf(t *testing.T, s *testutil.Server) []audit.Record {
	t.Helper()
	raw := s.AuditText(t)
	var out []audit.Record
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var r audit.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// wrongCode is a 12-digit code that is not erc.
func wrongCode(erc string) string {
	if erc == "000000000000" {
		return "111111111111"
	}
	return "000000000000"
}

// TestManagementRefusesCredentialTokens: an OAuth credential-scope token
// authorizes signing its hashes, not managing the certificate.
func TestManagementRefusesCredentialTokens(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	clientID, secret, err := s.App.OAuth.RegisterClient(t.Context(), "Wallet", []string{redirectURI}, false)
	if err != nil {
		t.Fatal(err)
	}
	hashes, _ := randomHashes(t, crypto.SHA256, 1)
	details, _ := json.Marshal([]map[string]any{{
		"type": "credential", "credentialID": h.CredentialID, "hashAlgorithmOID": sam.OIDSHA256,
		"documentDigests": []map[string]string{{"hash": hashes[0], "label": "Contract"}},
	}})
	verifier, challenge := pkce(t)
	code := runBrowserFlow(t, s, h, clientID, secret, details, challenge)
	st, body := tokenCall(t, s, clientID, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier}, "redirect_uri": {redirectURI}})
	if st != http.StatusOK {
		t.Fatalf("token: %d %v", st, body)
	}
	credTok := body["access_token"].(string)
	for _, path := range []string{"/challenge", "/suspend"} {
		st, body := s.Post(t, "/api/v1/credentials/"+h.CredentialID+path, credTok, map[string]any{"action": "suspend", "password": h.Password, "otp": "123456"})
		if st != http.StatusForbidden || body["error"] != "access_denied" {
			t.Fatalf("%s with a credential token: %d %v, want 403 access_denied", path, st, body)
		}
	}
}
