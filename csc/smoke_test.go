package csc_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

func TestSmokeSignOneHash(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	if st, body := s.Post(t, "/csc/v2/credentials/sendOTP", tok, map[string]any{"credentialID": h.CredentialID}); st != http.StatusNoContent {
		t.Fatalf("sendOTP: %d %v", st, body)
	}
	d := sha256.Sum256([]byte("hello"))
	hash := base64.StdEncoding.EncodeToString(d[:])
	st, body := s.Post(t, "/csc/v2/credentials/authorize", tok, map[string]any{
		"credentialID": h.CredentialID, "numSignatures": 1, "hashes": []string{hash},
		"authData": []map[string]string{{"id": "PIN", "value": h.PIN}, {"id": "OTP", "value": s.LastCode(t, h.Phone)}},
	})
	if st != http.StatusOK {
		t.Fatalf("authorize: %d %v", st, body)
	}
	st, body = s.Post(t, "/csc/v2/signatures/signHash", tok, map[string]any{
		"credentialID": h.CredentialID, "SAD": body["SAD"], "hashes": []string{hash}, "signAlgo": "1.2.840.10045.4.3.2",
	})
	if st != http.StatusOK || len(body["signatures"].([]any)) != 1 {
		t.Fatalf("signHash: %d %v", st, body)
	}
}
