package main_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BenchmarkCluster measures signHash (ECDSA P-256) over HTTP against qesd
// processes on one PostgreSQL database and one SoftHSM2 token directory:
// all requests to one node (the other two run idle), or round-robin over
// three (see benchSignHash for spread and sticky), 1 and 100 hashes per request,
// concurrency 1 and 16. It reports signatures per second and the request
// latency's p50 and p99. SADs (1,000 hashes each) are made outside the
// timer. Give it a number of requests, not a duration:
//
//	go test ./cmd/qesd -run '^$' -bench Cluster -benchtime 400x
func BenchmarkCluster(b *testing.B) {
	cl := startCluster(b, 3, clusterOptions{jobEvery: time.Minute, statusSync: 5 * time.Second, multisign: 1000, logLevel: "info"})
	for _, spread := range []string{"one", "spread", "sticky"} {
		for _, per := range []int{1, 100} {
			for _, conc := range []int{1, 16} {
				b.Run(fmt.Sprintf("nodes=%s/hashes=%d/c=%d", spread, per, conc), func(b *testing.B) {
					benchSignHash(b, cl, spread, per, conc)
				})
			}
		}
	}
}

// benchSignHash signs b.N requests of per hashes with conc clients.
// spread: "one" sends every request to node 1; "spread" sends request i
// to node i%3 whichever node authorized its SAD (concurrent requests of
// one SAD on several nodes); "sticky" sends each SAD's requests to the
// node that authorized it (a balancer routing by SAD), still alternating
// the nodes.
func benchSignHash(b *testing.B, cl *qesCluster, spread string, per, conc int) {
	nodes := cl.nodes
	if spread == "one" {
		nodes = nodes[:1]
	}
	c := cl.client(b, cl.demo, conc)
	c.login(nodes[0])
	type request struct {
		node   *clusterNode
		sad    string
		hashes []string
	}
	byNode := make([][]request, len(nodes))
	perSAD := 1000 / per * per
	for made, k := 0, 0; made < b.N; k++ {
		n := k % len(nodes)
		hs, _ := randomHashes(min((b.N-made)*per, perSAD))
		sad := c.authorize(nodes[n], hs)
		for i := 0; i+per <= len(hs); i += per {
			byNode[n] = append(byNode[n], request{nodes[n], sad, hs[i : i+per]})
			made++
		}
	}
	var reqs []request
	for i := 0; len(reqs) < b.N; i++ {
		for n := range byNode {
			if i < len(byNode[n]) {
				reqs = append(reqs, byNode[n][i])
			}
		}
	}
	if spread == "spread" {
		for i := range reqs {
			reqs[i].node = nodes[i%len(nodes)]
		}
	}
	rb0 := rollbacks(b, cl.dsn)
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
				st, _, err := c.signHash(reqs[i].node, reqs[i].sad, reqs[i].hashes)
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
	rb := rollbacks(b, cl.dsn) - rb0
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d signHash requests failed", n, len(reqs))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(reqs)*per)/elapsed.Seconds(), "sigs/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	// Transactions rolled back (serialisation failures retried, mostly):
	// what nodes contending for one SAD, outbox and history cost.
	b.ReportMetric(float64(rb)/float64(len(reqs)), "rollbacks/req")
}

// rollbacks is the database's count of rolled-back transactions.
func rollbacks(b *testing.B, dsn string) int64 {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	// The statistics are sent at transaction end and read from a snapshot:
	// clear it so that this read is current.
	var n int64
	if _, err := conn.Exec(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
		b.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}
