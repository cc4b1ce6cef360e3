package csc_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/sam"
)

// The signing benchmarks drive a real server over HTTP on 127.0.0.1 with a
// real SoftHSM2 token and compare with crypto11's raw Sign on the same token
// in the same run. Run with: make bench, or
//   go test ./csc -run '^$' -bench 'Sign|Authorize' -benchtime 1x
// (each benchmark does a fixed amount of work and reports its own metrics).

const (
	benchSignatures = 4000 // signatures per measurement
)

type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := append(latencies(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(float64(len(s)-1)*p)]
}

// run executes n jobs with c workers and returns wall time and per-job latencies.
func run(n, c int, job func(i int) error) (time.Duration, latencies, error) {
	var mu sync.Mutex
	lat := make(latencies, 0, n)
	var firstErr error
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				err := job(i)
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return time.Since(start), lat, firstErr
}

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}

func postJSON(url, token string, body any) (int, []byte, error) {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := benchClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func BenchmarkSignHash(b *testing.B) {
	s := testutil.StartServer(b)
	for _, key := range []string{"ec-p256", "rsa-2048"} {
		h := s.NewHolder(b, key)
		tok := s.Login(b, "v2", h.ID, h.Password)
		signAlgo := map[string]string{"ec-p256": sam.OIDECDSASHA256, "rsa-2048": sam.OIDSHA256WithRSA}[key]
		cred, err := s.App.Store.Credential(context.Background(), h.CredentialID)
		if err != nil {
			b.Fatal(err)
		}
		signer, err := s.App.HSM.Signer(context.Background(), hsm.KeyRef(cred.KeyRef))
		if err != nil {
			b.Fatal(err)
		}
		for _, conc := range []int{1, 16} {
			var rawRate float64
			var rawP50 time.Duration
			// Raw crypto11 Sign on the same token and key.
			b.Run(fmt.Sprintf("%s/raw-hsm/c%d", key, conc), func(b *testing.B) {
				n := benchSignatures
				if key == "rsa-2048" {
					n /= 4
				}
				d := sha256.Sum256([]byte("bench"))
				for i := 0; i < b.N; i++ {
					wall, lat, err := run(n, conc, func(int) error {
						_, err := signer.Sign(rand.Reader, d[:], crypto.SHA256)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
					rawRate, rawP50 = float64(n)/wall.Seconds(), lat.pct(0.5)
					b.ReportMetric(rawRate, "sigs/s")
					b.ReportMetric(float64(rawP50.Microseconds()), "p50-µs")
				}
			})
			for _, batch := range []int{1, 100} {
				b.Run(fmt.Sprintf("%s/signHash-batch%d/c%d", key, batch, conc), func(b *testing.B) {
					n := benchSignatures
					if key == "rsa-2048" {
						n /= 4
					}
					reqs := n / batch
					for i := 0; i < b.N; i++ {
						// Authorize outside the measurement: one SAD per 100 hashes.
						bodies := prepareSignHash(b, s, h, tok, reqs, batch, signAlgo)
						b.ResetTimer()
						wall, lat, err := run(reqs, conc, func(i int) error {
							st, out, err := postJSON(s.URL+"/csc/v2/signatures/signHash", tok, bodies[i])
							if err == nil && st != 200 {
								err = fmt.Errorf("signHash %d: %s", st, out)
							}
							return err
						})
						if err != nil {
							b.Fatal(err)
						}
						rate := float64(reqs*batch) / wall.Seconds()
						b.ReportMetric(rate, "sigs/s")
						b.ReportMetric(float64(lat.pct(0.5).Microseconds()), "p50-µs")
						b.ReportMetric(float64(lat.pct(0.99).Microseconds()), "p99-µs")
						if rawRate > 0 {
							// Against raw crypto11 Sign measured just before, same token, key and concurrency.
							b.ReportMetric(100*rate/rawRate, "%-of-raw")
						}
						if batch == 1 && conc == 1 {
							// What the service adds to one signature: HTTP, token, SAD commit, audit.
							b.ReportMetric(float64((lat.pct(0.5) - rawP50).Microseconds()), "added-p50-µs")
						}
					}
				})
			}
		}
	}
}

// prepareSignHash authorizes the hashes of reqs signHash requests of batch
// hashes each and returns the request bodies.
func prepareSignHash(b *testing.B, s *testutil.Server, h testutil.Holder, tok string, reqs, batch int, signAlgo string) []map[string]any {
	b.Helper()
	var all []string
	for i := 0; i < reqs*batch; i++ {
		d := make([]byte, 32)
		_, _ = rand.Read(d)
		all = append(all, b64(d))
	}
	bodies := make([]map[string]any, 0, reqs)
	for start := 0; start < len(all); start += 100 {
		chunk := all[start:min(start+100, len(all))]
		sad := benchAuthorize(b, s, h, tok, chunk)
		for i := 0; i < len(chunk); i += batch {
			bodies = append(bodies, map[string]any{"credentialID": h.CredentialID, "SAD": sad, "hashes": chunk[i : i+batch], "signAlgo": signAlgo})
		}
	}
	return bodies
}

func benchAuthorize(b testing.TB, s *testutil.Server, h testutil.Holder, tok string, hashes []string) string {
	st, out, err := postJSON(s.URL+"/csc/v2/credentials/sendOTP", tok, map[string]any{"credentialID": h.CredentialID})
	if err != nil || st != 204 {
		b.Fatalf("sendOTP %d %s %v", st, out, err)
	}
	st, out, err = postJSON(s.URL+"/csc/v2/credentials/authorize", tok, map[string]any{"credentialID": h.CredentialID, "numSignatures": len(hashes),
		"hashes": hashes, "authData": []map[string]string{{"id": "PIN", "value": h.PIN}, {"id": "OTP", "value": s.LastCode(b, h.Phone)}}})
	if err != nil || st != 200 {
		b.Fatalf("authorize %d %s %v", st, out, err)
	}
	var g struct{ SAD string }
	_ = json.Unmarshal(out, &g)
	return g.SAD
}

// BenchmarkAuthorize measures credentials/authorize (argon2id PIN check at
// the production cost + OTP check + SAD commit) at concurrency 1.
func BenchmarkAuthorize(b *testing.B) {
	s := testutil.StartServer(b, testutil.WithArgon(secret.Default))
	h := s.NewHolder(b, "ec-p256")
	tok := s.Login(b, "v2", h.ID, h.Password)
	const n = 100
	for i := 0; i < b.N; i++ {
		var lat latencies
		for j := 0; j < n; j++ {
			d := make([]byte, 32)
			_, _ = rand.Read(d)
			hashes := []string{b64(d)}
			st, out, err := postJSON(s.URL+"/csc/v2/credentials/sendOTP", tok, map[string]any{"credentialID": h.CredentialID})
			if err != nil || st != 204 {
				b.Fatalf("sendOTP %d %s", st, out)
			}
			code := s.LastCode(b, h.Phone)
			t0 := time.Now()
			st, out, err = postJSON(s.URL+"/csc/v2/credentials/authorize", tok, map[string]any{"credentialID": h.CredentialID, "numSignatures": 1,
				"hashes": hashes, "authData": []map[string]string{{"id": "PIN", "value": h.PIN}, {"id": "OTP", "value": code}}})
			lat = append(lat, time.Since(t0))
			if err != nil || st != 200 {
				b.Fatalf("authorize %d %s", st, out)
			}
		}
		b.ReportMetric(float64(lat.pct(0.5).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat.pct(0.99).Microseconds())/1000, "p99-ms")
	}
}
