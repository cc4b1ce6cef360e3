package backend_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil/pgtest"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/backend"
)

// BenchmarkSADSpend is the signing path's storage work for one signHash,
// on each back end: an authorization stored (PutSAD) and its hash spent
// (UpdateSAD), by conc callers at once. Both engines commit durably
// (bbolt fsyncs, PostgreSQL's default synchronous_commit).
//
//	go test ./storage/backend -run '^$' -bench SADSpend -benchtime 2000x
func BenchmarkSADSpend(b *testing.B) {
	for _, driver := range []string{"bolt", "postgres"} {
		for _, conc := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/c%d", driver, conc), func(b *testing.B) {
				ctx := context.Background()
				dsn := ""
				if driver == "postgres" {
					dsn = pgtest.DSN(b)
				}
				s, err := backend.Open(ctx, driver, dsn, b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				var next atomic.Int64
				spend := func() error {
					key := fmt.Appendf(nil, "sad-%d", next.Add(1))
					if err := s.PutSAD(ctx, &storage.SAD{Key: key, Hashes: []string{"h"}, Remaining: 1, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
						return err
					}
					return s.UpdateSAD(ctx, key, func(sad *storage.SAD) error {
						sad.Hashes, sad.Remaining = nil, 0
						return nil
					})
				}
				work := make(chan struct{})
				var wg sync.WaitGroup
				for range conc {
					wg.Go(func() {
						for range work {
							if err := spend(); err != nil {
								b.Error(err)
							}
						}
					})
				}
				b.ResetTimer()
				for b.Loop() {
					work <- struct{}{}
				}
				close(work)
				wg.Wait()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "spends/s")
			})
		}
	}
}
