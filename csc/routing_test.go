package csc_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qesproject/qes/csc"
	"github.com/qesproject/qes/internal/testutil"
)

// TestRoutingErrors covers the answers the router gives before any handler
// runs: they need no credential service. testutil.DoRaw holds them to
// openapi.yaml like any other answer.
func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := httptest.NewServer(csc.New(nil, csc.Config{}, log))
	t.Cleanup(srv.Close)
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/csc/v2/info", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPut, "/csc/v1/signatures/signHash", http.StatusMethodNotAllowed, "POST"},
		{http.MethodGet, "/csc/v2/credentials/getChallenge", http.StatusMethodNotAllowed, "POST"},
		// v2-only methods do not exist under /csc/v1, whatever the HTTP method.
		{http.MethodPost, "/csc/v1/credentials/getChallenge", http.StatusNotImplemented, ""},
		{http.MethodPost, "/csc/v1/credentials/authorizeCheck", http.StatusNotImplemented, ""},
		{http.MethodGet, "/csc/v1/credentials/authorizeCheck", http.StatusNotImplemented, ""},
		{http.MethodPost, "/csc/v1/signatures/signDoc", http.StatusNotImplemented, ""},
		{http.MethodPost, "/csc/v2/no/such/method", http.StatusNotImplemented, ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, raw := testutil.DoRaw(t, req)
			var p struct{ Error, ErrorDescription string }
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatalf("body %q: %v", raw, err)
			}
			if resp.StatusCode != tc.status || p.Error != "invalid_request" {
				t.Fatalf("got %d %s, want %d invalid_request", resp.StatusCode, raw, tc.status)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
		})
	}
	// None of these is the server's fault: nothing for the error log.
	if logged.Len() > 0 {
		t.Errorf("client mistakes were logged as problems:\n%s", logged.String())
	}
}

// TestLoginRefusals covers auth/login's answers to a missing or malformed
// Authorization header (spec 11.2), which come before any account lookup.
func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(csc.New(nil, csc.Config{}, nil))
	t.Cleanup(srv.Close)
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name, authorization string
		status              int
		desc, challenge     string
	}{
		{"no authentication", "", http.StatusUnauthorized, "Missing authentication: use HTTP Basic with user ID and password, or a refresh_token", "Basic"},
		{"not Basic", "Digest abc", http.StatusUnauthorized, "Malformed authentication parameter", "Basic"},
		{"not base64", "Basic !!!", http.StatusUnauthorized, "Malformed authentication parameter", "Basic"},
		{"no colon", "Basic " + b64([]byte("alice")), http.StatusBadRequest, "Malformed username-password", ""},
		{"empty user", "Basic " + b64([]byte(":secret")), http.StatusBadRequest, "Malformed username-password", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/csc/v2/auth/login", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			resp, raw := testutil.DoRaw(t, req)
			var p struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || p.Error != "invalid_request" || p.Description != tc.desc {
				t.Fatalf("got %d %+v, want %d invalid_request %q", resp.StatusCode, p, tc.status, tc.desc)
			}
			scheme, _, _ := strings.Cut(resp.Header.Get("WWW-Authenticate"), " ")
			if scheme != tc.challenge {
				t.Errorf("WWW-Authenticate scheme %q, want %q", scheme, tc.challenge)
			}
		})
	}
}
