package portal_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/qesproject/qes/authn"
	"github.com/qesproject/qes/history"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

func hashes(n int, tag string) []string {
	out := make([]string, n)
	for i := range out {
		d := sha256.Sum256([]byte(fmt.Sprintf("%s-%d-%d", tag, i, time.Now().UnixNano())))
		out[i] = base64.StdEncoding.EncodeToString(d[:])
	}
	return out
}

// signViaAPI signs n hashes through the CSC API with a service token from
// auth/login, as a client without OAuth would ("API" in the report).
func signViaAPI(t *testing.T, s *testutil.Server, h testutil.Holder, n int) {
	t.Helper()
	tok := s.Login(t, "v2", h.ID, h.Password)
	if st, body := s.Post(t, "/csc/v2/credentials/sendOTP", tok, map[string]any{"credentialID": h.CredentialID}); st != http.StatusNoContent {
		t.Fatalf("sendOTP: %d %v", st, body)
	}
	hs := hashes(n, "api")
	st, body := s.Post(t, "/csc/v2/credentials/authorize", tok, map[string]any{
		"credentialID": h.CredentialID, "numSignatures": n, "hashes": hs,
		"authData": []map[string]string{{"id": "PIN", "value": h.PIN}, {"id": "OTP", "value": s.LastCode(t, h.Phone)}},
	})
	if st != http.StatusOK {
		t.Fatalf("authorize: %d %v", st, body)
	}
	st, body = s.Post(t, "/csc/v2/signatures/signHash", tok, map[string]any{
		"credentialID": h.CredentialID, "SAD": body["SAD"], "hashes": hs, "signAlgo": "1.2.840.10045.4.3.2",
	})
	if st != http.StatusOK {
		t.Fatalf("signHash: %d %v", st, body)
	}
}

// signViaClient signs n hashes for a registered OAuth client, through the
// same domain calls the OAuth-authorized CSC requests make.
func signViaClient(t *testing.T, s *testutil.Server, h testutil.Holder, clientName string, n int) {
	t.Helper()
	ctx := context.Background()
	svc := s.App.Credentials
	id, _, err := s.App.OAuth.RegisterClient(ctx, clientName, []string{"https://app.example/cb"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SendOTP(ctx, h.ID, h.CredentialID); err != nil {
		t.Fatal(err)
	}
	hs := hashes(n, clientName)
	g, err := svc.Authorize(ctx, sam.Authorization{HolderID: h.ID, CredentialID: h.CredentialID, NumSignatures: n,
		Hashes: hs, PIN: h.PIN, OTP: s.LastCode(t, h.Phone), ClientID: id})
	if err != nil {
		t.Fatal(err)
	}
	p := &authn.Principal{HolderID: h.ID, Scope: authn.ScopeService, ClientID: id}
	if _, err := svc.SignHash(ctx, sam.SignRequest{Principal: p, CredentialID: h.CredentialID, SAD: g.SAD,
		Hashes: hs, SignAlgo: "1.2.840.10045.4.3.2"}); err != nil {
		t.Fatal(err)
	}
}

// flushedSignatures waits for the history (written after the response)
// and checks it holds want signatures.
func flushedSignatures(t *testing.T, s *testutil.Server, holderID string, want int) {
	t.Helper()
	if err := s.App.Recorder.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, err := s.App.History.Report(context.Background(), holderID, history.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Signatures != want {
		t.Fatalf("the signing history has %d signatures, want %d", r.Signatures, want)
	}
}

// otherCode is a well-formed code that is not code.
func otherCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}
