package app_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
)

// pkiFiles are PEM files of a server's hierarchy and one holder
// certificate, for the openssl command line.
type pkiFiles struct {
	dir                  string
	root, issuing, chain string
	leaf                 string
}

func needOpenSSL(t *testing.T) {
	t.Helper()
	testutil.NeedTool(t, "openssl") // the independent validator of these tests
}

func writePEM(t *testing.T, path, typ string, ders ...[]byte) string {
	t.Helper()
	var b strings.Builder
	for _, der := range ders {
		if err := pem.Encode(&b, &pem.Block{Type: typ, Bytes: der}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// holderLeaf returns the current certificate of a holder's credential.
func holderLeaf(t *testing.T, s *testutil.Server, credentialID string) *x509.Certificate {
	t.Helper()
	c, err := s.App.Store.Credential(context.Background(), credentialID)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(c.Certificates[0])
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

func newPKIFiles(t *testing.T, s *testutil.Server, leaf *x509.Certificate) *pkiFiles {
	t.Helper()
	dir := t.TempDir()
	auth := s.App.Authorities
	f := &pkiFiles{dir: dir}
	f.root = writePEM(t, filepath.Join(dir, "root.pem"), "CERTIFICATE", auth.Root.Raw)
	f.issuing = writePEM(t, filepath.Join(dir, "issuing.pem"), "CERTIFICATE", auth.IssuingChain[0].Raw)
	f.chain = writePEM(t, filepath.Join(dir, "chain.pem"), "CERTIFICATE", auth.IssuingChain[0].Raw, auth.Root.Raw)
	if leaf != nil {
		f.leaf = writePEM(t, filepath.Join(dir, "leaf.pem"), "CERTIFICATE", leaf.Raw)
	}
	return f
}

// fetch GETs a URL of the server and returns the body of a 200 answer.
func fetch(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return body
}

// crlFile downloads a CRL from the server into a PEM file.
func (f *pkiFiles) crlFile(t *testing.T, s *testutil.Server, name string) (path string, der []byte) {
	t.Helper()
	der = fetch(t, s.URL+"/crl/"+name+".crl")
	return writePEM(t, filepath.Join(f.dir, name+".crl.pem"), "X509 CRL", der), der
}

func openssl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	return string(out), err
}

// ocspStatus asks the server's /ocsp with openssl and returns its report,
// failing unless the response verifies against the root alone.
func (f *pkiFiles) ocspStatus(t *testing.T, s *testutil.Server) string {
	t.Helper()
	// The server's clock is a test clock, moved ahead of the wall clock
	// openssl reads: allow the difference (plus openssl's default 5 min).
	skew := s.Clock.Now().Sub(time.Now()).Abs() + 5*time.Minute
	out, err := openssl(t, "ocsp", "-issuer", f.issuing, "-cert", f.leaf, "-url", s.URL+"/ocsp", "-CAfile", f.root, "-no_nonce",
		"-validity_period", strconv.Itoa(int(skew.Seconds())))
	if err != nil || !strings.Contains(out, "Response verify OK") {
		t.Fatalf("openssl ocsp: %v\n%s", err, out)
	}
	return out
}

// verifyWithCRLs runs openssl verify -crl_check_all with both fresh CRLs.
func (f *pkiFiles) verifyWithCRLs(t *testing.T, s *testutil.Server) (string, error) {
	t.Helper()
	issuingCRL, _ := f.crlFile(t, s, "issuing")
	rootCRL, _ := f.crlFile(t, s, "root")
	return openssl(t, "verify", "-attime", strconv.FormatInt(s.Clock.Now().Unix(), 10), "-crl_check_all", "-CAfile", f.root, "-untrusted", f.issuing,
		"-CRLfile", issuingCRL, "-CRLfile", rootCRL, f.leaf)
}
