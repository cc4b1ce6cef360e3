package app_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// TestTSAServesOpenSSLQueries drives /tsa with requests made by openssl and
// verifies the replies with openssl against the service's root.
func TestTSAServesOpenSSLQueries(t *testing.T) {
	t.Parallel()
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	data := testutil.WriteTemp(t, "data.txt", []byte("qes time-stamp test\n"))
	root := testutil.WriteTemp(t, "root.pem", testutil.PEM(s.App.Authorities.Root))
	tests := []struct {
		name string
		args []string
		// chain: whether the reply carries the certificates (certReq)
		chain bool
	}{
		{"sha256 with certificates", []string{"-sha256", "-cert"}, true},
		{"sha512 without certificates", []string{"-sha512"}, false},
		{"sha384 with our policy", []string{"-sha384", "-cert", "-tspolicy", s.App.Cfg.TSA.PolicyOID}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			query := testutil.WriteTemp(t, "q.tsq", nil)
			args := append([]string{"ts", "-query", "-data", data, "-out", query}, tt.args...)
			if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
				t.Fatalf("openssl ts -query: %v\n%s", err, out)
			}
			reply := postTSQ(t, s.URL+"/tsa", query)
			verify := []string{"ts", "-verify", "-in", testutil.WriteTemp(t, "r.tsr", reply), "-queryfile", query, "-CAfile", root}
			if !tt.chain {
				verify = append(verify, "-untrusted", testutil.WriteTemp(t, "chain.pem", testutil.PEM(s.App.Authorities.TSACert, s.App.Authorities.IssuingChain[0])))
			}
			out, err := exec.Command("openssl", verify...).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verification: OK") {
				t.Fatalf("openssl ts -verify: %v\n%s", err, out)
			}
		})
	}

	t.Run("other policy is rejected", func(t *testing.T) {
		query := testutil.WriteTemp(t, "q.tsq", nil)
		if out, err := exec.Command("openssl", "ts", "-query", "-data", data, "-sha256", "-tspolicy", "1.2.3.4", "-out", query).CombinedOutput(); err != nil {
			t.Fatalf("openssl ts -query: %v\n%s", err, out)
		}
		reply := postTSQ(t, s.URL+"/tsa", query)
		out, _ := exec.Command("openssl", "ts", "-reply", "-in", testutil.WriteTemp(t, "r.tsr", reply), "-text").CombinedOutput()
		if !strings.Contains(string(out), "Status: Rejected.") || !strings.Contains(string(out), "policy is not supported") {
			t.Fatalf("want a rejection for an unaccepted policy:\n%s", out)
		}
	})
	t.Run("GET", func(t *testing.T) {
		resp, err := http.Get(s.URL + "/tsa")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
			t.Fatalf("GET /tsa: %d Allow %q, want 405 Allow POST", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
	t.Run("wrong media type", func(t *testing.T) {
		resp, err := http.Post(s.URL+"/tsa", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("status %d, want 415", resp.StatusCode)
		}
	})
}

func postTSQ(t *testing.T, url, queryFile string) []byte {
	t.Helper()
	raw, err := os.ReadFile(queryFile)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/timestamp-query", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/timestamp-reply" {
		t.Fatalf("POST /tsa: %d %s: %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	return body
}
