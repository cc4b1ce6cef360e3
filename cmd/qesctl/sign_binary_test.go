package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
)

// buildQesctl compiles the real binary once per test run.
func buildQesctl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "qesctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSignBinaryReadsOTPFromStdin runs the built qesctl as a script would:
// password and PIN in the environment, the OTP written to its standard
// input once the SMS has arrived.
func TestSignBinaryReadsOTPFromStdin(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	s := testutil.StartServer(t)
	h := s.NewHolder(t, "ec-p256")
	bin := buildQesctl(t)
	dir, paths := writeInputs(t, map[string][]byte{"a.pdf": testutil.Fixture(t, "pades/simple.pdf"), "b.pdf": testutil.Fixture(t, "pades/objstm.pdf")})
	out := filepath.Join(dir, "signed")
	cmd := exec.Command(bin, append([]string{"sign", "--server", s.URL + "/csc/v2", "--user", h.ID, "--level", "B-LT", "-o", out}, paths...)...)
	cmd.Env = append(os.Environ(), "QES_PASSWORD="+h.Password, "QES_PIN="+h.PIN)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	code := ""
	for deadline := time.Now().Add(30 * time.Second); code == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range s.Outbox(t) {
			if m.To == h.Phone && m.Code != "" {
				code = m.Code
			}
		}
	}
	if code == "" {
		_ = cmd.Process.Kill()
		t.Fatalf("qesctl never requested an OTP:\n%s", stderr.String())
	}
	if _, err := stdin.Write([]byte(code + "\n")); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("qesctl sign: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "One-time password") || !strings.Contains(stderr.String(), "signed 2 file(s)") ||
		!strings.Contains(stderr.String(), "2/2") {
		t.Fatalf("stderr:\n%s", stderr.String())
	}
	for _, name := range []string{"a.pdf", "b.pdf"} {
		testutil.AssertSignedPDF(t, s.App.Authorities.Root, s.App.Authorities.IssuingChain, readOutput(t, out, name), 1, true)
	}
}
