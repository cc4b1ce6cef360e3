package ocsp

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"io"
	"net/http"
	"testing"
)

// benchClient keeps enough idle connections for 16 concurrent clients.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
}

func benchHTTP(b *testing.B, send func(*http.Client) (*http.Response, error)) {
	client := benchClient()
	b.SetParallelism(8) // x GOMAXPROCS(2) = 16 concurrent clients
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

// BenchmarkCachedPOST is the steady state: a pre-signed response per serial.
func BenchmarkCachedPOST(b *testing.B) {
	p := newTestPKI(b)
	srv := newLoopbackServer(b, newTestResponder(b, p, standardSource(p)))
	der := mustRequest(b, p.leaves["bench"], p.ca.cert, crypto.SHA1)
	benchHTTP(b, func(c *http.Client) (*http.Response, error) {
		return c.Post(srv.URL, contentTypeRequest, bytes.NewReader(der))
	})
}

func BenchmarkCachedGET(b *testing.B) {
	p := newTestPKI(b)
	srv := newLoopbackServer(b, newTestResponder(b, p, standardSource(p)))
	url := srv.URL + "/" + base64.StdEncoding.EncodeToString(mustRequest(b, p.leaves["bench"], p.ca.cert, crypto.SHA1))
	benchHTTP(b, func(c *http.Client) (*http.Response, error) { return c.Get(url) })
}

// BenchmarkNoncePOST signs every response (nonce requests are never cached).
func BenchmarkNoncePOST(b *testing.B) {
	p := newTestPKI(b)
	srv := newLoopbackServer(b, newTestResponder(b, p, standardSource(p)))
	der := requestWithNonce(b, mustRequest(b, p.leaves["bench"], p.ca.cert, crypto.SHA1), []byte{0x04, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	benchHTTP(b, func(c *http.Client) (*http.Response, error) {
		return c.Post(srv.URL, contentTypeRequest, bytes.NewReader(der))
	})
}

// BenchmarkColdSign measures the uncached path in-process: status lookup,
// encoding and an ECDSA P-256 signature per response.
func BenchmarkColdSign(b *testing.B) {
	p := newTestPKI(b)
	r := newTestResponder(b, p, standardSource(p))
	serial := p.leaves["bench"].SerialNumber
	h := certIDHashes[0]
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.build(ctx, h, serial, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}

// BenchmarkCachedInProcess isolates the responder's own cost of a cached
// answer (parse, issuer match, lookup) from HTTP.
func BenchmarkCachedInProcess(b *testing.B) {
	p := newTestPKI(b)
	r := newTestResponder(b, p, standardSource(p))
	der := mustRequest(b, p.leaves["bench"], p.ca.cert, crypto.SHA1)
	ctx := context.Background()
	r.respond(ctx, der)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if a := r.respond(ctx, der); !a.cacheable {
				b.Error("not served from cache")
				return
			}
		}
	})
}
