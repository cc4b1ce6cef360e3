package csc_test

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/tsa"
)

func TestTimestampTokenVerifiesWithOpenSSL(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	d256 := sha256.Sum256([]byte("document to time-stamp"))
	d512 := sha512.Sum512([]byte("document to time-stamp"))
	tests := []struct {
		name, version, hashAlgoKey, hashAlgo, nonce string
		digest                                      []byte
	}{
		{"v2 SHA-256 with nonce", "v2", "hashAlgo", "2.16.840.1.101.3.4.2.1", "0a1b2c3d4e5f6071", d256[:]},
		{"v1 SHA-512 without nonce", "v1", "hashAlgo", "2.16.840.1.101.3.4.2.3", "", d512[:]},
		{"v2 name hashAlgorithmOID", "v2", "hashAlgorithmOID", "2.16.840.1.101.3.4.2.1", "ff", d256[:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := s.Login(t, tt.version, h.ID, h.Password)
			req := map[string]any{"hash": base64.StdEncoding.EncodeToString(tt.digest), tt.hashAlgoKey: tt.hashAlgo}
			if tt.nonce != "" {
				req["nonce"] = tt.nonce
			}
			st, body := s.Post(t, "/csc/"+tt.version+"/signatures/timestamp", tok, req)
			if st != http.StatusOK {
				t.Fatalf("timestamp: %d %v", st, body)
			}
			token, err := base64.StdEncoding.DecodeString(body["timestamp"].(string))
			if err != nil {
				t.Fatal(err)
			}
			auth := s.App.Authorities
			if ok, out := testutil.OpensslTSVerify(t, token, nil, hex.EncodeToString(tt.digest), auth.Root); !ok {
				t.Fatalf("openssl ts -verify (the token must carry its chain):\n%s", out)
			}
			info, err := tsa.ParseToken(token)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Policy.String(); got != s.App.Cfg.TSA.PolicyOID {
				t.Fatalf("policy %s, want the configured %s", got, s.App.Cfg.TSA.PolicyOID)
			}
			switch {
			case tt.nonce == "" && info.Nonce != nil:
				t.Fatalf("nonce %v echoed although none was sent", info.Nonce)
			case tt.nonce != "" && (info.Nonce == nil || hex.EncodeToString(info.Nonce.Bytes()) != tt.nonce):
				t.Fatalf("nonce %v, want %s", info.Nonce, tt.nonce)
			}
			if info.GenTime.Sub(s.Clock.Now()).Abs() > time.Second {
				t.Fatalf("genTime %v is not the server clock's %v", info.GenTime, s.Clock.Now())
			}
		})
	}
}

func TestTimestampBadInput(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	d := sha256.Sum256([]byte("x"))
	good := base64.StdEncoding.EncodeToString(d[:])
	sha256OID := "2.16.840.1.101.3.4.2.1"
	tests := []struct {
		name string
		body any
		want string
	}{
		{"no hash", map[string]any{"hashAlgo": sha256OID}, "Missing (or invalid type) string parameter hash"},
		{"hash not a string", map[string]any{"hash": 7, "hashAlgo": sha256OID}, "Missing (or invalid type) string parameter hash"},
		{"no hashAlgo", map[string]any{"hash": good}, "Missing (or invalid type) string parameter hashAlgo"},
		{"bad base64", map[string]any{"hash": "!!not base64!!", "hashAlgo": sha256OID}, "Invalid Base64 hash string parameter"},
		{"unknown hashAlgo", map[string]any{"hash": good, "hashAlgo": "1.3.14.3.2.26"}, "Invalid parameter hashAlgo"},
		{"wrong length", map[string]any{"hash": good, "hashAlgo": "2.16.840.1.101.3.4.2.3"}, "Invalid digest value length"},
		{"nonce not hex", map[string]any{"hash": good, "hashAlgo": sha256OID, "nonce": "xyz"}, "Invalid parameter nonce"},
		{"nonce too long", map[string]any{"hash": good, "hashAlgo": sha256OID, "nonce": strings.Repeat("ff", 65)}, "Invalid parameter nonce"},
		{"not JSON", "hash=x", "The request body must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/csc/v2/signatures/timestamp", tok, tt.body)
			desc, _ := body["error_description"].(string)
			if st != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.HasPrefix(desc, tt.want) {
				t.Fatalf("got %d %v, want 400 invalid_request %q", st, body, tt.want)
			}
		})
	}
	if st, body := s.Post(t, "/csc/v2/signatures/timestamp", "", map[string]any{"hash": good, "hashAlgo": sha256OID}); st != http.StatusUnauthorized {
		t.Fatalf("without an access token: %d %v, want 401", st, body)
	}
}
