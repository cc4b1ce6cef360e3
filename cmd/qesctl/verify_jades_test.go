package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// TestVerifyJAdES: qesctl verify checks a JWS qes made through signDoc
// ("J") and --extract writes its payload beside it, never over it.
func TestVerifyJAdES(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	ca := testutil.WriteTemp(t, "root.pem", testutil.PEM(s.App.Authorities.Root))
	doc := []byte(`{"verbale":1}`)
	sad := s.Authorize(t, tok, h, 1, testutil.SHA256B64(doc))
	st, body := s.Post(t, "/csc/v2/signatures/signDoc", tok, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "documents": []any{map[string]any{
		"document": base64.StdEncoding.EncodeToString(doc), "signature_format": "J", "signAlgo": "1.2.840.10045.4.3.2", "conformance_level": "Ades-B-T"}}})
	docs, _ := body["DocumentWithSignature"].([]any)
	if st != 200 || len(docs) != 1 {
		t.Fatalf("signDoc: %d %v", st, body)
	}
	jws, err := base64.StdEncoding.DecodeString(docs[0].(string))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, want string }{
		{"verbale.json.jws", "verbale.json"},
		{"verbale.txt", "verbale.txt.payload"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, tt.name)
			if err := os.WriteFile(p, jws, 0o600); err != nil {
				t.Fatal(err)
			}
			report, err := verifyReport(t, s, &verifyOptions{ca: ca, extract: true, files: []string{p}})
			if err != nil {
				t.Fatalf("verify: %v\n%s", err, report)
			}
			for _, want := range []string{"JAdES signature, flattened JSON serialisation", "signature 1 of 1: Mario Rossi (TINIT-RSSMRA80A01H501U)",
				"signature time-stamp: ", "certificate chain: trusted", "level: B-T\n", ": VALID\n"} {
				if !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
			got, err := os.ReadFile(filepath.Join(dir, tt.want))
			if err != nil || string(got) != string(doc) {
				t.Fatalf("extracted %q, %v", got, err)
			}
			if orig, _ := os.ReadFile(p); string(orig) != string(jws) {
				t.Fatal("the JWS was overwritten")
			}
		})
	}
}
