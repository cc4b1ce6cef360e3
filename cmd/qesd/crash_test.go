package main_test

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
)

// crashClient is a CSC client of the demo holder for the crash test.
type crashClient struct {
	t     *testing.T
	base  string
	data  string
	demo  map[string]string
	token string
	http  *http.Client
}

func (c *crashClient) post(path string, body any) (int, map[string]any, error) {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else {
		req.SetBasicAuth(c.demo["userID"], c.demo["password"])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out := map[string]any{}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out, nil
}

func (c *crashClient) must(path string, body any) map[string]any {
	c.t.Helper()
	st, out, err := c.post(path, body)
	if err != nil || st/100 != 2 {
		c.t.Fatalf("%s: %d %v %v", path, st, out, err)
	}
	return out
}

// lastOTP reads the newest code the development outbox holds.
func (c *crashClient) lastOTP() string {
	c.t.Helper()
	f, err := os.Open(filepath.Join(c.data, "outbox.jsonl"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	var code string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ Code string }
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.Code != "" {
			code = m.Code
		}
	}
	return code
}

// login takes a fresh access token with the demo holder's password.
func (c *crashClient) login() {
	c.t.Helper()
	c.token = ""
	c.token = c.must("/csc/v2/auth/login", map[string]any{})["access_token"].(string)
}

// authorize gets one SAD for hashes with the demo holder's PIN and an OTP.
func (c *crashClient) authorize(hashes []string) string {
	c.t.Helper()
	c.login()
	c.must("/csc/v2/credentials/getChallenge", map[string]any{"credentialID": c.demo["credentialID"], "authObjectID": "OTP"})
	out := c.must("/csc/v2/credentials/authorize", map[string]any{"credentialID": c.demo["credentialID"], "numSignatures": len(hashes), "hashes": hashes,
		"authData": []map[string]string{{"id": "PIN", "value": c.demo["pin"]}, {"id": "OTP", "value": c.lastOTP()}}})
	return out["SAD"].(string)
}

func (c *crashClient) signHash(sad, hash string) (int, string, error) {
	st, out, err := c.post("/csc/v2/signatures/signHash", map[string]any{"credentialID": c.demo["credentialID"], "SAD": sad,
		"hashes": []string{hash}, "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1", "signAlgo": "1.2.840.10045.4.3.2"})
	if err != nil || st != http.StatusOK {
		return st, "", err
	}
	sigs, _ := out["signatures"].([]any)
	if len(sigs) != 1 {
		return st, "", fmt.Errorf("signHash answered %v", out)
	}
	return st, sigs[0].(string), nil
}

// TestSIGKILLDuringSigningLosesNothing kills qesd with SIGKILL in the middle
// of a signing load, several times, each time after a different number of
// acknowledged signatures, and restarts it. After every restart: the audit
// chain verifies, every signature a client received has its audit intent,
// every signature verifies against the credential's certificate, and no hash
// of the SAD signs a second time (a hash whose answer was lost may sign once).
func TestSIGKILLDuringSigningLosesNothing(t *testing.T) {
	sigkillRounds(t, 4, 1, []int{5, 25, 45})
}

// TestSIGKILLUnderGroupCommit is the same at concurrency 16 with one hash
// per request spread over three SADs, the load under which concurrent
// requests share their SAD commits and audit fsyncs (group commit, issue
// 14): a kill lands while a group is being written, and still no hash
// signs twice and every signature a client received has its intent.
func TestSIGKILLUnderGroupCommit(t *testing.T) {
	sigkillRounds(t, 16, 3, []int{8, 60, 150, 250})
}

// sigkillRounds runs one round per entry of killAfters: workers clients
// sign the hashes of sads fresh SADs (60 hashes each with one SAD, 100
// with more), one hash per request, and qesd is killed once killAfter
// signatures have been received.
func sigkillRounds(t *testing.T, workers, sads int, killAfters []int) {
	data := t.TempDir()
	addr := freePort(t)
	cmd, _ := launchQesd(t, data, addr)
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	raw, err := os.ReadFile(filepath.Join(data, "demo-holder.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := &crashClient{t: t, base: "http://" + addr, data: data, http: &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: workers}}}
	if err := json.Unmarshal(raw, &c.demo); err != nil {
		t.Fatal(err)
	}

	perSAD := 60
	if sads > 1 {
		perSAD = 100
	}
	total := 0
	for round, killAfter := range killAfters {
		type job struct{ sad, hash string }
		digests := map[string][]byte{}
		sadOf := map[string]string{}
		bySAD := make([][]string, sads)
		for k := range bySAD {
			bySAD[k] = make([]string, perSAD)
			for i := range bySAD[k] {
				d := make([]byte, 32)
				_, _ = rand.Read(d)
				bySAD[k][i] = base64.StdEncoding.EncodeToString(d)
				digests[bySAD[k][i]] = d
			}
			sad := c.authorize(bySAD[k])
			for _, h := range bySAD[k] {
				sadOf[h] = sad
			}
		}
		// Interleave the SADs: concurrent requests hit the same SAD and
		// different ones.
		var jobs []job
		for i := range perSAD {
			for k := range bySAD {
				jobs = append(jobs, job{sadOf[bySAD[k][i]], bySAD[k][i]})
			}
		}
		c.login()

		var (
			mu       sync.Mutex
			received = map[string]string{} // hash -> signature
			unknown  []string              // sent, but the answer was lost to the kill
			killNow  = make(chan struct{})
			once     sync.Once
		)
		work := make(chan job, len(jobs))
		for _, j := range jobs {
			work <- j
		}
		close(work)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range work {
					st, sig, err := c.signHash(j.sad, j.hash)
					mu.Lock()
					switch {
					case err == nil && st == http.StatusOK:
						received[j.hash] = sig
						if len(received) == killAfter {
							once.Do(func() { close(killNow) })
						}
					default: // the server died under this request
						unknown = append(unknown, j.hash)
					}
					mu.Unlock()
					if st != http.StatusOK {
						return
					}
				}
			}()
		}
		<-killNow
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		wg.Wait()

		cmd, _ = launchQesd(t, data, addr)
		verify, err := exec.Command(testutil.Binary(t, "qesctl"), "audit", "verify", "--data", data).CombinedOutput()
		if err != nil || !strings.Contains(string(verify), "audit log intact") {
			t.Fatalf("round %d: qesctl audit verify after SIGKILL: %v\n%s", round, err, verify)
		}

		c.login()
		intents := auditIntents(t, filepath.Join(data, "audit.jsonl"))
		cert := demoCertificate(t, c)
		for h, sig := range received {
			sum := sha256.Sum256(digests[h])
			if !intents[hex.EncodeToString(sum[:])[:32]] {
				t.Errorf("round %d: a signature the client received has no audit intent (hash %s)", round, h)
			}
			der, _ := base64.StdEncoding.DecodeString(sig)
			if !ecdsa.VerifyASN1(cert.PublicKey.(*ecdsa.PublicKey), digests[h], der) {
				t.Errorf("round %d: signature over %s does not verify", round, h)
			}
		}
		// No hash signs twice: every received one is refused now; one whose
		// answer was lost may sign once, never twice.
		for h := range received {
			if st, _, err := c.signHash(sadOf[h], h); err != nil || st == http.StatusOK {
				t.Errorf("round %d: hash %s signed again after the restart (%d %v)", round, h, st, err)
			}
		}
		for _, h := range unknown {
			_, _, _ = c.signHash(sadOf[h], h)
			if st, _, err := c.signHash(sadOf[h], h); err != nil || st == http.StatusOK {
				t.Errorf("round %d: hash %s whose answer was lost signed twice (%d %v)", round, h, st, err)
			}
		}
		t.Logf("round %d (c%d): SIGKILL after %d acknowledged signatures; %d answers lost in flight; audit verified, 0 lost, 0 double", round, workers, len(received), len(unknown))
		total += len(received)
	}
	t.Logf("%d acknowledged signatures across %d SIGKILL rounds at c%d, none lost or repeated", total, len(killAfters), workers)
}

// auditIntents lists the hash fingerprints of the signature intents.
func auditIntents(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct {
			Type   string
			Detail map[string]string
		}
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Type == "signature.intent" {
			out[r.Detail["hashes"]] = true
		}
	}
	return out
}

func demoCertificate(t *testing.T, c *crashClient) *x509.Certificate {
	t.Helper()
	out := c.must("/csc/v2/credentials/info", map[string]any{"credentialID": c.demo["credentialID"], "certificates": "single"})
	certs := out["cert"].(map[string]any)["certificates"].([]any)
	der, _ := base64.StdEncoding.DecodeString(certs[0].(string))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
