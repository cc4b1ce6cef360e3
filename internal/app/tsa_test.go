package app_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/tsa"
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

// TestTSALogsEveryToken: a token from /tsa and one from CSC
// signatures/timestamp are each named in the audit chain (serial, time, hash,
// requester) by the time the client has them.
func TestTSALogsEveryToken(t *testing.T) {
	testutil.NeedTool(t, "openssl")
	s := testutil.StartServer(t)
	data := testutil.WriteTemp(t, "data.txt", []byte("logged\n"))
	query := testutil.WriteTemp(t, "q.tsq", nil)
	if out, err := exec.Command("openssl", "ts", "-query", "-data", data, "-sha384", "-cert", "-out", query).CombinedOutput(); err != nil {
		t.Fatalf("openssl ts -query: %v\n%s", err, out)
	}
	resp, err := tsa.ParseResponse(postTSQ(t, s.URL+"/tsa", query))
	if err != nil || resp.Token == nil {
		t.Fatalf("/tsa: %v %+v", err, resp)
	}
	fromHTTP, err := tsa.ParseToken(resp.Token)
	if err != nil {
		t.Fatal(err)
	}

	h := s.NewHolder(t, "ec-p256")
	tok := s.Login(t, "v2", h.ID, h.Password)
	st, body := s.Post(t, "/csc/v2/signatures/timestamp", tok, map[string]any{"hash": base64.StdEncoding.EncodeToString(make([]byte, 32)), "hashAlgo": "2.16.840.1.101.3.4.2.1"})
	if st != http.StatusOK {
		t.Fatalf("signatures/timestamp: %d %v", st, body)
	}
	der, _ := base64.StdEncoding.DecodeString(body["timestamp"].(string))
	fromCSC, err := tsa.ParseToken(der)
	if err != nil {
		t.Fatal(err)
	}

	logged := map[string]audit.Record{}
	raw := s.AuditText(t)
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		var r audit.Record
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		if r.Type == "tsa.token" {
			logged[r.Detail["serial"]] = r
		}
	}
	for _, want := range []struct {
		info      *tsa.Info
		hash      string
		requester string
	}{{fromHTTP, "SHA-384", "addr:127.0.0.1"}, {fromCSC, "SHA-256", "holder:" + h.ID}} {
		r, ok := logged[want.info.Serial.Text(16)]
		if !ok {
			t.Errorf("token %x is not in the audit log (logged: %v)", want.info.Serial, logged)
			continue
		}
		if r.Detail["hash"] != want.hash || !strings.HasPrefix(r.Client, want.requester) || r.Detail["genTime"] != want.info.GenTime.UTC().Format(time.RFC3339Nano) {
			t.Errorf("audit record %+v, want hash %s, requester %s, time %s", r, want.hash, want.requester, want.info.GenTime)
		}
	}
}
