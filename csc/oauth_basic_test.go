package csc_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// percentEncodeAll form-urlencodes every byte, as a strict client may:
// RFC 6749 section 2.3.1 encodes the client ID and secret before Basic.
func percentEncodeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// TestOAuthBasicCredentialsAreFormDecoded: a client that form-urlencodes its
// ID and secret inside HTTP Basic (oauth4webapi sends "-" as "%2D")
// authenticates at PAR and at the token endpoint; the raw form keeps working,
// and a wrong secret in either form is still refused.
func TestOAuthBasicCredentialsAreFormDecoded(t *testing.T) {
	s := testutil.StartServer(t)
	clientID, secret, err := s.App.OAuth.RegisterClient(t.Context(), "Strict Client", []string{redirectURI}, false)
	if err != nil {
		t.Fatal(err)
	}
	_, challenge := pkce(t)
	par := url.Values{"response_type": {"code"}, "redirect_uri": {redirectURI}, "code_challenge": {challenge},
		"code_challenge_method": {"S256"}, "scope": {"service"}}
	post := func(path, user, pass string, form url.Values) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(user, pass)
		st, _ := testutil.Do(t, req)
		return st
	}
	tests := []struct {
		name       string
		user, pass string
		par, token int // statuses: PAR, and token with an unknown code
	}{
		{"raw", clientID, secret, 201, 400},
		{"every byte encoded", percentEncodeAll(clientID), percentEncodeAll(secret), 201, 400},
		{"url.QueryEscape", url.QueryEscape(clientID), url.QueryEscape(secret), 201, 400},
		{"wrong secret encoded", percentEncodeAll(clientID), percentEncodeAll(secret + "x"), 401, 401},
		{"wrong secret raw", clientID, "x" + secret, 401, 401},
		{"broken encoding", clientID, secret + "%zz", 401, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if st := post("/oauth2/pushed_authorize", tc.user, tc.pass, par); st != tc.par {
				t.Errorf("PAR: %d, want %d", st, tc.par)
			}
			// 400 invalid_grant means the client authenticated and only the code was wrong.
			code := url.Values{"grant_type": {"authorization_code"}, "code": {"no-such-code"}, "code_verifier": {strings.Repeat("v", 43)}, "redirect_uri": {redirectURI}}
			if st := post("/oauth2/token", tc.user, tc.pass, code); st != tc.token {
				t.Errorf("token: %d, want %d", st, tc.token)
			}
		})
	}
}
