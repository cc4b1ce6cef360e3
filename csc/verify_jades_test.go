package csc_test

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

// TestVerifyAPIJAdES: JWSs qes made through signDoc ("J"), compact and
// flattened JSON, B-B and B-T, EC and RSA (PKCS#1 and PSS), are verified
// by POST /api/v1/verify with the payload extracted; a changed payload,
// a changed header, a swapped certificate and a sigTst over another value
// are reported, not accepted; broken JWSs are a 400, never a 500.
func TestVerifyAPIJAdES(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	doc := []byte(`{"fattura":{"numero":42,"importo":"100.00","note":"caffè"}}`)
	pssParams, err := sam.PSSParams(crypto.SHA256, 32)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(t *testing.T, key, algo, params, level, envelope string) []byte {
		t.Helper()
		h := s.NewHolder(t, key)
		tok := s.Login(t, "v2", h.ID, h.Password)
		sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(doc))
		entry := map[string]any{"document": std64(doc), "signature_format": "J", "signAlgo": algo, "conformance_level": level}
		if envelope != "" {
			entry["signed_envelope_property"] = envelope
		}
		if params != "" {
			entry["signAlgoParams"] = params
		}
		st, body := signDoc(t, s, tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{entry}})
		if st != http.StatusOK {
			t.Fatalf("signDoc: %d %v", st, body)
		}
		return decodeDocs(t, body, "DocumentWithSignature")[0]
	}
	compact := sign(t, "ec-p256", ecdsaSHA256, "", "Ades-B-B", "Compact")
	jsonBB := sign(t, "ec-p256", ecdsaSHA256, "", "Ades-B-B", "JSON")
	jsonBT := sign(t, "ec-p384", "1.2.840.10045.4.3.3", "", "Ades-B-T", "")
	rsaBB := sign(t, "rsa-2048", "1.2.840.113549.1.1.11", "", "Ades-B-B", "Compact")
	pssBT := sign(t, "rsa-2048", oidRSAPSS, pssParams, "Ades-B-T", "")

	parts := strings.Split(string(compact), ".")
	otherPayload := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"fattura":{"numero":43}}`)) + "." + parts[2]
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	otherHdr := base64.RawURLEncoding.EncodeToString(bytes.Replace(hdr, []byte(`"typ":"jose"`), []byte(`"typ":"JOSE"`), 1)) + "." + parts[1] + "." + parts[2]
	var f map[string]any
	if err := json.Unmarshal(jsonBT, &f); err != nil {
		t.Fatal(err)
	}
	var g map[string]any
	if err := json.Unmarshal(pssBT, &g); err != nil {
		t.Fatal(err)
	}
	f["header"] = g["header"] // another signature's sigTst
	swappedTst, _ := json.Marshal(f)
	// The ES256 signature value with a P-384 holder's certificate.
	var p map[string]any
	if err := json.Unmarshal(jsonBB, &p); err != nil {
		t.Fatal(err)
	}
	p["protected"] = f["protected"]
	swappedCert, _ := json.Marshal(p)

	tests := []struct {
		name     string
		jws      []byte
		valid    bool
		level    string
		ts       bool
		extracts bool
	}{
		{"ES256 B-B compact", compact, true, "B-B", false, true},
		{"ES256 B-B JSON", jsonBB, true, "B-B", false, true},
		{"ES384 B-T JSON", jsonBT, true, "B-T", true, true},
		{"RS256 B-B compact", rsaBB, true, "B-B", false, true},
		{"PS256 B-T JSON", pssBT, true, "B-T", true, true},
		{"changed payload", []byte(otherPayload), false, "", false, false},
		{"changed protected header", []byte(otherHdr), false, "", false, false},
		{"sigTst of another signature", swappedTst, false, "", false, false},
		{"protected header of another signer", swappedCert, false, "", false, false},
	}
	tok := func() string {
		h := s.NewHolder(t, "ec-p256")
		return s.Login(t, "v2", h.ID, h.Password)
	}()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/api/v1/verify", tok, map[string]any{"document": std64(tt.jws), "extract": true})
			if st != http.StatusOK || body["valid"] != tt.valid {
				t.Fatalf("%d valid=%v, want %v: %v", st, body["valid"], tt.valid, body)
			}
			sigs, _ := body["signatures"].([]any)
			if len(sigs) != 1 {
				t.Fatalf("%d signatures: %v", len(sigs), body)
			}
			got := sigs[0].(map[string]any)
			if signer := got["signer"].(map[string]any); signer["taxCode"] != "TINIT-RSSMRA80A01H501U" {
				t.Errorf("signer %v", signer)
			}
			if lv, _ := got["level"].(string); lv != tt.level {
				t.Errorf("level %q, want %q", lv, tt.level)
			}
			if tt.valid && (got["timeStampChecked"] != tt.ts || got["chain"] != "trusted" || got["signingTime"] == nil || got["signatureValid"] != true) {
				t.Errorf("signature %v", got)
			}
			if !tt.valid && got["problem"] == nil {
				t.Errorf("no problem reported: %v", got)
			}
			d, _ := body["document"].(string)
			ex, _ := base64.StdEncoding.DecodeString(d)
			if tt.extracts != bytes.Equal(ex, doc) {
				t.Errorf("extracted %q", ex)
			}
		})
	}

	for _, tt := range []struct{ name, doc string }{
		{"compact with a broken header", "e30.e30.AAAA"},
		{"compact, header not base64", "!!!.e30.AAAA"},
		{"JSON without a signature", `{"protected":"e30","payload":"e30"}`},
		{"JSON, signature not base64", `{"protected":"e30","payload":"e30","signature":"!!"}`},
		{"JSON, x5c garbage", `{"protected":"` + base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"ES256","x5c":["AAAA"]}`)) + `","payload":"e30","signature":"AAAA"}`},
		{"JSON, etsiU garbage", fmt.Sprintf(`{"protected":%q,"payload":%q,"signature":%q,"header":{"etsiU":["!!", 5]}}`, f["protected"], f["payload"], f["signature"])},
		{"plain JSON", `{"a":1}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, body := s.Post(t, "/api/v1/verify", tok, map[string]any{"document": std64([]byte(tt.doc))})
			if st != http.StatusOK && st != http.StatusBadRequest || st == http.StatusOK && body["valid"] != false {
				t.Fatalf("%d %v", st, body)
			}
		})
	}
}
