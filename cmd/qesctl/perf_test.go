package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
)

// TestPerfSignDocAndCLI measures what the issue asks for and asserts
// nothing about it: wall time and peak RSS of a real qesd signing 1 MB and
// 50 MB PDFs through signDoc over HTTP on 127.0.0.1, and of qesctl sign
// doing the same through signHash. Run with
//
//	QES_PERF=1 go test ./cmd/qesctl -run TestPerf -v -timeout 10m
//
// Peak RSS of qesd is VmHWM from /proc, reset before each request by
// writing 5 to /proc/<pid>/clear_refs; that of qesctl is its rusage maxrss.
func TestPerfSignDocAndCLI(t *testing.T) {
	if os.Getenv("QES_PERF") == "" {
		t.Skip("set QES_PERF=1 to measure (takes about a minute)")
	}
	testutil.NeedTool(t, "/usr/bin/time")
	dir := t.TempDir()
	qesctl := buildQesctl(t)
	qesd := filepath.Join(dir, "qesd")
	if out, err := exec.Command("go", "build", "-o", qesd, "../qesd").CombinedOutput(); err != nil {
		t.Fatalf("go build qesd: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	// argon2id at its minimum: its 64 MiB per password or PIN check would
	// otherwise leave the heap resident and hide the documents' footprint.
	if err := os.WriteFile(filepath.Join(data, "qes.json"), []byte(`{"argon2id":{"time":1,"memoryKiB":64,"threads":1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	server := startQesd(t, qesd, data, addr)
	t.Cleanup(func() { stopQesd(server) })
	base := "http://" + addr

	const user, password, pin, phone = "perf", "Secret-Pass1!", "246813", "+393330000999"
	create := exec.Command(qesctl, "holder", "create", "--data", data, "--user", user, "--demo",
		"--phone", phone, "--email", "perf@example.org", "--json")
	create.Env = append(os.Environ(), "QES_PASSWORD="+password, "QES_PIN="+pin)
	out, err := create.CombinedOutput()
	if err != nil {
		t.Fatalf("holder create: %v\n%s", err, out)
	}
	var created struct{ CredentialID string }
	if err := json.Unmarshal(out, &created); err != nil {
		t.Fatalf("holder create: %s", out)
	}
	h := perfHolder{base: base, data: data, user: user, password: password, pin: pin, phone: phone, credential: created.CredentialID}

	files := map[int]string{}
	for _, mb := range []int{1, 50} {
		p := filepath.Join(dir, fmt.Sprintf("doc-%dMB.pdf", mb))
		if err := os.WriteFile(p, testutil.MakePDF(3, mb*1_000_000-10_000), 0o600); err != nil {
			t.Fatal(err)
		}
		files[mb] = p
	}
	small := filepath.Join(dir, "small.pdf")
	if err := os.WriteFile(small, testutil.MakePDF(1, 10_000), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mb := range []int{1, 50} {
		for _, level := range []string{"B-B", "B-LT"} {
			// A fresh qesd per case, warmed up by one small signature, so
			// that memory freed by an earlier large request cannot be
			// reused and hide this one's footprint.
			stopQesd(server)
			server = startQesd(t, qesd, data, addr)
			pid := server.Process.Pid
			h.signDoc(t, small, "B-LT", nil) // warm-up: every code path once
			var walls []time.Duration
			var before, peak float64
			for i := range 3 {
				var measure func()
				if i == 0 {
					measure = func() { resetPeak(t, pid); before = vm(t, pid, "VmRSS") }
				}
				walls = append(walls, h.signDoc(t, files[mb], level, measure))
				if i == 0 {
					peak = vm(t, pid, "VmHWM")
				}
			}
			slices.Sort(walls)
			t.Logf("signDoc %2d MB %-4s: wall %v (median of 3, min %v); qesd RSS %.1f MB before, peak %.1f MB: +%.1f MB = %.2fx the file",
				mb, level, walls[1].Round(time.Millisecond), walls[0].Round(time.Millisecond), before, peak, peak-before, (peak-before)/float64(mb))
		}
	}
	for _, mb := range []int{1, 50} {
		for _, level := range []string{"B-B", "B-LT"} {
			wall, rss := h.cli(t, qesctl, files[mb], level, filepath.Join(dir, fmt.Sprintf("out-%d-%s", mb, level)))
			t.Logf("qesctl sign %2d MB %-4s: wall %v (login, OTP and all), qesctl peak RSS %.1f MB", mb, level, wall.Round(time.Millisecond), rss)
		}
	}
}

type perfHolder struct {
	base, data, user, password, pin, phone, credential string
}

// authorize logs in, has an OTP sent, reads it from the dev outbox and
// returns a token and a SAD for the SHA-256 of file.
func (h perfHolder) authorize(t *testing.T, hash string) (string, string) {
	t.Helper()
	tok := h.call(t, "", "auth/login", map[string]any{}, true)["access_token"].(string)
	h.call(t, tok, "credentials/getChallenge", map[string]any{"credentialID": h.credential}, false)
	sad := h.call(t, tok, "credentials/authorize", map[string]any{"credentialID": h.credential, "numSignatures": 1, "hashes": []string{hash},
		"authData": []map[string]string{{"id": "PIN", "value": h.pin}, {"id": "OTP", "value": h.lastCode(t)}}}, false)["SAD"].(string)
	return tok, sad
}

func (h perfHolder) call(t *testing.T, tok, method string, in map[string]any, basic bool) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, h.base+"/csc/v2/"+method, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if basic {
		req.SetBasicAuth(h.user, h.password)
	} else {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s: %d %s", method, resp.StatusCode, body)
	}
	var out map[string]any
	_ = json.Unmarshal(body, &out)
	return out
}

func (h perfHolder) lastCode(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join(h.data, "outbox.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	code := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ To, Code string }
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.To == h.phone && m.Code != "" {
			code = m.Code
		}
	}
	if code == "" {
		t.Fatal("no OTP in the outbox")
	}
	return code
}

// signDoc signs file through signatures/signDoc, streaming the request
// with a Content-Length as an ordinary client does, and returns the wall
// time of that one request (upload, signing, download). beforeSend, if
// set, runs after the authorization, just before the request.
func (h perfHolder) signDoc(t *testing.T, file, level string, beforeSend func()) time.Duration {
	t.Helper()
	pdf, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tok, sad := h.authorize(t, testutil.SHA256B64(pdf))
	if beforeSend != nil {
		beforeSend()
	}
	head := fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"documents":[{"signature_format":"P","conformance_level":%q,"signAlgo":"1.2.840.10045.4.3.2","document":"`,
		h.credential, sad, level)
	docB64 := []byte(base64.StdEncoding.EncodeToString(pdf))
	body := io.MultiReader(strings.NewReader(head), bytes.NewReader(docB64), strings.NewReader(`"}]}`))
	req, _ := http.NewRequest(http.MethodPost, h.base+"/csc/v2/signatures/signDoc", body)
	req.ContentLength = int64(len(head) + len(docB64) + 4)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	wall := time.Since(start)
	if resp.StatusCode != http.StatusOK || n < int64(len(docB64)) {
		t.Fatalf("signDoc: HTTP %d, %d bytes", resp.StatusCode, n)
	}
	return wall
}

// cli runs qesctl sign on one file and returns its wall time and peak RSS.
// The RSS comes from /usr/bin/time: the rusage of a child of this (large)
// test process would report the parent's RSS inherited at fork.
func (h perfHolder) cli(t *testing.T, qesctl, file, level, out string) (time.Duration, float64) {
	t.Helper()
	cmd := exec.Command("/usr/bin/time", "-f", "maxrss-kb %M", qesctl, "sign", "--server", h.base, "--user", h.user, "--level", level, "-o", out, file)
	cmd.Env = append(os.Environ(), "QES_PASSWORD="+h.password, "QES_PIN="+h.pin)
	stdin, _ := cmd.StdinPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	before := ""
	if f, err := os.ReadFile(filepath.Join(h.data, "outbox.jsonl")); err == nil {
		before = string(f)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		f, _ := os.ReadFile(filepath.Join(h.data, "outbox.jsonl"))
		if len(f) > len(before) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no OTP requested:\n%s", stderr.String())
		}
	}
	_, _ = stdin.Write([]byte(h.lastCode(t) + "\n"))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("qesctl sign: %v\n%s", err, stderr.String())
	}
	wall := time.Since(start)
	i := strings.LastIndex(stderr.String(), "maxrss-kb ")
	var kb float64
	if i < 0 {
		t.Fatalf("no maxrss from /usr/bin/time:\n%s", stderr.String())
	}
	fmt.Sscan(stderr.String()[i+len("maxrss-kb "):], &kb)
	return wall, kb / 1000
}

func startQesd(t *testing.T, bin, data, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "--data", data, "--listen", addr, "--demo=false")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, "http://"+addr, &log)
	return cmd
}

func stopQesd(cmd *exec.Cmd) {
	if cmd.ProcessState == nil {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, base string, log *bytes.Buffer) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("qesd did not become healthy:\n%s", log.String())
}

// vm reads a Vm* line of /proc/<pid>/status in MB.
func vm(t *testing.T, pid int, field string) float64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, field+":") {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimPrefix(line, field+":")), &kb)
			return kb / 1000
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// resetPeak sets VmHWM back to the current RSS (Linux clear_refs 5).
func resetPeak(t *testing.T, pid int) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0o600); err != nil {
		t.Fatalf("reset peak RSS: %v", err)
	}
}
