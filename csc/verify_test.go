package csc_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/verify"
)

// TestVerifyAPI: .p7m and .p7s files qes made through signDoc ("C") are
// verified by POST /api/v1/verify through the real server: signer, tax
// code, times, level, chain to qes's root, status at signing time
// (embedded OCSP for B-LT, the register otherwise), a nested .p7m.p7m
// unwrapped and extracted; a changed byte is reported, not extracted.
func TestVerifyAPI(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	content := append([]byte("Contratto di locazione\r\n\x00\xff"), bytes.Repeat([]byte("clausola\n"), 300)...)

	sign := func(t *testing.T, doc []byte, level, envelope string) []byte {
		t.Helper()
		sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(doc))
		st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{map[string]any{
			"document": std64(doc), "signature_format": "C", "signAlgo": ecdsaSHA256, "conformance_level": level, "signed_envelope_property": envelope}}})
		if st != http.StatusOK {
			t.Fatalf("signDoc: %d %v", st, body)
		}
		key := "DocumentWithSignature"
		if envelope == "Detached" {
			key = "SignatureObject"
		}
		return decodeDocs(t, body, key)[0]
	}
	bb := sign(t, content, "Ades-B-B", "Attached")
	lt := sign(t, content, "Ades-B-LT", "Attached")
	p7s := sign(t, content, "Ades-B-T", "Detached")
	nested := sign(t, bb, "Ades-B-T", "Attached")
	tampered := bytes.Clone(bb)
	i := bytes.Index(tampered, []byte("clausola"))
	if i < 0 {
		t.Fatal("content not in the .p7m")
	}
	tampered[i] ^= 1

	type sig struct{ level, status, source string }
	tests := []struct {
		name      string
		req       map[string]any
		valid     bool
		sigs      []sig
		extracted []byte
	}{
		{"B-B .p7m, status from the register", map[string]any{"document": std64(bb), "extract": true}, true,
			[]sig{{"B-B", "good", "qes certificate register"}}, content},
		{"B-LT .p7m, status embedded", map[string]any{"document": std64(lt)}, true,
			[]sig{{"B-LT", "good", "embedded OCSP response"}}, nil},
		{"B-T .p7s with its content", map[string]any{"document": std64(content), "signature": std64(p7s), "extract": true}, true,
			[]sig{{"B-T", "good", "qes certificate register"}}, nil},
		{"nested .p7m.p7m extracted to the innermost file", map[string]any{"document": std64(nested), "extract": true}, true,
			[]sig{{"B-T", "good", "qes certificate register"}, {"B-B", "good", "qes certificate register"}}, content},
		{"tampered .p7m", map[string]any{"document": std64(tampered), "extract": true}, false,
			[]sig{{"", "not checked", ""}}, nil},
		{"wrong content for the .p7s", map[string]any{"document": std64(content[1:]), "signature": std64(p7s)}, false,
			[]sig{{"", "not checked", ""}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/api/v1/verify", tok, tt.req)
			if st != http.StatusOK || body["valid"] != tt.valid {
				t.Fatalf("%d valid=%v, want %v: %v", st, body["valid"], tt.valid, body)
			}
			sigs, _ := body["signatures"].([]any)
			if len(sigs) != len(tt.sigs) {
				t.Fatalf("%d signatures, want %d: %v", len(sigs), len(tt.sigs), body)
			}
			for i, want := range tt.sigs {
				got := sigs[i].(map[string]any)
				signer := got["signer"].(map[string]any)
				status := got["certificateStatus"].(map[string]any)
				if signer["taxCode"] != "TINIT-RSSMRA80A01H501U" || signer["commonName"] != "Mario Rossi" {
					t.Errorf("signature %d signer %v", i, signer)
				}
				if got["level"] != nil && got["level"] != want.level || want.level != "" && got["level"] != want.level {
					t.Errorf("signature %d level %v, want %q", i, got["level"], want.level)
				}
				if status["status"] != want.status || want.source != "" && status["source"] != want.source {
					t.Errorf("signature %d status %v, want %+v", i, status, want)
				}
				if tt.valid && (got["contentIntact"] != true || got["signatureValid"] != true || got["chain"] != "trusted" || got["signingTime"] == nil) {
					t.Errorf("signature %d: %v", i, got)
				}
				if !tt.valid && (got["contentIntact"] != false || got["problem"] == nil) {
					t.Errorf("signature %d of a changed file: %v", i, got)
				}
				if wantTS := want.level != "B-B" && want.level != ""; got["timeStampChecked"] != wantTS {
					t.Errorf("signature %d timeStampChecked %v, want %v", i, got["timeStampChecked"], wantTS)
				}
			}
			doc, _ := body["document"].(string)
			got, err := base64.StdEncoding.DecodeString(doc)
			if err != nil || !bytes.Equal(got, tt.extracted) && !(len(got) == 0 && tt.extracted == nil) {
				t.Errorf("extracted %d bytes, want %d", len(got), len(tt.extracted))
			}
		})
	}
}

// TestVerifyAPIBadInput: garbage, BER, truncated, oversized and
// unauthenticated requests get a CSC error body with a 4xx status, never
// a 500.
func TestVerifyAPIBadInput(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	content := []byte("Verbale\n")
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(content))
	st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{map[string]any{
		"document": std64(content), "signature_format": "C", "signAlgo": ecdsaSHA256, "conformance_level": "Ades-B-B", "signed_envelope_property": "Detached"}}})
	if st != http.StatusOK {
		t.Fatalf("signDoc: %d %v", st, body)
	}
	p7s := decodeDocs(t, body, "SignatureObject")[0]
	// Not BER either: an indefinite length outside with the definite
	// length's octets left behind it.
	ber := append([]byte{0x30, 0x80}, p7s[2:]...)
	ber = append(ber, 0, 0)
	// Real BER: the same SignedData with an indefinite length outside is
	// read as DER, and the report says so.
	good := append([]byte{0x30, 0x80}, p7s[2+int(p7s[1]&0x7f):]...)
	good = append(good, 0, 0)
	if st, body := s.Post(t, "/api/v1/verify", tok, map[string]any{"document": std64(content), "signature": std64(good)}); st != http.StatusOK ||
		body["valid"] != true || fmt.Sprint(body["notes"]) != "["+verify.NoteBER+"]" {
		t.Fatalf("BER .p7s: %d %v", st, body)
	}
	huge := strings.Repeat("A", 16<<20+4)

	tests := []struct {
		name, token, body string
		wantStatus        int
		wantError         string
		wantDesc          string
	}{
		{"no token", "", `{"document":"AAAA"}`, 401, "invalid_token", "Missing access token"},
		{"not JSON", tok, `document`, 400, "invalid_request", ""},
		{"no document", tok, `{}`, 400, "invalid_request", "document"},
		{"document wrong type", tok, `{"document":5}`, 400, "invalid_request", "document"},
		{"not base64", tok, `{"document":"!!!"}`, 400, "invalid_request", "document"},
		{"garbage", tok, `{"document":"` + std64([]byte("this is not a signature at all")) + `"}`, 400, "invalid_request", "not a CMS SignedData"},
		{"empty SEQUENCE", tok, `{"document":"` + std64([]byte{0x30, 0x00}) + `"}`, 400, "invalid_request", "not a CMS SignedData"},
		{"BER with a stray length", tok, `{"document":"` + std64(ber) + `"}`, 400, "invalid_request", "not a CMS SignedData"},
		{"truncated", tok, `{"document":"` + std64(p7s[:len(p7s)/2]) + `"}`, 400, "invalid_request", "not a CMS SignedData"},
		{"detached without its content", tok, `{"document":"` + std64(p7s) + `"}`, 400, "invalid_request", "detached signature"},
		{"signature garbage", tok, `{"document":"` + std64(content) + `","signature":"` + std64([]byte{0x30, 0x03, 1, 2, 3}) + `"}`, 400, "invalid_request", "signature"},
		{"huge", tok, `{"document":"` + huge + `"}`, 400, "invalid_request", "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", s.URL+"/api/v1/verify", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			st, got := testutil.Do(t, req)
			desc, _ := got["error_description"].(string)
			if st != tt.wantStatus || got["error"] != tt.wantError || !strings.Contains(desc, tt.wantDesc) {
				t.Fatalf("%d %v, want %d %s %q", st, got, tt.wantStatus, tt.wantError, tt.wantDesc)
			}
		})
	}
}

// TestVerifyAPIRegisterAfterSigning: a certificate suspended after it
// signed was good at signing time: the register's answer carries when the
// hold began and the signature stays valid.
func TestVerifyAPIRegisterAfterSigning(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	content := []byte("Verbale\n")
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(content))
	st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{map[string]any{
		"document": std64(content), "signature_format": "C", "signAlgo": ecdsaSHA256, "conformance_level": "Ades-B-B"}}})
	if st != http.StatusOK {
		t.Fatalf("signDoc: %d %v", st, body)
	}
	p7m := decodeDocs(t, body, "DocumentWithSignature")[0]
	verifyIt := func() (bool, map[string]any, map[string]any) {
		t.Helper()
		st, body := s.Post(t, "/api/v1/verify", tok, map[string]any{"document": std64(p7m)})
		if st != http.StatusOK {
			t.Fatalf("verify: %d %v", st, body)
		}
		sig := body["signatures"].([]any)[0].(map[string]any)
		return body["valid"] == true, sig["signer"].(map[string]any), sig["certificateStatus"].(map[string]any)
	}
	valid, signer, cs := verifyIt()
	if !valid || cs["status"] != "good" || cs["revokedAt"] != nil {
		t.Fatalf("before the hold: valid %v %v", valid, cs)
	}
	serial, ok := new(big.Int).SetString(signer["serialNumber"].(string), 16)
	if !ok {
		t.Fatalf("serial %v", signer["serialNumber"])
	}
	// A minute later: a hold in the very second of the signature would be
	// a hold at signing time (the signing-time attribute has seconds).
	s.Clock.Advance(time.Minute)
	if _, err := s.App.CA.Suspend(context.Background(), serial); err != nil {
		t.Fatal(err)
	}
	if valid, _, cs := verifyIt(); !valid || cs["status"] != "good" || cs["source"] != "qes certificate register" || cs["revokedAt"] == nil {
		t.Fatalf("suspended after signing: valid %v %v", valid, cs)
	}
}

// TestVerifyAPIRegisterHoldAtSigningTime: the register answers from its
// history of changes. Under the fake clock, one file is signed at T, a
// second at T+10m; a hold over [T-5m, T+5m] is put on and lifted (the
// clock set back for it) before verifying: the first file reads
// "suspended at signing time" though the certificate is valid again, the
// second, signed after the hold, reads good.
func TestVerifyAPIRegisterHoldAtSigningTime(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	sign := func(content []byte) []byte {
		t.Helper()
		sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(content))
		st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{map[string]any{
			"document": std64(content), "signature_format": "C", "signAlgo": ecdsaSHA256, "conformance_level": "Ades-B-B"}}})
		if st != http.StatusOK {
			t.Fatalf("signDoc: %d %v", st, body)
		}
		return decodeDocs(t, body, "DocumentWithSignature")[0]
	}
	s.Clock.Advance(10 * time.Minute)
	signedAt := s.Clock.Now()
	inHold := sign([]byte("Firmato durante la sospensione\n"))
	s.Clock.Advance(10 * time.Minute)
	afterHold := sign([]byte("Firmato dopo la riattivazione\n"))
	verifyIt := func(p7m []byte) (bool, map[string]any, map[string]any) {
		t.Helper()
		st, body := s.Post(t, "/api/v1/verify", tok, map[string]any{"document": std64(p7m)})
		if st != http.StatusOK {
			t.Fatalf("verify: %d %v", st, body)
		}
		sig := body["signatures"].([]any)[0].(map[string]any)
		return body["valid"] == true, sig, sig["certificateStatus"].(map[string]any)
	}
	_, sig, _ := verifyIt(inHold)
	serial, ok := new(big.Int).SetString(sig["signer"].(map[string]any)["serialNumber"].(string), 16)
	if !ok {
		t.Fatal("no serial")
	}
	now := s.Clock.Now()
	s.Clock.Set(signedAt.Add(-5 * time.Minute))
	if _, err := s.App.CA.Suspend(context.Background(), serial); err != nil {
		t.Fatal(err)
	}
	s.Clock.Set(signedAt.Add(5 * time.Minute))
	if _, err := s.App.CA.Reactivate(context.Background(), serial); err != nil {
		t.Fatal(err)
	}
	s.Clock.Set(now)
	if st, err := s.App.CA.Status(context.Background(), serial); err != nil || st.Status != "valid" {
		t.Fatalf("after the reactivation: %v %v", st.Status, err)
	}
	valid, sig, cs := verifyIt(inHold)
	if valid || cs["status"] != "suspended" || cs["source"] != "qes certificate register" ||
		cs["revokedAt"] != signedAt.Add(-5*time.Minute).UTC().Format(time.RFC3339) ||
		!strings.Contains(sig["problem"].(string), "suspended at signing time") {
		t.Fatalf("signed inside the hold: valid %v %v", valid, sig)
	}
	if valid, sig, cs := verifyIt(afterHold); !valid || cs["status"] != "good" || sig["problem"] != nil {
		t.Fatalf("signed after the hold: valid %v %v", valid, sig)
	}
}
