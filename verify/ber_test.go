package verify_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/verify"
)

// TestVerifyOpenSSLStreamBER: openssl cms -sign -stream writes the BER an
// older Italian tool writes (indefinite lengths, the content in
// segments); verify reads it as DER, checks the signer (CAdES B-B with
// -cades), extracts the content and notes the BER encoding. A changed
// content byte still fails.
func TestVerifyOpenSSLStreamBER(t *testing.T) {
	t.Parallel()
	openssl := validator.Need(t, "openssl")
	p := newPKI(t)
	content := bytes.Repeat([]byte("Contratto di locazione, art. 1\n"), 500)
	ber := opensslStreamSign(t, openssl, p, content, t.TempDir())
	if ber[1] != 0x80 {
		t.Fatalf("openssl -stream wrote a definite length: % x", ber[:4])
	}
	rep, err := verify.Verify(context.Background(), ber, nil, verify.Options{Roots: p.roots(), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Valid || !rep.BER || !slices.Contains(rep.Notes, verify.NoteBER) || !bytes.Equal(rep.Content, content) ||
		len(rep.Signers) != 1 || rep.Signers[0].Level != "B-B" || rep.Signers[0].TaxCode != "TINIT-RSSMRA80A01H501U" {
		t.Fatalf("%+v", rep)
	}
	if !slices.ContainsFunc(rep.Lines, func(l verify.Line) bool { return l.Text == verify.NoteBER }) {
		t.Fatalf("no BER line: %v", rep.Lines)
	}
	i := bytes.Index(ber, []byte("locazione"))
	changed := bytes.Clone(ber)
	changed[i] = 'L'
	rep, err = verify.Verify(context.Background(), changed, nil, verify.Options{Roots: p.roots()})
	if err != nil || rep.Valid || rep.Content != nil || !strings.Contains(rep.Signers[0].Problem, "changed after signing") {
		t.Fatalf("changed: %v %+v", err, rep)
	}
}

// opensslStreamSign signs content with p's holder key by openssl cms
// -sign -stream -cades (BER out, the chain inside).
func opensslStreamSign(t *testing.T, openssl string, p pki, content []byte, dir string) []byte {
	t.Helper()
	file := func(name string) string { return filepath.Join(dir, name) }
	key, err := x509.MarshalPKCS8PrivateKey(p.key)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"content": content, "key.pem": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}),
		"cert.pem": testpki.PEM(p.leaf), "ca.pem": testpki.PEM(p.ca.Cert),
	} {
		if err := os.WriteFile(file(name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(openssl, "cms", "-sign", "-stream", "-binary", "-cades", "-md", "sha256", "-outform", "DER",
		"-in", file("content"), "-signer", file("cert.pem"), "-inkey", file("key.pem"), "-certfile", file("ca.pem"),
		"-out", file("ber.p7m")).CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -sign -stream: %v\n%s", err, out)
	}
	ber, err := os.ReadFile(file("ber.p7m"))
	if err != nil {
		t.Fatal(err)
	}
	return ber
}
