package app_test

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/qesproject/qes/internal/testutil"
)

// scrape reads /metrics from the metrics listener and returns each sample
// line's value by its name and labels as printed.
func scrape(t *testing.T, s *testutil.Server) (map[string]float64, string) {
	t.Helper()
	resp, err := http.Get(s.MetricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := map[string]float64{}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out, string(raw)
}

// TestMetricsAfterASignature signs one hash through a real qesd and its
// token and reads /metrics from its own listener: the signature is
// counted by algorithm, the token's sign latency moved, the HTTP series
// are labelled by route pattern (never the raw path), the OTP, the audit
// appends, a failed login and the store's gauges are there, and the
// service listener does not serve /metrics.
func TestMetricsAfterASignature(t *testing.T) {
	t.Parallel()
	s := testutil.StartServer(t, testutil.WithMetrics())
	before, _ := scrape(t, s)
	h := s.NewHolder(t, "ec-p256")
	token := s.Login(t, "v2", h.ID, h.Password)
	hash := testutil.SHA256B64([]byte("metrics"))
	sad := s.Authorize(t, token, h, 1, hash)
	st, body := s.Post(t, "/csc/v2/signatures/signHash", token, map[string]any{
		"credentialID": h.CredentialID, "SAD": sad, "hashes": []string{hash},
		"hashAlgorithmOID": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.10045.4.3.2"})
	if st != http.StatusOK {
		t.Fatalf("signHash: %d %v", st, body)
	}
	// A wrong password: one authentication failure.
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/csc/v2/auth/login", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(h.ID, "wrong-"+h.Password)
	if st, _ := testutil.Do(t, req); st/100 != 4 {
		t.Fatalf("login with a wrong password: %d", st)
	}
	// A path no route serves must not become a label.
	resp, err := http.Get(s.URL + "/no-such-route/4f1c9a77")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	// The service listener has no /metrics.
	resp, err = http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the service listener: %d, want 404", resp.StatusCode)
	}

	after, raw := scrape(t, s)
	moved := func(name string) float64 { return after[name] - before[name] }
	for _, c := range []struct {
		series string
		min    float64
		exact  bool
	}{
		{`qes_signatures_total{algorithm="ecdsa-p256-sha256"}`, 1, true},
		{`qes_hsm_operation_duration_seconds_count{op="sign"}`, 1, false},
		{`qes_hsm_operation_duration_seconds_count{op="mac"}`, 1, false},
		{`qes_http_requests_total{method="POST",route="/csc/v2/signatures/signHash",status="200"}`, 1, true},
		{`qes_http_request_duration_seconds_count{method="POST",route="/csc/v2/signatures/signHash"}`, 1, true},
		{`qes_http_requests_total{method="GET",route="unmatched",status="404"}`, 1, false},
		{`qes_otp_messages_sent_total{channel="sms",result="ok"}`, 1, false},
		{`qes_audit_append_duration_seconds_count{result="ok"}`, 1, false},
		{`qes_auth_failures_total{event="auth.login"}`, 1, true},
	} {
		if d := moved(c.series); d < c.min || (c.exact && d != c.min) {
			t.Errorf("%s moved by %v, want %v%s", c.series, d, c.min, map[bool]string{false: " or more", true: ""}[c.exact])
		}
	}
	if strings.Contains(raw, "4f1c9a77") || strings.Contains(raw, "no-such-route") {
		t.Error("a raw path became a label")
	}
	// The back end's own gauge (QES_STORAGE picks it).
	gauge := map[string]string{"bolt": "qes_db_bolt_read_tx_total", "bolt-rerun": "qes_db_bolt_read_tx_total",
		"postgres": "qes_db_pg_pool_max_conns"}[testutil.StorageDriver()]
	if _, ok := after[gauge]; !ok {
		t.Errorf("the store's gauge %s is missing", gauge)
	}
	if after[`qes_hsm_operation_errors_total{op="sign"}`] != 0 {
		t.Error("a sign error was counted")
	}
	// Every HTTP series is labelled by a pattern that starts with "/" or
	// says "unmatched".
	for _, m := range regexp.MustCompile(`qes_http_requests_total\{[^}]*route="([^"]*)"`).FindAllStringSubmatch(raw, -1) {
		if !strings.HasPrefix(m[1], "/") && m[1] != "unmatched" {
			t.Errorf("route label %q", m[1])
		}
	}
}

// TestRequestID: a well-formed X-Request-Id is kept, echoed and on the
// request's log lines; a malformed one is replaced by a fresh one.
func TestRequestID(t *testing.T) {
	t.Parallel()
	var logs testutil.LogBuffer
	s := testutil.StartServer(t, testutil.WithLogWriter(&logs))
	for _, c := range []struct {
		name, sent string
		kept       bool
	}{
		{"a load balancer's id", "lb-7f3a:42.x_y", true},
		{"none", "", false},
		{"a space", "two words", false},
		{"a forged log line", "abc\" level=ERROR msg=\"x", false},
		{"too long", strings.Repeat("a", 65), false},
	} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/healthz", nil)
		if c.sent != "" {
			req.Header.Set("X-Request-Id", c.sent)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		got := resp.Header.Get("X-Request-Id")
		switch {
		case c.kept && got != c.sent:
			t.Errorf("%s: echoed %q, want %q", c.name, got, c.sent)
		case !c.kept && (got == c.sent || !regexp.MustCompile(`^[A-Z2-7]{26}$`).MatchString(got)):
			t.Errorf("%s: echoed %q, want a fresh id", c.name, got)
		}
		if !bytes.Contains(logs.Bytes(), []byte("request_id="+got)) {
			t.Errorf("%s: no log line has request_id=%s", c.name, got)
		}
	}
	// A request whose service logs a line carries the id on it as well:
	// a refused login logs nothing by itself, its access line does.
	lines := bytes.Split(logs.Bytes(), []byte("\n"))
	n := 0
	for _, l := range lines {
		if bytes.Contains(l, []byte("request_id=lb-7f3a:42.x_y")) {
			n++
			if !bytes.Contains(l, []byte(`route=/healthz`)) {
				t.Errorf("access line without its route: %s", l)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d lines carry the load balancer's id, want 1", n)
	}
}
