package csc_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/testutil"
)

// signDocBody streams a signDoc request without building it as one
// string, and gives its length as an ordinary client would.
func signDocBody(credentialID, sad, level string, docB64 []byte) (io.Reader, int64) {
	head := fmt.Sprintf(`{"credentialID":%q,"SAD":%q,"documents":[{"signature_format":"P","conformance_level":%q,"signAlgo":%q,"document":"`,
		credentialID, sad, level, ecdsaSHA256)
	const tail = `"}]}`
	return io.MultiReader(strings.NewReader(head), bytes.NewReader(docB64), strings.NewReader(tail)), int64(len(head) + len(docB64) + len(tail))
}

func postSignDoc(b *testing.B, url, tok string, body io.Reader, size int64) {
	req, err := http.NewRequest(http.MethodPost, url+"/csc/v2/signatures/signDoc", body)
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("signDoc: HTTP %d (%d bytes)", resp.StatusCode, n)
	}
}

// BenchmarkSignDoc signs 1 MB and 50 MB PDFs through signatures/signDoc
// over HTTP on 127.0.0.1, at B-B and B-LT: upload, decoding, signing in
// SoftHSM2, time-stamp and revocation data (B-LT), streamed answer. The
// authorization (OTP, PIN) of each signature is outside the timing. B/op
// counts client and server together (one process).
func BenchmarkSignDoc(b *testing.B) {
	s := testutil.StartServer(b, unthrottledSignDoc)
	h := s.NewHolder(b, "ec-p256")
	tok := s.Login(b, "v2", h.ID, h.Password)
	// Decimal megabytes: a 50 MB PDF is the largest round size whose
	// base64 fits csc.Config.MaxDocBody (64 MiB).
	for _, mb := range []int{1, 50} {
		pdf := testutil.MakePDF(3, mb*1_000_000-10_000)
		docB64 := []byte(base64.StdEncoding.EncodeToString(pdf))
		hash := testutil.SHA256B64(pdf)
		for _, level := range []string{"B-B", "B-LT"} {
			b.Run(fmt.Sprintf("%dMB/%s", mb, level), func(b *testing.B) {
				b.SetBytes(int64(len(pdf)))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					sad := s.Authorize(b, tok, h, 1, hash)
					b.StartTimer()
					body, size := signDocBody(h.CredentialID, sad, level, docB64)
					postSignDoc(b, s.URL, tok, body, size)
				}
			})
		}
	}
}

// BenchmarkSignDocParallel measures signDoc throughput for 100 KB PDFs at
// B-B with 16 concurrent clients (GOMAXPROCS x 8 goroutines on 2 cores),
// each its own holder with an authorization for 100 signatures at a time
// (re-authorizing, inside the timing, every 100 documents).
func BenchmarkSignDocParallel(b *testing.B) {
	s := testutil.StartServer(b, unthrottledSignDoc)
	pdf := testutil.MakePDF(2, 100_000-3_000)
	docB64 := []byte(base64.StdEncoding.EncodeToString(pdf))
	hash := testutil.SHA256B64(pdf)
	const clients = 16
	type holder struct {
		h   testutil.Holder
		tok string
	}
	holders := make([]holder, clients)
	for i := range holders {
		h := s.NewHolder(b, "ec-p256")
		holders[i] = holder{h, s.Login(b, "v2", h.ID, h.Password)}
	}
	hashes := make([]string, 100)
	for i := range hashes {
		hashes[i] = hash
	}
	var next atomic.Int64
	b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.SetBytes(int64(len(pdf)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		me := holders[int(next.Add(1)-1)%clients]
		sad, left := "", 0
		for pb.Next() {
			if left == 0 {
				sad, left = s.Authorize(b, me.tok, me.h, len(hashes), hashes...), len(hashes)
			}
			body, size := signDocBody(me.h.CredentialID, sad, "B-B", docB64)
			postSignDoc(b, s.URL, me.tok, body, size)
			left--
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// unthrottledSignDoc lifts the per-credential signDoc rate limit, which a
// benchmark signing as fast as it can with one credential would hit: the
// benchmarks measure signing, not the limiter.
func unthrottledSignDoc(s *testutil.Setup) {
	s.Config.Service.SignDoc.Burst = 1 << 30
	s.Config.Service.SignDoc.Every = config.Duration(time.Nanosecond)
}
