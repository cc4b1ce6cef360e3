package ocsp

import (
	"context"
	"crypto"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseRequest feeds arbitrary DER to the request parser and the whole
// responder: no panic, and every input gets a well-formed OCSP answer.
func FuzzParseRequest(f *testing.F) {
	p := newTestPKI(f)
	good := mustRequest(f, p.leaves["good"], p.ca.cert, crypto.SHA1)
	f.Add(good)
	f.Add(mustRequest(f, p.leaves["revoked"], p.ca.cert, crypto.SHA256))
	f.Add(requestWithNonce(f, good, []byte{0x04, 0x02, 0xaa, 0xbb}))
	fixtures, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "ocsp", "*.der"))
	for _, path := range fixtures {
		if der, err := os.ReadFile(path); err == nil {
			f.Add(der)
		}
	}
	r := newTestResponder(f, p, standardSource(p))
	f.Fuzz(func(t *testing.T, der []byte) {
		req, err := parseRequest(der)
		if err == nil && (req.serial == nil || len(req.serialDER) == 0) {
			t.Fatalf("accepted a request without serial: %+v", req)
		}
		a := r.respond(context.Background(), der)
		if a.status == statusSuccessful && (a.e == nil || len(a.e.der) == 0) {
			t.Fatal("successful answer without a response")
		}
		if a.status != statusSuccessful && errorResponses[a.status] == nil {
			t.Fatalf("answer status %d has no encoding", a.status)
		}
	})
}

// FuzzGETPath drives the HTTP GET decoding with arbitrary paths.
func FuzzGETPath(f *testing.F) {
	p := newTestPKI(f)
	good := base64.StdEncoding.EncodeToString(mustRequest(f, p.leaves["good"], p.ca.cert, crypto.SHA1))
	f.Add(good)
	f.Add(strings.TrimRight(good, "="))
	f.Add(strings.ReplaceAll(good, "+", " "))
	f.Add("%2F%2B")
	r := newTestResponder(f, p, standardSource(p))
	f.Fuzz(func(t *testing.T, path string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = "/" + path
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != contentTypeResponse {
			t.Fatalf("GET %q: HTTP %d %q", path, w.Code, w.Header().Get("Content-Type"))
		}
	})
}
