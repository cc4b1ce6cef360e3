package main_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/testpki"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
	os.Exit(code)
}

func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// launchQesd runs the real binary as `make run` does and waits until it
// serves; it returns the process and what it printed before serving.
func launchQesd(t *testing.T, data, addr string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(testutil.Binary(t, "qesd"), "--data", data, "--listen", addr)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF=") // qesd must set up its own token
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "qesd serving") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("qesd did not start:\n%s", out.String())
	}
	return cmd, out.String()
}

// startQesd launches qesd and returns a stop that asks it to shut down
// (SIGINT), killing it if it has not stopped after 15 s.
func startQesd(t *testing.T, data, addr string, scheme string) (string, func()) {
	t.Helper()
	cmd, out := launchQesd(t, data, addr)
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
	}
	return out, stop
}

// The README's run path: the first start creates token, CA and demo holder
// and prints the holder; the second reuses everything.
func TestFirstAndSecondRun(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr := freePort(t)
	out, stop := startQesd(t, data, addr, "http")
	for _, want := range []string{"Created the demo holder", "user ID:", "password:", "PIN:", "credential ID:"} {
		if !strings.Contains(out, want) {
			t.Fatalf("first run output lacks %q:\n%s", want, out)
		}
	}
	raw, err := os.ReadFile(filepath.Join(data, "demo-holder.json"))
	if err != nil {
		t.Fatal(err)
	}
	var demo map[string]string
	_ = json.Unmarshal(raw, &demo)
	if !strings.Contains(out, demo["credentialID"]) || demo["password"] == "" {
		t.Fatalf("printed holder does not match %s", raw)
	}
	login := func() (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/csc/v2/auth/login", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(demo["userID"], demo["password"])
		return http.DefaultClient.Do(req)
	}
	resp, err := login()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("demo login: %v %v", err, resp)
	}
	resp.Body.Close()
	stop()
	if _, err := os.Stat(filepath.Join(data, "hsm", "tokens")); err != nil {
		t.Fatal("the embedded token must live under the data directory")
	}

	out, stop = startQesd(t, data, addr, "http")
	defer stop()
	if strings.Contains(out, "Created") || strings.Contains(out, "created service key") || !strings.Contains(out, demo["credentialID"]) {
		t.Fatalf("second run must reuse everything:\n%s", out)
	}
	resp, err = login()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("demo login after restart: %v %v", err, resp)
	}
	resp.Body.Close()
}

func TestPlainHTTPOffLoopbackIsRefused(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(testutil.Binary(t, "qesd"), "--data", t.TempDir(), "--listen", "0.0.0.0:18443").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "plain HTTP is refused") {
		t.Fatalf("qesd must refuse plain HTTP on 0.0.0.0: %v %s", err, out)
	}
}

// The dev payment provider approves any payment: like plain HTTP, qesd
// refuses it off loopback unless the configuration allows it explicitly.
func TestDevPaymentsOffLoopbackAreRefused(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "qes.json"), []byte(`{"tls":{"certFile":"/nonexistent/c.pem","keyFile":"/nonexistent/k.pem"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(testutil.Binary(t, "qesd"), "--data", data, "--listen", "0.0.0.0:18444").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "dev payment provider") {
		t.Fatalf("qesd must refuse the dev payment provider on 0.0.0.0: %v %s", err, out)
	}
}

func TestServesTLS(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, data)
	addr := freePort(t)
	cfg := fmt.Sprintf(`{"tls":{"certFile":%q,"keyFile":%q}}`, certFile, keyFile)
	if err := os.WriteFile(filepath.Join(data, "qes.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stop := startQesd(t, data, addr, "https")
	defer stop()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	resp, err := client.Post("https://"+addr+"/csc/v2/info", "application/json", strings.NewReader("{}"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("info over TLS: %v %v", err, resp)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("HSTS header missing over TLS")
	}
	resp.Body.Close()
}

func selfSigned(t *testing.T, dir string) (string, string, *x509.CertPool) {
	key := testpki.Key(t, testpki.P256).(*ecdsa.PrivateKey)
	c := testpki.SelfSigned(t, &x509.Certificate{Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, key)
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, testpki.PEM(c), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return certFile, keyFile, pool
}

// TestWithoutCgoRefusesAtStartUp builds qesd as CGO_ENABLED=0 would on a
// machine without a C compiler: it must build (the key boundary is
// cgo-free) and refuse to start with the reason, before creating any state.
func TestWithoutCgoRefusesAtStartUp(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "qesd-nocgo")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build ./cmd/qesd: %v\n%s", err, out)
	}
	data := filepath.Join(t.TempDir(), "var")
	out, err := exec.Command(bin, "--data", data, "--listen", "127.0.0.1:0").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("qesd without cgo: err %v, want exit status 1; output:\n%s", err, out)
	}
	const want = "qes was built without cgo: the PKCS#11 key manager needs cgo (CGO_ENABLED=1 and a C compiler)"
	if !strings.Contains(string(out), want) {
		t.Fatalf("qesd without cgo said:\n%s\nwant it to contain %q", out, want)
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("qesd without cgo touched its data directory (stat: %v)", err)
	}
}
