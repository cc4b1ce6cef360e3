package pades

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil/pdfcheck"
	"github.com/qesproject/qes/internal/testutil/testpki"
	"github.com/qesproject/qes/internal/testutil/validator"
	"github.com/qesproject/qes/verify"
)

// TestCAdESOnBERP7m adds a parallel signature and a countersignature to a
// BER .p7m (openssl cms -sign -stream: indefinite lengths, the content in
// segments, as older Italian tools write): the file qes writes is DER as
// AgID requires, openssl cms -verify accepts both signers of the parallel
// file and the first signer of the countersigned one (OpenSSL 3.0 does not
// check countersignatures; verify, a reader that is not pades', checks it).
func TestCAdESOnBERP7m(t *testing.T) {
	openssl := validator.Need(t, "openssl")
	first, second := newPKI(t, "p256"), newPKI(t, "rsa")
	dir := t.TempDir()
	file := func(name string) string { return filepath.Join(dir, name) }
	content := bytes.Repeat([]byte("Verbale di assemblea, punto 1\n"), 400)
	if err := os.WriteFile(file("roots.pem"), append(testpki.PEM(first.root), testpki.PEM(second.root)...), 0o600); err != nil {
		t.Fatal(err)
	}
	ber := pdfcheck.OpensslStreamSign(t, content, first.signer, first.signerKey, first.ca)
	if ber[1] != 0x80 || pdfcheck.StrictDER(ber) == nil {
		t.Fatal("openssl -stream did not write BER")
	}
	for _, tt := range []struct {
		name    string
		prepare func(context.Context, []*x509.Certificate, []byte, CAdESOptions) (*PreparedCAdES, error)
		signers int
	}{
		{"parallel", PrepareCAdESParallel, 2},
		{"countersignature", PrepareCAdESCountersignature, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.prepare(context.Background(), second.chain(), ber, CAdESOptions{Level: LevelBT, Timestamper: &testTSA{pki: second}})
			if err != nil {
				t.Fatal(err)
			}
			sig, err := second.signerKey.Sign(rand.Reader, p.Digest(), p.alg.signerOpts())
			if err != nil {
				t.Fatal(err)
			}
			der, _, err := p.Finish(context.Background(), sig)
			if err != nil {
				t.Fatal(err)
			}
			if err := pdfcheck.StrictDER(der); err != nil {
				t.Fatalf("the new file is not DER: %v", err)
			}
			out, err := exec.Command(openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", pdfcheck.WriteTemp(t, "out.p7m", der),
				"-CAfile", file("roots.pem"), "-purpose", "any", "-out", file("out-"+tt.name)).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verification successful") {
				t.Fatalf("openssl cms -verify: %v\n%s", err, out)
			}
			if got, err := os.ReadFile(file("out-" + tt.name)); err != nil || !bytes.Equal(got, content) {
				t.Fatalf("content: %v", err)
			}
			// openssl cms -cmsout -print lists every SignerInfo openssl
			// checked above.
			printed, err := exec.Command(openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", pdfcheck.WriteTemp(t, "out.p7m", der)).CombinedOutput()
			if err != nil || strings.Count(string(printed), "signatureAlgorithm:") != tt.signers {
				t.Fatalf("openssl cms -print: %d signers, want %d: %v", strings.Count(string(printed), "signatureAlgorithm:"), tt.signers, err)
			}
			roots := x509.NewCertPool()
			roots.AddCert(first.root)
			roots.AddCert(second.root)
			rep, err := verify.Verify(context.Background(), der, nil, verify.Options{Roots: roots, Intermediates: []*x509.Certificate{second.ca}})
			if err != nil || !rep.Valid || rep.BER || len(rep.Signers) != 2 {
				t.Fatalf("verify: %v %+v", err, rep)
			}
			for _, s := range rep.Signers {
				if !s.SignatureValid || !s.ContentIntact {
					t.Fatalf("%+v", s)
				}
			}
		})
	}
}
