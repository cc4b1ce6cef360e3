package csc_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
)

func loginReq(s *testutil.Server, version, body string, auth func(*http.Request)) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/csc/"+version+"/auth/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != nil {
		auth(req)
	}
	return req
}

func TestLoginRefreshRevoke(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	basic := func(r *http.Request) { r.SetBasicAuth(h.ID, h.Password) }

	st, body := testutil.Do(t, loginReq(s, "v2", `{"rememberMe":true}`, basic))
	if st != 200 || body["access_token"] == nil || body["refresh_token"] == nil || body["expires_in"].(float64) != 3600 {
		t.Fatalf("login: %d %v", st, body)
	}
	access, refresh := body["access_token"].(string), body["refresh_token"].(string)
	if st, body := testutil.Do(t, loginReq(s, "v2", `{}`, basic)); st != 200 || body["refresh_token"] != nil {
		t.Fatalf("login without rememberMe must not return a refresh token: %d %v", st, body)
	}

	// The refresh token logs in again without the password.
	st, body = testutil.Do(t, loginReq(s, "v1", `{"refresh_token":"`+refresh+`"}`, nil))
	if st != 200 || body["access_token"] == nil {
		t.Fatalf("login with refresh_token: %d %v", st, body)
	}
	second := body["access_token"].(string)

	// Revoking an access token ends it and only it.
	if st, body := s.Post(t, "/csc/v2/auth/revoke", access, map[string]any{"token": access, "token_type_hint": "access_token"}); st != 204 {
		t.Fatalf("revoke: %d %v", st, body)
	}
	st, body = s.Post(t, "/csc/v2/credentials/list", access, map[string]any{})
	wantError(t, st, body, 401, "invalid_token", "The access token has been revoked")
	if st, _ := s.Post(t, "/csc/v2/credentials/list", second, map[string]any{}); st != 200 {
		t.Fatal("revoking one access token must not revoke others")
	}
	// Revoking the refresh token ends its whole grant.
	if st, body := s.Post(t, "/csc/v2/auth/revoke", second, map[string]any{"token": refresh, "token_type_hint": "refresh_token"}); st != 204 {
		t.Fatalf("revoke refresh: %d %v", st, body)
	}
	if st, _ := s.Post(t, "/csc/v2/credentials/list", second, map[string]any{}); st != 401 {
		t.Fatal("tokens of a revoked refresh token's grant must stop working")
	}
	st, body = testutil.Do(t, loginReq(s, "v2", `{"refresh_token":"`+refresh+`"}`, nil))
	wantError(t, st, body, 400, "invalid_request", "Invalid refresh_token")

	// Expiry.
	tok := s.Login(t, "v2", h.ID, h.Password)
	s.Clock.Advance(time.Hour + time.Second)
	st, body = s.Post(t, "/csc/v2/credentials/list", tok, map[string]any{})
	wantError(t, st, body, 401, "expired_token", "")
}

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tests := []struct {
		name   string
		auth   func(*http.Request)
		body   string
		status int
		code   string
		desc   string
	}{
		{"wrong password", func(r *http.Request) { r.SetBasicAuth(h.ID, "Wrong-Pass1!") }, `{}`, 400, "authentication_error", "An error occurred during authentication process"},
		{"unknown user says the same", func(r *http.Request) { r.SetBasicAuth("nobody", "Wrong-Pass1!") }, `{}`, 400, "authentication_error", "An error occurred during authentication process"},
		{"not basic", func(r *http.Request) { r.Header.Set("Authorization", "Digest abc") }, `{}`, 401, "invalid_request", "Malformed authentication parameter"},
		{"bad base64", func(r *http.Request) { r.Header.Set("Authorization", "Basic !!!") }, `{}`, 401, "invalid_request", "Malformed authentication parameter"},
		{"no colon", func(r *http.Request) { r.Header.Set("Authorization", "Basic dXNlcg==") }, `{}`, 400, "invalid_request", "Malformed username-password"},
		{"nothing", nil, `{}`, 401, "invalid_request", ""},
		{"refresh token of the wrong type", nil, `{"refresh_token":42}`, 400, "invalid_request", "Missing (or invalid type) string parameter refresh_token"},
		{"garbage refresh token", nil, `{"refresh_token":"abc"}`, 400, "invalid_request", "Invalid refresh_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := testutil.Do(t, loginReq(s, "v2", tt.body, tt.auth))
			wantError(t, st, body, tt.status, tt.code, tt.desc)
		})
	}
}

// TestLoginLockout: issue 17 replaced the account lockout with a delay of
// the (user ID, address) pair that failed: five wrong passwords from one
// address refuse that address for the throttle's first delay (429 with
// Retry-After), even with the right password, and then it works again.
func TestLoginLockout(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	for i := 0; i < 5; i++ {
		st, body := testutil.Do(t, loginReq(s, "v2", `{}`, func(r *http.Request) { r.SetBasicAuth(h.ID, "Wrong-Pass1!") }))
		wantError(t, st, body, 400, "authentication_error", "")
	}
	resp, raw := testutil.DoRaw(t, loginReq(s, "v2", `{}`, func(r *http.Request) { r.SetBasicAuth(h.ID, h.Password) }))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" || !strings.Contains(string(raw), "Too many failed logins for this user ID") {
		t.Fatalf("right password after 5 failures from this address: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), raw)
	}
	s.Clock.Advance(s.App.Accounts.Config().Throttle.PairDelay)
	if st, body := testutil.Do(t, loginReq(s, "v2", `{}`, func(r *http.Request) { r.SetBasicAuth(h.ID, h.Password) })); st != 200 {
		t.Fatalf("after the delay: %d %v", st, body)
	}
}
