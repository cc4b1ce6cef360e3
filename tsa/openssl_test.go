package tsa

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil/testpki"
)

func requireOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed; it is the independent verifier of these tokens")
	}
}

func runOpenSSL(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	return string(out), err
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOpenSSLVerifiesResponses has openssl build the query and verify our
// reply both against that query and against the bare digest.
func TestOpenSSLVerifiesResponses(t *testing.T) {
	requireOpenSSL(t)
	cases := []struct {
		key     string
		hashArg string
		digest  []byte
		noCert  bool
	}{
		{key: "P-256", hashArg: "-sha256", digest: sum256("hello")},
		{key: "P-256", hashArg: "-sha512", digest: sum512("hello")},
		{key: "P-384", hashArg: "-sha384", digest: sum384("hello")},
		{key: "RSA-2048", hashArg: "-sha256", digest: sum256("hello")},
		{key: "RSA-2048", hashArg: "-sha256", digest: sum256("no certs"), noCert: true},
	}
	for _, tc := range cases {
		name := tc.key + tc.hashArg
		if tc.noCert {
			name += "-no-cert"
		}
		t.Run(name, func(t *testing.T) {
			p := newTestPKI(t, tc.key)
			tsa := newTestTSA(t, p)
			digestHex := hex.EncodeToString(tc.digest)
			query := filepath.Join(t.TempDir(), "req.tsq")
			args := []string{"ts", "-query", "-digest", digestHex, tc.hashArg, "-out", query}
			if !tc.noCert {
				args = append(args, "-cert")
			}
			if out, err := runOpenSSL(t, args...); err != nil {
				t.Fatalf("openssl ts -query: %v\n%s", err, out)
			}
			der, err := os.ReadFile(query)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tsa.Respond(context.Background(), "test", der)
			if err != nil {
				t.Fatalf("Respond: %v", err)
			}
			reply := writeFile(t, "resp.tsr", resp)

			verify := []string{"ts", "-verify", "-queryfile", query, "-in", reply, "-CAfile", p.rootPEM}
			if tc.noCert {
				// Without certReq the token carries no certificates; openssl
				// then needs the TSA certificate and its CA from outside.
				verify = append(verify, "-untrusted", testpki.WritePEM(t, "tsa.pem", p.tsa, p.ca))
			}
			out, err := runOpenSSL(t, verify...)
			if err != nil || !strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl ts -verify -queryfile refused the reply: %v\n%s", err, out)
			}
			verify = append([]string{"ts", "-verify", "-digest", digestHex}, verify[4:]...)
			out, err = runOpenSSL(t, verify...)
			if err != nil || !strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl ts -verify -digest refused the reply: %v\n%s", err, out)
			}
		})
	}
}

// TestOpenSSLVerifiesTimestampTokens checks the bare tokens that the CSC
// signatures/timestamp method returns.
func TestOpenSSLVerifiesTimestampTokens(t *testing.T) {
	requireOpenSSL(t)
	for _, key := range []string{"P-256", "RSA-2048"} {
		t.Run(key, func(t *testing.T) {
			p := newTestPKI(t, key)
			tsa := newTestTSA(t, p)
			digest := sum256("document " + key)
			token, err := tsa.Timestamp(context.Background(), "test", crypto.SHA256, digest, nil)
			if err != nil {
				t.Fatalf("Timestamp: %v", err)
			}
			out, err := runOpenSSL(t, "ts", "-verify", "-digest", hex.EncodeToString(digest), "-token_in",
				"-in", writeFile(t, "token.der", token), "-CAfile", p.rootPEM)
			if err != nil || !strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl refused the token: %v\n%s", err, out)
			}
			wrong := sum256("another document")
			out, err = runOpenSSL(t, "ts", "-verify", "-digest", hex.EncodeToString(wrong), "-token_in",
				"-in", writeFile(t, "token.der", token), "-CAfile", p.rootPEM)
			if err == nil || strings.Contains(out, "Verification: OK") {
				t.Fatalf("openssl accepted the token for another digest:\n%s", out)
			}
		})
	}
}

// TestOpenSSLReadsRejections makes sure a rejection is a well-formed reply
// that openssl can print, with the failure we meant.
func TestOpenSSLReadsRejections(t *testing.T) {
	requireOpenSSL(t)
	p := newTestPKI(t, "P-256")
	tsa := newTestTSA(t, p)
	query := filepath.Join(t.TempDir(), "sha1.tsq")
	digest := make([]byte, 20)
	if out, err := runOpenSSL(t, "ts", "-query", "-digest", hex.EncodeToString(digest), "-sha1", "-out", query); err != nil {
		t.Fatalf("openssl ts -query: %v\n%s", err, out)
	}
	der, err := os.ReadFile(query)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tsa.Respond(context.Background(), "test", der)
	if err != nil {
		t.Fatalf("Respond: %v", err)
	}
	out, err := runOpenSSL(t, "ts", "-reply", "-in", writeFile(t, "rej.tsr", resp), "-text")
	if err != nil {
		t.Fatalf("openssl ts -reply: %v\n%s", err, out)
	}
	for _, want := range []string{"Status: Rejected", "unrecognized or unsupported algorithm identifier", "SHA-1 is too weak"} {
		if !strings.Contains(out, want) {
			t.Errorf("openssl output lacks %q:\n%s", want, out)
		}
	}
}

func sum256(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
func sum384(s string) []byte { h := sha512.Sum384([]byte(s)); return h[:] }
func sum512(s string) []byte { h := sha512.Sum512([]byte(s)); return h[:] }
