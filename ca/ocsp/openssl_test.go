package ocsp

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil/validator"
)

// TestOpenSSLVerifiesResponses runs the real openssl ocsp client against a
// responder on 127.0.0.1, for every status, with and without a nonce.
func TestOpenSSLVerifiesResponses(t *testing.T) {
	validator.Need(t, "openssl") // the independent client of these tests
	p := newTestPKI(t)
	cases := []struct {
		leaf    string
		want    []string // lines openssl must print
		signer  string
		noNonce bool
	}{
		{leaf: "good", want: []string{": good"}},
		{leaf: "good", want: []string{": good"}, noNonce: true},
		{leaf: "revoked", want: []string{": revoked", "Reason: keyCompromise", "Revocation Time: Jan  2 03:04:05 2026 GMT"}},
		{leaf: "revoked", want: []string{": revoked", "Reason: keyCompromise"}, noNonce: true},
		{leaf: "held", want: []string{": revoked", "Reason: certificateHold"}},
		{leaf: "unknown", want: []string{": unknown"}},
		{leaf: "unknown", want: []string{": unknown"}, noNonce: true},
		{leaf: "good", want: []string{": good"}, signer: "RSA-2048"},
	}
	dir := t.TempDir()
	rootPEM := writePEM(t, dir, "root.pem", p.root.cert)
	issuerPEM := writePEM(t, dir, "issuer.pem", p.ca.cert)
	for _, tc := range cases {
		name := tc.leaf
		if tc.noNonce {
			name += "/no_nonce"
		}
		if tc.signer != "" {
			name += "/" + tc.signer
		}
		t.Run(name, func(t *testing.T) {
			var mutate []func(*Config)
			if tc.signer == "RSA-2048" {
				rsaResponder := newResponderCert(t, p.ca, mustRSA2048(t), true, true)
				mutate = append(mutate, func(c *Config) { c.Certificate, c.Signer = rsaResponder.cert, rsaResponder.key })
			}
			srv := newLoopbackServer(t, newTestResponder(t, p, standardSource(p), mutate...))
			args := []string{"ocsp", "-issuer", issuerPEM, "-cert", writePEM(t, t.TempDir(), "leaf.pem", p.leaves[tc.leaf]),
				"-url", srv.URL, "-CAfile", rootPEM, "-resp_text"}
			if tc.noNonce {
				args = append(args, "-no_nonce")
			}
			out, err := exec.Command("openssl", args...).CombinedOutput()
			text := string(out)
			if err != nil {
				t.Fatalf("openssl ocsp: %v\n%s", err, text)
			}
			if !strings.Contains(text, "Response verify OK") || strings.Contains(text, "WARNING") {
				t.Fatalf("openssl did not verify the response cleanly:\n%s", text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			hasNonce := regexp.MustCompile(`OCSP Nonce:`).MatchString(text)
			if hasNonce == tc.noNonce {
				t.Errorf("response nonce present = %v, want %v:\n%s", hasNonce, !tc.noNonce, text)
			}
		})
	}
}

// TestOpenSSLForeignIssuerIsUnauthorized asks about a certificate of
// another CA: the responder must refuse rather than vouch for it.
func TestOpenSSLForeignIssuerIsUnauthorized(t *testing.T) {
	validator.Need(t, "openssl")
	p := newTestPKI(t)
	srv := newLoopbackServer(t, newTestResponder(t, p, standardSource(p)))
	dir := t.TempDir()
	out, _ := exec.Command("openssl", "ocsp", "-issuer", writePEM(t, dir, "root.pem", p.root.cert),
		"-cert", writePEM(t, dir, "ca.pem", p.ca.cert), "-url", srv.URL, "-CAfile", writePEM(t, dir, "anchor.pem", p.root.cert)).CombinedOutput()
	if !strings.Contains(string(out), "unauthorized") {
		t.Fatalf("openssl output does not report unauthorized:\n%s", out)
	}
}
