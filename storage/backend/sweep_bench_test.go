package backend_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	bbolt "go.etcd.io/bbolt"

	"github.com/qesproject/qes/internal/testutil/pgtest"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
	"github.com/qesproject/qes/storage/kv"
	"github.com/qesproject/qes/storage/postgres"
)

// BenchmarkSweeps measures what each periodic job asks of the store, on a
// register of QES_SWEEP_HOLDERS holders (default 100000), each with a
// customer, an order, a credential, a certificate, two SADs, two tokens
// and a portal session, most of them live (about 2% of the short-lived
// records expired, 1% of the certificates suspended, 1% revoked, 0.5%
// past notAfter, 1% of the orders issued and 0.5% approved, 10% of the
// holders on the daily summary). Each sub-benchmark is one job's store
// work; "first" is the first call's time (the one that deletes what is
// due), the ns/op the steady state after it (a job's minute-by-minute
// cost when little is due). The "scan" rows are the same question asked
// by walking every record, as the jobs did before the indexes.
//
//	go test ./storage/backend -run '^$' -bench Sweeps -benchtime 20x -timeout 30m
//
// Filling uses kv over a bbolt file without fsync (a million writes would
// otherwise take most of an hour); the measured store is then opened as
// qesd opens it. PostgreSQL gets the same bytes copied into its kv table.
func BenchmarkSweeps(b *testing.B) {
	holders := 100000
	if v := os.Getenv("QES_SWEEP_HOLDERS"); v != "" {
		var err error
		if holders, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	now := time.Now()
	path := filepath.Join(b.TempDir(), "qes.db")
	start := time.Now()
	fillSweepStore(b, path, holders, now)
	b.Logf("filled %d holders in %s", holders, time.Since(start).Round(time.Millisecond))

	// PostgreSQL first: the bbolt run deletes what is due from the file.
	b.Run("postgres", func(b *testing.B) {
		ctx := context.Background()
		dsn := pgtest.DSN(b)
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		copyToPostgres(b, path, db)
		b.Logf("copied into PostgreSQL in %s", time.Since(start).Round(time.Millisecond))
		defer db.Close()
		runSweeps(b, db, holders, now)
	})
	b.Run("bolt", func(b *testing.B) {
		db, err := bolt.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		runSweeps(b, db, holders, now)
	})
}

type sweepStore interface {
	storage.Store
	storage.Devices
}

// sweepJob is one job's store work; run returns how many records it found.
type sweepJob struct {
	name string
	run  func() (int, error)
}

// storeSweeps are the store's own sweeps and owner deletes (their
// signatures unchanged since before the indexes, so this part of the
// benchmark also runs on a tree without them, for comparison).
func storeSweeps(s sweepStore, holders int, now time.Time) []sweepJob {
	ctx := context.Background()
	count := func(n int, err error) (int, error) { return n, err }
	return []sweepJob{
		// janitor
		{"janitor-sads", func() (int, error) { return count(s.DeleteExpiredSADs(ctx, now)) }},
		{"janitor-tokens", func() (int, error) { return count(s.DeleteExpiredTokens(ctx, now)) }},
		// portal, shop, app
		{"portal-sessions", func() (int, error) { return count(s.DeleteEndedPortalSessions(ctx, now)) }},
		{"shop-sessions", func() (int, error) { return count(s.DeleteEndedCustomerSessions(ctx, now)) }},
		{"app-records", func() (int, error) { return count(s.DeleteExpiredDeviceRecords(ctx, now)) }},
		// per request: a password change, a logout, a new key
		{"holder-tokens", func() (int, error) { return count(s.DeleteHolderTokens(ctx, fmt.Sprintf("h%06d", holders/3))) }},
		{"grant", func() (int, error) { return count(s.DeleteGrant(ctx, fmt.Sprintf("g%06d", holders/4))) }},
		{"credential-sads", func() (int, error) { return count(s.DeleteCredentialSADs(ctx, fmt.Sprintf("c%06d", holders/5))) }},
	}
}

// runSweeps runs each job's store work as a sub-benchmark.
func runSweeps(b *testing.B, s sweepStore, holders int, now time.Time) {
	jobs := append(storeSweeps(s, holders, now), jobQueries(s, holders, now)...)
	for _, j := range jobs {
		b.Run(j.name, func(b *testing.B) {
			start := time.Now()
			n, err := j.run()
			if err != nil {
				b.Fatal(err)
			}
			first := time.Since(start)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := j.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
			b.ReportMetric(float64(n), "found")
		})
	}
}

// fillSweepStore writes the register through kv (so every record has the
// indexes this binary keeps) over a bbolt file that does not fsync.
func fillSweepStore(b *testing.B, path string, holders int, now time.Time) {
	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{NoSync: true, NoFreelistSync: true, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		b.Fatal(err)
	}
	err = raw.Update(func(tx *bbolt.Tx) error {
		for _, name := range kv.Buckets() {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	db := kv.New(rawEngine{raw})
	defer db.Close()
	ctx := context.Background()
	yesterday := now.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	// Four writers: bbolt serialises the commits, the JSON work overlaps.
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < holders; i += 4 {
				if err := fillHolder(ctx, db, i, now, yesterday); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
}

func fillHolder(ctx context.Context, db *kv.DB, i int, now time.Time, yesterday string) error {
	h, c, cu := fmt.Sprintf("h%06d", i), fmt.Sprintf("c%06d", i), fmt.Sprintf("cu%06d", i)
	// every(n) picks one holder in n, the groups apart from each other.
	every := func(n, offset int) bool { return (i+offset)%n == 0 }
	holder := &storage.Holder{ID: h, Email: h + "@example.org", DailyReport: every(10, 0), CreatedAt: now.AddDate(-1, 0, 0)}
	if every(20, 0) {
		holder.DailyReportSentFor = yesterday // half the summaries went out already
	}
	if err := db.CreateHolder(ctx, holder); err != nil {
		return err
	}
	if err := db.CreateCredential(ctx, &storage.Credential{ID: c, HolderID: h, KeyRef: c, KeyEnabled: true, CreatedAt: holder.CreatedAt}); err != nil {
		return err
	}
	cert := &storage.Certificate{Serial: fmt.Sprintf("%x", 0x100000+i), CredentialID: c, HolderID: h, DER: make([]byte, 900),
		NotBefore: holder.CreatedAt, NotAfter: now.AddDate(1, 0, 0), Status: storage.CertActive, ChangedAt: holder.CreatedAt}
	switch {
	case every(100, 1):
		cert.Status, cert.SuspendedAt = storage.CertSuspended, now.Add(-time.Hour)
	case every(100, 2):
		cert.Status, cert.RevokedAt = storage.CertRevoked, now.Add(-time.Hour)
	case every(200, 3):
		cert.NotAfter = now.Add(-time.Minute)
	}
	if err := db.CreateCertificate(ctx, cert); err != nil {
		return err
	}
	for k := range 2 {
		exp := now.Add(5 * time.Minute)
		if k == 1 && every(50, 4) {
			exp = now.Add(-time.Minute)
		}
		if err := db.PutSAD(ctx, &storage.SAD{Key: fmt.Appendf(nil, "sad-%s-%d", c, k), HolderID: h, CredentialID: c,
			HashAlgorithm: "2.16.840.1.101.3.4.2.1", Hashes: []string{"q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJ"}, Remaining: 1, ExpiresAt: exp, CreatedAt: now}); err != nil {
			return err
		}
	}
	grant := fmt.Sprintf("g%06d", i)
	for k, kind := range []string{"access", "refresh"} {
		exp := now.Add(time.Hour)
		if k == 0 && every(50, 5) {
			exp = now.Add(-time.Minute)
		}
		if err := db.PutToken(ctx, &storage.Token{ID: fmt.Sprintf("%s-%s", kind, h), Kind: kind, HolderID: h, ClientID: "app",
			Scope: "service", GrantID: grant, ExpiresAt: exp}); err != nil {
			return err
		}
	}
	idle := now.Add(10 * time.Minute)
	if every(50, 6) {
		idle = now.Add(-time.Minute)
	}
	if err := db.PutPortalSession(ctx, &storage.PortalSession{Key: "ps-" + h, HolderID: h, Stage: "active", CreatedAt: now,
		IdleUntil: idle, ExpiresAt: now.Add(8 * time.Hour)}); err != nil {
		return err
	}
	if err := db.CreateCustomer(ctx, &storage.Customer{ID: cu, Email: cu + "@example.org", Country: "IT"}, nil); err != nil {
		return err
	}
	state := "active"
	switch {
	case every(100, 7):
		state = "issued"
	case every(200, 8):
		state = "approved"
	}
	return db.CreateOrder(ctx, &storage.Order{Number: fmt.Sprintf("55-%06d", i), CustomerID: cu, State: state, Product: "qes-1y", CreatedAt: now}, nil)
}

// copyToPostgres puts every pair of the bbolt file into PostgreSQL's kv
// table (the same bytes: both engines store what kv writes).
func copyToPostgres(b *testing.B, path string, db *postgres.DB) {
	ctx := context.Background()
	raw, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	if _, err := db.Pool().Exec(ctx, `DELETE FROM kv`); err != nil {
		b.Fatal(err)
	}
	err = raw.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bbolt.Bucket) error {
			var rows [][]any
			if err := bk.ForEach(func(k, v []byte) error {
				if v == nil {
					v = []byte{}
				}
				rows = append(rows, []any{string(name), bytes.Clone(k), bytes.Clone(v)})
				return nil
			}); err != nil {
				return err
			}
			_, err := db.Pool().CopyFrom(ctx, pgx.Identifier{"kv"}, []string{"bucket", "key", "value"}, pgx.CopyFromRows(rows))
			return err
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `ANALYZE kv`); err != nil {
		b.Fatal(err)
	}
}

// rawEngine is kv's Engine over a bbolt handle the benchmark opened
// itself (without fsync, for the fill): every transaction is a plain
// bbolt transaction.
type rawEngine struct{ db *bbolt.DB }

func (e rawEngine) View(_ context.Context, fn func(kv.Tx) error) error {
	return e.db.View(func(tx *bbolt.Tx) error { return fn(rawTx{tx}) })
}

func (e rawEngine) Update(_ context.Context, fn func(kv.Tx) error) error {
	return e.db.Update(func(tx *bbolt.Tx) error { return fn(rawTx{tx}) })
}

func (e rawEngine) Group(ctx context.Context, fn func(kv.Tx) error) error {
	return kv.Unrefuse(e.Update(ctx, fn))
}

func (e rawEngine) GroupSoon(ctx context.Context, fn func(kv.Tx) error) error {
	return kv.Unrefuse(e.Update(ctx, fn))
}

func (e rawEngine) Close() error { return e.db.Close() }

type rawTx struct{ tx *bbolt.Tx }

func (t rawTx) Bucket(name []byte) kv.Bucket { return rawBucket{t.tx.Bucket(name)} }

type rawBucket struct{ *bbolt.Bucket }

func (b rawBucket) Cursor() kv.Cursor { return b.Bucket.Cursor() }
