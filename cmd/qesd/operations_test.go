package main_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
)

// TestOperationsOfTheBinary runs qesd as an operator would with JSON logs
// and metrics.listen in qes.json: /metrics answers on its own address
// only, a request's id is echoed and on its JSON log line, and SIGTERM
// drains and exits 0 after logging the drain.
func TestOperationsOfTheBinary(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr, maddr := freePort(t), freePort(t)
	conf := `{"log": {"json": true}, "metrics": {"listen": "` + maddr + `"}, "drainTimeout": "20s"}`
	if err := os.WriteFile(filepath.Join(data, "qes.json"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testutil.Binary(t, "qesd"), "--data", data, "--listen", addr, "--demo=false")
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF=")
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := make(chan map[string]any, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Errorf("a log line is not JSON: %q", sc.Text())
				continue
			}
			lines <- rec
		}
	}()
	// waitFor reads log records until one says msg; the deadline only
	// bounds a qesd that never says it.
	var seen []map[string]any
	waitFor := func(msg string) map[string]any {
		t.Helper()
		deadline := time.After(90 * time.Second)
		for {
			select {
			case rec, ok := <-lines:
				if !ok {
					t.Fatalf("qesd's log ended before %q", msg)
				}
				seen = append(seen, rec)
				if rec["msg"] == msg {
					return rec
				}
			case <-deadline:
				t.Fatalf("qesd did not log %q", msg)
			}
		}
	}
	waitFor("qesd serving")

	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/healthz", nil)
	req.Header.Set("X-Request-Id", "op-test-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Request-Id") != "op-test-1" {
		t.Fatalf("healthz: %d, X-Request-Id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	access := waitFor("http request")
	if access["request_id"] != "op-test-1" || access["route"] != "/healthz" {
		t.Errorf("access line %v", access)
	}
	resp, err = http.Get("http://" + maddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(raw), `qes_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("/metrics on %s lacks the healthz request:\n%s", maddr, raw)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if rec := waitFor("draining"); rec["timeout"] != "20s" && rec["timeout"] != float64(20*time.Second) {
		t.Errorf("draining with timeout %v, want the configured 20s", rec["timeout"])
	}
	waitFor("drained")
	for range lines { // the reader is done before the test ends
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("qesd after SIGTERM: %v", err)
	}
}
