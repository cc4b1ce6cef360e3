package main_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCluster measures signHash (ECDSA P-256) over HTTP against qesd
// processes on one PostgreSQL database and one SoftHSM2 token directory:
// all requests to one node, or spread round-robin over three (the other
// processes run idle in the one-node case), 1 and 100 hashes per request,
// concurrency 1 and 16. It reports signatures per second and the request
// latency's p50 and p99. SADs (1,000 hashes each) are made outside the
// timer. Give it a number of requests, not a duration:
//
//	go test ./cmd/qesd -run '^$' -bench Cluster -benchtime 400x
func BenchmarkCluster(b *testing.B) {
	cl := startCluster(b, 3, clusterOptions{jobEvery: time.Minute, statusSync: 5 * time.Second, multisign: 1000, logLevel: "info"})
	for _, nodes := range []int{1, 3} {
		for _, per := range []int{1, 100} {
			for _, conc := range []int{1, 16} {
				b.Run(fmt.Sprintf("nodes=%d/hashes=%d/c=%d", nodes, per, conc), func(b *testing.B) {
					benchSignHash(b, cl, cl.nodes[:nodes], per, conc)
				})
			}
		}
	}
}

func benchSignHash(b *testing.B, cl *qesCluster, nodes []*clusterNode, per, conc int) {
	c := cl.client(b, cl.demo, conc)
	c.login(nodes[0])
	type request struct {
		sad    string
		hashes []string
	}
	reqs := make([]request, 0, b.N)
	perSAD := 1000 / per * per
	for len(reqs) < b.N {
		hs, _ := randomHashes(min((b.N-len(reqs))*per, perSAD))
		sad := c.authorize(nodes[len(reqs)%len(nodes)], hs)
		for i := 0; i+per <= len(hs); i += per {
			reqs = append(reqs, request{sad, hs[i : i+per]})
		}
	}
	lat := make([]time.Duration, len(reqs))
	var next atomic.Int64
	var failed atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				t0 := time.Now()
				st, _, err := c.signHash(nodes[i%len(nodes)], reqs[i].sad, reqs[i].hashes)
				lat[i] = time.Since(t0)
				if err != nil || st != http.StatusOK {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d signHash requests failed", n, len(reqs))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(reqs)*per)/elapsed.Seconds(), "sigs/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
