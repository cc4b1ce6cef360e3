package ocsp

import (
	"crypto"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWrk load-tests the cached paths (POST, GET) and the signing path
// (POST with a nonce) with wrk (16 connections, 2 threads)
// against a loopback responder. It takes ~35 s, so it runs only when asked:
//
//	QES_WRK=1 go test -run TestWrk -v ./ca/ocsp/
func TestWrk(t *testing.T) {
	if os.Getenv("QES_WRK") == "" {
		t.Skip("set QES_WRK=1 to run the wrk load test")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed")
	}
	p := newTestPKI(t)
	srv := newLoopbackServer(t, newTestResponder(t, p, standardSource(p)))
	der := mustRequest(t, p.leaves["bench"], p.ca.cert, crypto.SHA1)
	// A fixed nonce defeats the cache: every request is signed afresh.
	nonceDER := requestWithNonce(t, der, append([]byte{0x04, 0x10}, make([]byte, 16)...))
	dir := t.TempDir()
	reqFile, nonceFile := filepath.Join(dir, "req.der"), filepath.Join(dir, "nonce.der")
	if err := os.WriteFile(reqFile, der, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nonceFile, nonceDER, 0o600); err != nil {
		t.Fatal(err)
	}
	postScript := func(file string) string {
		return `wrk.method = "POST"
wrk.headers["Content-Type"] = "application/ocsp-request"
local f = assert(io.open("` + file + `", "rb"))
wrk.body = f:read("*all")
f:close()
`
	}
	scripts := map[string]string{
		"POST":       postScript(reqFile),
		"POST-nonce": postScript(nonceFile),
		"GET": `wrk.method = "GET"
wrk.path = "/` + base64.StdEncoding.EncodeToString(der) + `"
`,
	}
	for _, method := range []string{"POST", "GET", "POST-nonce"} {
		script := filepath.Join(dir, method+".lua")
		if err := os.WriteFile(script, []byte(scripts[method]), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("wrk", "-t2", "-c16", "-d10s", "--latency", "-s", script, srv.URL).CombinedOutput()
		if err != nil {
			t.Fatalf("wrk: %v\n%s", err, out)
		}
		t.Logf("wrk %s:\n%s", method, out)
	}
}
