package testutil

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"
)

// SHA256B64 is the standard base64 SHA-256 of data: what a client sends to
// credentials/authorize for a whole document.
func SHA256B64(data []byte) string {
	d := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(d[:])
}

// Authorize has the server text h an OTP and returns a SAD for
// numSignatures signatures over hashes (standard base64 SHA-256 digests),
// through the v2 names of credentials/authorize.
func (s *Server) Authorize(t testing.TB, token string, h Holder, numSignatures int, hashes ...string) string {
	t.Helper()
	if st, body := s.Post(t, "/csc/v2/credentials/getChallenge", token, map[string]any{"credentialID": h.CredentialID, "authObjectID": "OTP"}); st != http.StatusNoContent {
		t.Fatalf("getChallenge: %d %v", st, body)
	}
	st, body := s.Post(t, "/csc/v2/credentials/authorize", token, map[string]any{
		"credentialID": h.CredentialID, "numSignatures": numSignatures, "hashes": hashes,
		"authData": []map[string]string{{"id": "PIN", "value": h.PIN}, {"id": "OTP", "value": s.LastCode(t, h.Phone)}},
	})
	if st != http.StatusOK {
		t.Fatalf("authorize: %d %v", st, body)
	}
	return body["SAD"].(string)
}
