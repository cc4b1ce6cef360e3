package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/testpki"
)

// signFiles signs paths with qesctl sign at level (detached or not) and
// fails the test on error.
func signFiles(t *testing.T, s *testutil.Server, h testutil.Holder, level string, detached bool, paths ...string) {
	t.Helper()
	sio, stderr := testSignIO(t, s, h, nil)
	if err := runSign(context.Background(), &signOptions{server: s.URL, user: h.ID, level: level, detached: detached, files: paths, force: true}, sio); err != nil {
		t.Fatalf("qesctl sign: %v\n%s", err, stderr)
	}
}

func verifyReport(t *testing.T, s *testutil.Server, o *verifyOptions) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := runVerify(o, &out, s.Clock.Now)
	return out.String(), err
}

// TestVerifyWhatSignMakes signs files with qesctl sign at every level and
// checks that qesctl verify reports the signer, the times, the level and
// the content, trusting qes's root.
func TestVerifyWhatSignMakes(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	ca := testutil.WriteTemp(t, "root.pem", testutil.PEM(s.App.Authorities.Root))
	for _, tt := range []struct {
		level    string
		detached bool
	}{{"B-B", false}, {"B-T", true}, {"B-LT", false}, {"B-LTA", false}} {
		t.Run(tt.level, func(t *testing.T) {
			dir, paths := writeInputs(t, map[string][]byte{"contract.docx": docxLike()})
			signFiles(t, s, h, tt.level, tt.detached, paths...)
			ext := ".p7m"
			if tt.detached {
				ext = ".p7s"
			}
			report, err := verifyReport(t, s, &verifyOptions{ca: ca, files: []string{filepath.Join(dir, "contract.docx"+ext)}})
			if err != nil {
				t.Fatalf("verify: %v\n%s", err, report)
			}
			for _, want := range []string{"signer 1 of 1: Mario Rossi (TINIT-RSSMRA80A01H501U)", "content: intact", "signature: valid", "level: " + tt.level + "\n",
				"certificate chain: trusted", "signing time (claimed by the signer): ", ": VALID\n"} {
				if !strings.Contains(report, want) {
					t.Errorf("report lacks %q:\n%s", want, report)
				}
			}
			t.Logf("report:\n%s", report)
			// B-LT carries the OCSP response that says the certificate was
			// good; below it qesctl has no register to ask.
			wantStatus := ": not checked\n"
			if tt.level == "B-LT" || tt.level == "B-LTA" {
				wantStatus = ": good (embedded OCSP response)\n"
			}
			if !strings.Contains(report, wantStatus) {
				t.Errorf("report lacks the status %q:\n%s", wantStatus, report)
			}
			if got := strings.Contains(report, "signature time-stamp: "); got != (tt.level != "B-B") {
				t.Errorf("signature time-stamp reported = %v:\n%s", got, report)
			}
		})
	}
}

// TestVerifyNestedExtractAndTamper: a .p7m.p7m is opened to its innermost
// file, which --extract writes; a changed byte of the content, a wrong
// root and a missing .p7s content are reported and fail.
func TestVerifyNestedExtractAndTamper(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "rsa-2048")
	dir, paths := writeInputs(t, map[string][]byte{"contract.docx": docxLike()})
	signFiles(t, s, h, "B-T", false, paths...)
	signFiles(t, s, h, "B-B", false, filepath.Join(dir, "contract.docx.p7m"))
	nested := filepath.Join(dir, "contract.docx.p7m.p7m")
	out := t.TempDir()
	report, err := verifyReport(t, s, &verifyOptions{files: []string{nested}, extract: true, outDir: out})
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, report)
	}
	if !strings.Contains(report, ".p7m inside a .p7m") || strings.Count(report, "signature: valid") != 2 ||
		!strings.Contains(report, "level: B-B\n") || !strings.Contains(report, "level: B-T\n") || !strings.Contains(report, "chain: not checked") {
		t.Fatalf("report:\n%s", report)
	}
	if !bytes.Equal(readOutput(t, out, "contract.docx"), docxLike()) {
		t.Fatal("--extract did not write the innermost file")
	}
	if _, err := verifyReport(t, s, &verifyOptions{files: []string{nested}, extract: true, outDir: out}); err == nil || !strings.Contains(err.Error(), "did not verify") {
		t.Fatalf("extracting over an existing file: %v", err)
	}

	p7m := readOutput(t, dir, "contract.docx.p7m")
	i := bytes.Index(p7m, docxLike()[100:200])
	if i < 0 {
		t.Fatal("content not found in the .p7m")
	}
	tampered := bytes.Clone(p7m)
	tampered[i] ^= 1
	bad := filepath.Join(t.TempDir(), "changed.p7m")
	if err := os.WriteFile(bad, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	otherRoot := testpki.NewRoot(t, pkix.Name{CommonName: "Another root"}, testpki.Key(t, testpki.P256))
	cases := []struct {
		name string
		o    verifyOptions
		want string
	}{
		{"changed content", verifyOptions{files: []string{bad}, extract: true, outDir: t.TempDir()}, "content: CHANGED"},
		{"other root", verifyOptions{files: []string{filepath.Join(dir, "contract.docx.p7m")}, ca: testutil.WriteTemp(t, "other.pem", testutil.PEM(otherRoot.Cert))}, "NOT TRUSTED"},
		{"not a signature", verifyOptions{files: []string{paths[0]}}, "not a CMS SignedData"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			report, err := verifyReport(t, s, &c.o)
			if err == nil || !strings.Contains(report, c.want) || !strings.Contains(report, "NOT VALID") {
				t.Fatalf("err %v, report:\n%s", err, report)
			}
			if c.o.outDir != "" {
				if entries, _ := os.ReadDir(c.o.outDir); len(entries) != 0 {
					t.Fatal("a file was extracted from a signature that does not verify")
				}
			}
		})
	}
}

// TestVerifyOpenSSLMadeP7M checks a .p7m that openssl made (openssl cms
// -sign -cades), as a holder receives from other software, in DER and in
// base64.
func TestVerifyOpenSSLMadeP7M(t *testing.T) {
	t.Parallel()
	openssl := testutil.NeedTool(t, "openssl")
	key := testpki.Key(t, testpki.P384)
	root := testpki.NewRoot(t, pkix.Name{CommonName: "Test root"}, key)
	leafKey := testpki.Key(t, testpki.RSA2048)
	leaf := root.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Giulia Bianchi"}, KeyUsage: x509.KeyUsageContentCommitment}, leafKey.Public())
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	content := filepath.Join(dir, "delibera.txt")
	if err := os.WriteFile(content, []byte("Delibera n. 7\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p7m := content + ".p7m"
	cmd := exec.Command(openssl, "cms", "-sign", "-binary", "-nodetach", "-cades", "-md", "sha256", "-outform", "DER",
		"-in", content, "-out", p7m, "-signer", testutil.WriteTemp(t, "leaf.pem", testutil.PEM(leaf)),
		"-inkey", testutil.WriteTemp(t, "key.pem", pemBlock("PRIVATE KEY", keyDER)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -sign: %v\n%s", err, out)
	}
	b64 := filepath.Join(dir, "b64.p7m")
	if out, err := exec.Command(openssl, "base64", "-in", p7m, "-out", b64).CombinedOutput(); err != nil {
		t.Fatalf("openssl base64: %v\n%s", err, out)
	}
	var out bytes.Buffer
	err = runVerify(&verifyOptions{files: []string{p7m, b64}, ca: testutil.WriteTemp(t, "root.pem", testutil.PEM(root.Cert))}, &out, time.Now)
	if err != nil || strings.Count(out.String(), "level: B-B\n") != 2 || !strings.Contains(out.String(), ": Giulia Bianchi\n") {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
