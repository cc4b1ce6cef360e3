package csc_test

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
)

// flow is one holder signing through the CSC API of a real server.
type flow struct {
	t   *testing.T
	s   *testutil.Server
	h   testutil.Holder
	v   string // "v1" or "v2"
	tok string
}

func newFlow(t *testing.T, s *testutil.Server, key string) *flow {
	t.Helper()
	h := s.NewHolder(t, key)
	return &flow{t: t, s: s, h: h, v: "v2", tok: s.Login(t, "v2", h.ID, h.Password)}
}

// with rebinds the flow to a subtest's t.
func (f *flow) with(t *testing.T) *flow {
	c := *f
	c.t = t
	return &c
}

func (f *flow) path(method string) string { return "/csc/" + f.v + "/" + method }

func (f *flow) post(method string, body any) (int, map[string]any) {
	f.t.Helper()
	return f.s.Post(f.t, f.path(method), f.tok, body)
}

// otp asks the server to send a signing OTP and reads it from the outbox.
func (f *flow) otp() string {
	f.t.Helper()
	st, body := f.post("credentials/sendOTP", map[string]any{"credentialID": f.h.CredentialID})
	if st == http.StatusTooManyRequests {
		// A refused request left the previous code unused, and codes are
		// resent at most every 20 s.
		f.s.Clock.Advance(21 * time.Second)
		st, body = f.post("credentials/sendOTP", map[string]any{"credentialID": f.h.CredentialID})
	}
	if st != http.StatusNoContent {
		f.t.Fatalf("sendOTP: %d %v", st, body)
	}
	return f.s.LastCode(f.t, f.h.Phone)
}

// authorize obtains a SAD for hashes with the right PIN and a fresh OTP.
func (f *flow) authorize(num int, hashes []string, hashOID string) string {
	f.t.Helper()
	st, body := f.authorizeWith(num, hashes, hashOID, f.h.PIN, f.otp())
	if st != http.StatusOK {
		f.t.Fatalf("authorize: %d %v", st, body)
	}
	if body["expiresIn"].(float64) > 300 {
		f.t.Fatalf("SAD lives %v s, want <= 300", body["expiresIn"])
	}
	return body["SAD"].(string)
}

func (f *flow) authorizeWith(num int, hashes []string, hashOID, pin, otp string) (int, map[string]any) {
	f.t.Helper()
	req := map[string]any{"credentialID": f.h.CredentialID, "numSignatures": num, "hashes": hashes,
		"authData": []map[string]string{{"id": "PIN", "value": pin}, {"id": "OTP", "value": otp}}}
	if hashOID != "" {
		req["hashAlgorithmOID"] = hashOID
	}
	return f.post("credentials/authorize", req)
}

func (f *flow) signHash(sad string, hashes []string, signAlgo, hashOID, params string) (int, map[string]any) {
	f.t.Helper()
	req := map[string]any{"credentialID": f.h.CredentialID, "SAD": sad, "hashes": hashes, "signAlgo": signAlgo}
	if hashOID != "" {
		req["hashAlgorithmOID"] = hashOID
	}
	if params != "" {
		req["signAlgoParams"] = params
	}
	return f.post("signatures/signHash", req)
}

func wantError(t *testing.T, st int, body map[string]any, status int, code, desc string) {
	t.Helper()
	if st != status || body["error"] != code || (desc != "" && body["error_description"] != desc) {
		t.Fatalf("got %d %v, want %d %s %q", st, body, status, code, desc)
	}
}

// randomHashes returns n random digests of h, standard base64.
func randomHashes(t *testing.T, h crypto.Hash, n int) ([]string, [][]byte) {
	t.Helper()
	b64 := make([]string, n)
	raw := make([][]byte, n)
	for i := range raw {
		raw[i] = make([]byte, h.Size())
		if _, err := rand.Read(raw[i]); err != nil {
			t.Fatal(err)
		}
		b64[i] = base64.StdEncoding.EncodeToString(raw[i])
	}
	return b64, raw
}
