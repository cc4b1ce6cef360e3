package tsa

import (
	"context"
	"crypto"
	"net/http"
	"testing"
)

// BenchmarkTimestamp measures in-process token issuance with an ECDSA P-256
// software key (the HSM's own rate is measured in hsm/).
func BenchmarkTimestamp(b *testing.B) {
	p := newTestPKI(b, "P-256")
	tsa := newTestTSA(b, p)
	digest := sum256("bench")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tsa.Timestamp(ctx, "test", crypto.SHA256, digest, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkRespondHTTP measures full RFC 3161 round trips (decode, sign,
// encode, HTTP) against a loopback server, 16 clients at a time.
func BenchmarkRespondHTTP(b *testing.B) {
	p := newTestPKI(b, "P-256")
	srv := newLoopbackServer(b, newTestTSA(b, p).Handler())
	tr := srv.Client().Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = 64
	client := &Client{URL: srv.URL + "/tsa", HTTP: srv.Client()}
	digest := sum256("bench")
	ctx := context.Background()
	b.SetParallelism(8) // x GOMAXPROCS(2) = 16 concurrent clients
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := client.Timestamp(ctx, crypto.SHA256, digest); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}
