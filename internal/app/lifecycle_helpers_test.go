package app_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/otp"
)

// manage runs one holder-authenticated lifecycle change through /api/v1:
// ask for the operation's one-time code, then send it with the password.
func manage(t *testing.T, s *testutil.Server, tok string, h testutil.Holder, action string, extra map[string]any) (int, map[string]any) {
	t.Helper()
	if st, body := s.Post(t, "/api/v1/credentials/"+h.CredentialID+"/challenge", tok, map[string]any{"action": action}); st != http.StatusNoContent {
		t.Fatalf("challenge %s: %d %v", action, st, body)
	}
	body := map[string]any{"password": h.Password, "otp": s.LastCode(t, h.Phone)}
	for k, v := range extra {
		body[k] = v
	}
	// The next code for the same operation may be asked for only after
	// the OTP service's resend interval.
	defer s.Clock.Advance(21 * time.Second)
	return s.Post(t, "/api/v1/credentials/"+h.CredentialID+"/"+action, tok, body)
}

// authorize gets a SAD for one SHA-256 hash of msg.
func authorize(t *testing.T, s *testutil.Server, tok string, h testutil.Holder, msg string) (sad, hash string, status int, body map[string]any) {
	t.Helper()
	if st, b := s.Post(t, "/csc/v2/credentials/sendOTP", tok, map[string]any{"credentialID": h.CredentialID}); st != http.StatusNoContent {
		// A refused credential is refused here too; the caller checks authorize.
		if st >= 500 {
			t.Fatalf("sendOTP: %d %v", st, b)
		}
	}
	d := sha256.Sum256([]byte(msg))
	hash = base64.StdEncoding.EncodeToString(d[:])
	status, body = s.Post(t, "/csc/v2/credentials/authorize", tok, map[string]any{
		"credentialID": h.CredentialID, "numSignatures": 1, "hashes": []string{hash},
		"authData": []map[string]string{{"id": "PIN", "value": h.PIN}, {"id": "OTP", "value": s.LastCode(t, h.Phone)}},
	})
	if status == http.StatusOK {
		sad = body["SAD"].(string)
	}
	s.Clock.Advance(21 * time.Second) // the next sendOTP for this credential
	return sad, hash, status, body
}

func signHash(t *testing.T, s *testutil.Server, tok string, h testutil.Holder, sad, hash string) (int, map[string]any) {
	t.Helper()
	return s.Post(t, "/csc/v2/signatures/signHash", tok, map[string]any{
		"credentialID": h.CredentialID, "SAD": sad, "hashes": []string{hash}, "signAlgo": "1.2.840.10045.4.3.2",
	})
}

// signAndVerify signs msg end to end and checks the signature against cert.
func signAndVerify(t *testing.T, s *testutil.Server, tok string, h testutil.Holder, cert *x509.Certificate, msg string) {
	t.Helper()
	sad, hash, st, body := authorize(t, s, tok, h, msg)
	if st != http.StatusOK {
		t.Fatalf("authorize: %d %v", st, body)
	}
	st, body = signHash(t, s, tok, h, sad, hash)
	if st != http.StatusOK {
		t.Fatalf("signHash: %d %v", st, body)
	}
	sig, _ := base64.StdEncoding.DecodeString(body["signatures"].([]any)[0].(string))
	d := sha256.Sum256([]byte(msg))
	if !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), d[:], sig) {
		t.Fatal("the signature does not verify with the credential's certificate")
	}
}

// credentialInfo returns cert.status and key.status from credentials/info.
func credentialInfo(t *testing.T, s *testutil.Server, tok string, h testutil.Holder) (certStatus, keyStatus string, chain []string) {
	t.Helper()
	st, body := s.Post(t, "/csc/v2/credentials/info", tok, map[string]any{"credentialID": h.CredentialID, "certificates": "chain"})
	if st != http.StatusOK {
		t.Fatalf("credentials/info: %d %v", st, body)
	}
	cert := body["cert"].(map[string]any)
	for _, c := range cert["certificates"].([]any) {
		chain = append(chain, c.(string))
	}
	return cert["status"].(string), body["key"].(map[string]any)["status"].(string), chain
}

// listValid returns the credential IDs of credentials/list with onlyValid.
func listValid(t *testing.T, s *testutil.Server, tok string) []string {
	t.Helper()
	st, body := s.Post(t, "/csc/v2/credentials/list", tok, map[string]any{"onlyValid": true})
	if st != http.StatusOK {
		t.Fatalf("credentials/list: %d %v", st, body)
	}
	var ids []string
	for _, id := range body["credentialIDs"].([]any) {
		ids = append(ids, id.(string))
	}
	return ids
}

func wantError(t *testing.T, what string, st int, body map[string]any, wantStatus int, wantCode, wantDescPart string) {
	t.Helper()
	if st != wantStatus || body["error"] != wantCode {
		t.Fatalf("%s: %d %v, want %d %s", what, st, body, wantStatus, wantCode)
	}
	if desc, _ := body["error_description"].(string); wantDescPart != "" && !containsFold(desc, wantDescPart) {
		t.Fatalf("%s: error_description %q lacks %q", what, desc, wantDescPart)
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// notices returns the e-mails the outbox holds for address to.
func notices(t *testing.T, s *testutil.Server, to string) []otp.Message {
	t.Helper()
	var out []otp.Message
	for _, m := range s.Outbox(t) {
		if m.To == to && m.Channel == "email" {
			out = append(out, m)
		}
	}
	return out
}

func lastNotice(t *testing.T, s *testutil.Server, to, purpose string) otp.Message {
	t.Helper()
	ms := notices(t, s, to)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Purpose == purpose {
			return ms[i]
		}
	}
	t.Fatalf("no %s notice e-mailed to %s (outbox: %v)", purpose, to, ms)
	return otp.Message{}
}

// auditRecords reads the server's audit log.
func auditRecords(t *testing.T, s *testutil.Server) []audit.Record {
	t.Helper()
	f := bytes.NewReader(s.AuditText(t))
	var out []audit.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// auditTrail lists "type/outcome" of a credential's audit records of the
// given type prefix, in order.
func auditTrail(t *testing.T, s *testutil.Server, credentialID, prefix string) []string {
	t.Helper()
	var out []string
	for _, r := range auditRecords(t, s) {
		if r.Credential == credentialID && len(r.Type) >= len(prefix) && r.Type[:len(prefix)] == prefix {
			out = append(out, fmt.Sprintf("%s/%s", r.Type, r.Outcome))
		}
	}
	return out
}

func credentialRecordKey(t *testing.T, s *testutil.Server, credentialID string) string {
	t.Helper()
	c, err := s.App.Store.Credential(context.Background(), credentialID)
	if err != nil {
		t.Fatal(err)
	}
	return c.KeyRef
}
