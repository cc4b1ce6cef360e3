package app_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	xocsp "golang.org/x/crypto/ocsp"

	"github.com/qesproject/qes/internal/testutil"
)

// ocspRequestFor starts a server with one holder and returns an OCSP
// request (SHA-1 CertID, as OpenSSL sends by default) for its certificate.
func ocspRequestFor(tb testing.TB) (*testutil.Server, []byte) {
	tb.Helper()
	s := testutil.StartServer(tb)
	h := s.NewHolder(tb, "ec-p256")
	c, err := s.App.Store.Credential(tb.Context(), h.CredentialID)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, err := parseCert(c.Certificates[0])
	if err != nil {
		tb.Fatal(err)
	}
	der, err := xocsp.CreateRequest(leaf, s.App.Authorities.IssuingChain[0], &xocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		tb.Fatal(err)
	}
	return s, der
}

// benchOCSP runs send from 16 goroutines (8 x GOMAXPROCS 2) against the
// real server: Handler chain, register Source, HSM responder key.
func benchOCSP(b *testing.B, send func(*http.Client) (*http.Response, error)) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := send(client)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("HTTP %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "responses/s")
}

// BenchmarkServerOCSPCachedPOST is the steady state relying parties see:
// a pre-signed response per serial, re-signed after a status change.
func BenchmarkServerOCSPCachedPOST(b *testing.B) {
	s, der := ocspRequestFor(b)
	benchOCSP(b, func(c *http.Client) (*http.Response, error) {
		return c.Post(s.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(der))
	})
}

func BenchmarkServerOCSPCachedGET(b *testing.B) {
	s, der := ocspRequestFor(b)
	url := s.URL + "/ocsp/" + base64.StdEncoding.EncodeToString(der)
	benchOCSP(b, func(c *http.Client) (*http.Response, error) { return c.Get(url) })
}

// BenchmarkServerOCSPNonce signs every response with the responder key in
// SoftHSM2 (a nonce makes each answer one client's).
func BenchmarkServerOCSPNonce(b *testing.B) {
	s, der := ocspRequestFor(b)
	der = withNonce(b, der)
	benchOCSP(b, func(c *http.Client) (*http.Response, error) {
		return c.Post(s.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(der))
	})
}

// TestServerOCSPWrk measures the same with wrk (2 threads, 16
// connections, 10 s each) against the real server. It takes ~30 s:
//
//	QES_WRK=1 go test -run TestServerOCSPWrk -v ./internal/app/
func TestServerOCSPWrk(t *testing.T) {
	if os.Getenv("QES_WRK") == "" {
		t.Skip("set QES_WRK=1 to run the wrk load test")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed")
	}
	s, der := ocspRequestFor(t)
	dir := t.TempDir()
	reqFile, nonceFile := filepath.Join(dir, "req.der"), filepath.Join(dir, "nonce.der")
	for path, body := range map[string][]byte{reqFile: der, nonceFile: withNonce(t, der)} {
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	post := func(file string) string {
		return "wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/ocsp-request\"\n" +
			"local f = assert(io.open(\"" + file + "\", \"rb\"))\nwrk.body = f:read(\"*all\")\nf:close()\n"
	}
	for _, run := range []struct{ name, script, path string }{
		{"POST", post(reqFile), "/ocsp"},
		{"GET", "wrk.method = \"GET\"\n", "/ocsp/" + base64.StdEncoding.EncodeToString(der)},
		{"POST-nonce", post(nonceFile), "/ocsp"},
	} {
		script := filepath.Join(dir, run.name+".lua")
		if err := os.WriteFile(script, []byte(run.script), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("wrk", "-t2", "-c16", "-d10s", "--latency", "-s", script, s.URL+run.path).CombinedOutput()
		if err != nil {
			t.Fatalf("wrk: %v\n%s", err, out)
		}
		t.Logf("wrk %s %s:\n%s", run.name, run.path[:min(len(run.path), 12)], out)
	}
}

func parseCert(der []byte) (*x509.Certificate, error) { return x509.ParseCertificate(der) }

// withNonce rebuilds an unsigned OCSP request with a fixed 16-byte nonce
// extension (RFC 8954), which x/crypto/ocsp cannot add.
func withNonce(tb testing.TB, base []byte) []byte {
	tb.Helper()
	s := cryptobyte.String(base)
	var req, tbs, list cryptobyte.String
	if !s.ReadASN1(&req, cbasn1.SEQUENCE) || !req.ReadASN1(&tbs, cbasn1.SEQUENCE) || !tbs.ReadASN1Element(&list, cbasn1.SEQUENCE) {
		tb.Fatal("cannot take the OCSP request apart")
	}
	nonce := append([]byte{0x04, 0x10}, bytes.Repeat([]byte{7}, 16)...)
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(list)
			b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2})
						b.AddASN1OctetString(nonce)
					})
				})
			})
		})
	})
	return b.BytesOrPanic()
}
