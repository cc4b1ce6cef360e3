package app_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"image/png"
	"net/http"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// TestPublicRoutes fetches every route outside /csc/ through testutil
// (which holds each answer to openapi.yaml) and checks what it carries.
func TestPublicRoutes(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	get := func(path string) []byte {
		t.Helper()
		resp, body := s.Get(t, path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no X-Content-Type-Options: nosniff", path)
		}
		return body
	}

	root, err := x509.ParseCertificate(get("/ca/root.crt"))
	if err != nil {
		t.Fatalf("root.crt: %v", err)
	}
	if !root.IsCA || root.CheckSignatureFrom(root) != nil {
		t.Errorf("root.crt is not a self-signed CA certificate: %s", root.Subject)
	}
	issuing, err := x509.ParseCertificate(get("/ca/issuing.crt"))
	if err != nil {
		t.Fatalf("issuing.crt: %v", err)
	}
	if !issuing.IsCA || issuing.CheckSignatureFrom(root) != nil {
		t.Errorf("issuing.crt is not a CA certificate signed by the root: %s", issuing.Subject)
	}
	block, rest := pem.Decode(get("/ca/root.pem"))
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 || !bytes.Equal(block.Bytes, root.Raw) {
		t.Errorf("root.pem is not exactly root.crt as one PEM block")
	}
	logo, err := png.Decode(bytes.NewReader(get("/logo.png")))
	if err != nil {
		t.Fatalf("logo.png: %v", err)
	}
	if b := logo.Bounds(); b.Dx() != 128 || b.Dy() != 128 {
		t.Errorf("logo is %dx%d, want 128x128", b.Dx(), b.Dy())
	}
	if got := string(get("/healthz")); got != "ok\n" {
		t.Errorf("healthz: %q", got)
	}

	// HEAD mirrors GET without a body; other methods are refused.
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodHead, "/ca/root.crt", http.StatusOK},
		{http.MethodHead, "/healthz", http.StatusOK},
		{http.MethodPost, "/ca/root.crt", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/openapi.yaml", http.StatusMethodNotAllowed},
	} {
		req, err := http.NewRequest(tc.method, s.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := testutil.DoRaw(t, req)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		if tc.method == http.MethodHead && len(body) != 0 {
			t.Errorf("HEAD %s has a body", tc.path)
		}
	}
}
