package csc_test

import (
	"crypto"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// Bad input gets the spec's status and {"error","error_description"}, never
// a 500 or a panic (testutil.Do fails the test on a 5xx other than 501/503).
func TestBadInput(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	f := newFlow(t, s, "ec-p256")
	other := newFlow(t, s, "ec-p256")
	hashes, _ := randomHashes(t, crypto.SHA256, 1)
	sad := f.authorize(1, hashes, "")
	cid := f.h.CredentialID
	huge := make([]string, 5000)
	for i := range huge {
		huge[i] = hashes[0]
	}
	hugeJSON := `["` + strings.Join(huge, `","`) + `"]`

	tests := []struct {
		name, path, ctype, body string
		token                   string // "" = the holder's token, "-" = none
		status                  int
		code, desc              string
	}{
		{"malformed JSON", "credentials/info", "application/json", `{"credentialID":`, "", 400, "invalid_request", "The request body is not valid JSON"},
		{"JSON array", "credentials/info", "application/json", `[1,2]`, "", 400, "invalid_request", "The request body must be a JSON object"},
		{"wrong content type", "credentials/info", "text/plain", `{"credentialID":"x"}`, "", 400, "invalid_request", "The Content-Type must be application/json"},
		{"form content type", "signatures/signHash", "application/x-www-form-urlencoded", `credentialID=x`, "", 400, "invalid_request", "The Content-Type must be application/json"},
		{"missing token", "credentials/list", "application/json", `{}`, "-", 401, "invalid_token", ""},
		{"garbage token", "credentials/list", "application/json", `{}`, "garbage", 401, "invalid_token", "The access token is not valid"},
		{"missing credentialID", "credentials/info", "application/json", `{}`, "", 400, "invalid_request", "Missing (or invalid type) string parameter credentialID"},
		{"credentialID of the wrong type", "credentials/info", "application/json", `{"credentialID":7}`, "", 400, "invalid_request", "Missing (or invalid type) string parameter credentialID"},
		{"unknown credential", "credentials/info", "application/json", `{"credentialID":"nope"}`, "", 400, "invalid_request", "Invalid parameter credentialID"},
		{"someone else's credential", "credentials/info", "application/json", fmt.Sprintf(`{"credentialID":%q}`, other.h.CredentialID), "", 400, "invalid_request", "Invalid parameter credentialID"},
		{"bad certificates value", "credentials/info", "application/json", fmt.Sprintf(`{"credentialID":%q,"certificates":"all"}`, cid), "", 400, "invalid_request", "Invalid parameter certificates"},
		{"list for another userID", "credentials/list", "application/json", `{"userID":"somebody"}`, "", 400, "invalid_request", "userID parameter MUST be null"},
		{"numSignatures missing", "credentials/authorize", "application/json", fmt.Sprintf(`{"credentialID":%q}`, cid), "", 400, "invalid_request", "Missing (or invalid type) integer parameter numSignatures"},
		{"numSignatures not an integer", "credentials/authorize", "application/json", fmt.Sprintf(`{"credentialID":%q,"numSignatures":1.5}`, cid), "", 400, "invalid_request", "Missing (or invalid type) integer parameter numSignatures"},
		{"numSignatures zero", "credentials/authorize", "application/json", fmt.Sprintf(`{"credentialID":%q,"numSignatures":0,"hashes":["%s"]}`, cid, hashes[0]), "", 400, "invalid_request", "Invalid value for parameter numSignatures"},
		{"hash not base64", "credentials/authorize", "application/json", fmt.Sprintf(`{"credentialID":%q,"numSignatures":1,"hashes":["***"],"PIN":"1","OTP":"2"}`, cid), "", 400, "invalid_request", "Invalid Base64 hash string parameter"},
		{"hash of no known length", "credentials/authorize", "application/json", fmt.Sprintf(`{"credentialID":%q,"numSignatures":1,"hashes":["AAAA"],"PIN":"1","OTP":"2"}`, cid), "", 400, "invalid_request", "Invalid digest value length"},
		{"SHA-1 refused", "credentials/authorize", "application/json", fmt.Sprintf(`{"credentialID":%q,"numSignatures":1,"hashes":["%s"],"hashAlgorithmOID":"1.3.14.3.2.26"}`, cid, hashes[0]), "", 400, "invalid_request", "Invalid parameter hashAlgorithmOID"},
		{"unknown authData object", "credentials/authorize", "application/json", fmt.Sprintf(`{"credentialID":%q,"numSignatures":1,"hashes":["%s"],"authData":[{"id":"FACE","value":"x"}]}`, cid, hashes[0]), "", 400, "invalid_request", `Invalid parameter authData: unknown authentication object "FACE"`},
		{"hash array of the wrong type", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"hashes":"x","signAlgo":"1.2.840.10045.4.3.2"}`, cid, sad), "", 400, "invalid_request", "Missing (or invalid type) array parameter hashes"},
		{"no hashes at all", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"signAlgo":"1.2.840.10045.4.3.2"}`, cid, sad), "", 400, "invalid_request", "Missing (or invalid type) array parameter hash"},
		{"empty hash array", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"hashes":[],"signAlgo":"1.2.840.10045.4.3.2"}`, cid, sad), "", 400, "invalid_request", "Empty hash array"},
		{"huge batch", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"hashes":%s,"signAlgo":"1.2.840.10045.4.3.2"}`, cid, sad, hugeJSON), "", 400, "invalid_request", "Numbers of signatures is too high"},
		{"missing signAlgo", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"hashes":["%s"]}`, cid, sad, hashes[0]), "", 400, "invalid_request", "Missing (or invalid type) string parameter signAlgo"},
		{"unknown signAlgo OID", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"hashes":["%s"],"signAlgo":"1.2.3.4"}`, cid, sad, hashes[0]), "", 400, "invalid_request", "Invalid parameter signAlgo"},
		{"RSA algorithm on an EC key", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"hashes":["%s"],"signAlgo":"1.2.840.113549.1.1.11"}`, cid, sad, hashes[0]), "", 400, "invalid_request", "Invalid parameter signAlgo"},
		{"plain EC OID without hash OID", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"hashes":["%s"],"signAlgo":"1.2.840.10045.2.1"}`, cid, sad, hashes[0]), "", 400, "invalid_request", "Missing (or invalid type) string parameter hashAlgorithmOID"},
		{"missing SAD", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"hashes":["%s"],"signAlgo":"1.2.840.10045.4.3.2"}`, cid, hashes[0]), "", 400, "invalid_request", "Missing (or invalid type) string parameter SAD"},
		{"garbage SAD", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":"x","hashes":["%s"],"signAlgo":"1.2.840.10045.4.3.2"}`, cid, hashes[0]), "", 400, "invalid_request", "Invalid parameter SAD"},
		{"async mode", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"hashes":["%s"],"signAlgo":"1.2.840.10045.4.3.2","operationMode":"A"}`, cid, sad, hashes[0]), "", 400, "invalid_request", "Invalid parameter operationMode: asynchronous signing is not supported"},
		{"bad operationMode", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"hashes":["%s"],"signAlgo":"1.2.840.10045.4.3.2","operationMode":"X"}`, cid, sad, hashes[0]), "", 400, "invalid_request", "Invalid parameter operationMode"},
		{"bad PSS params", "signatures/signHash", "application/json", fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"hashes":["%s"],"signAlgo":"1.2.840.113549.1.1.10","signAlgoParams":"MAA="}`, cid, sad, hashes[0]), "", 400, "invalid_request", ""},
		{"unknown authObjectID", "credentials/getChallenge", "application/json", fmt.Sprintf(`{"credentialID":%q,"authObjectID":"SMS2"}`, cid), "", 400, "invalid_request", "Invalid parameter authObjectID"},
		{"authorizeCheck handle", "credentials/authorizeCheck", "application/json", `{"handle":"h"}`, "", 400, "invalid_request", "Invalid parameter handle"},
		{"unimplemented method", "signatures/signPolling", "application/json", `{}`, "", 501, "invalid_request", ""},
		{"description too long", "credentials/authorize", "application/json", fmt.Sprintf(`{"credentialID":%q,"numSignatures":1,"description":%q}`, cid, strings.Repeat("x", 501)), "", 400, "invalid_request", "Invalid parameter description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/csc/v2/"+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", tt.ctype)
			switch tt.token {
			case "":
				req.Header.Set("Authorization", "Bearer "+f.tok)
			case "-":
			default:
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			st, body := testutil.Do(t, req)
			wantError(t, st, body, tt.status, tt.code, tt.desc)
		})
	}

	t.Run("oversized body", func(t *testing.T) {
		big := `{"credentialID":"` + strings.Repeat("a", 2<<20) + `"}`
		st, body := s.Post(t, "/csc/v2/credentials/info", f.tok, big)
		wantError(t, st, body, 400, "invalid_request", "The request body is larger than 1048576 bytes")
	})
	t.Run("malformed bearer header", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/csc/v2/credentials/list", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer a b")
		st, body := testutil.Do(t, req)
		wantError(t, st, body, 400, "invalid_request", "Malformed authorization header")
	})
	t.Run("GET on a POST method", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/csc/v2/info", nil)
		st, body := testutil.Do(t, req)
		wantError(t, st, body, 405, "invalid_request", "")
	})
	// After all this, the holder's SAD is untouched and still signs.
	if st, body := f.signHash(sad, hashes, ecdsaSHA256, "", ""); st != http.StatusOK {
		t.Fatalf("bad requests must not consume the SAD: %d %v", st, body)
	}
}
