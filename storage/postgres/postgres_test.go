package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/pgtest"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/kv"
	"github.com/qesproject/qes/storage/postgres"
	"github.com/qesproject/qes/storage/storagetest"
	"sync"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storagetest.RunAll(t, func(t *testing.T) storagetest.Backend { return open(t) })
}

// What a transaction commits is there for the next process: reopening the
// same database finds the state, and does not migrate again.
func TestCommittedStateSurvivesReopen(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	storagetest.RunSurvivesReopen(t, func(t *testing.T) storagetest.Backend {
		db, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
	reopened, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	var n int
	if err := reopened.Pool().QueryRow(context.Background(), `SELECT count(*) FROM qes_schema_migrations`).Scan(&n); err != nil || n != postgres.SchemaVersion() {
		t.Fatalf("%d migrations recorded (%v), want %d, once each", n, err, postgres.SchemaVersion())
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	next := postgres.SchemaVersion() + 1
	if _, err := db.Pool().Exec(ctx, `INSERT INTO qes_schema_migrations (version, name) VALUES ($1, 'from_the_future')`, next); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	_, err = postgres.Open(ctx, dsn)
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("open a newer schema: %v, want Unavailable", err)
	}
	if got := errs.DetailOf(err); got == "" {
		t.Fatalf("no detail in %v", err)
	}
}

// Nodes starting together migrate once: the advisory lock serialises them.
func TestConcurrentStartsMigrateOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	const nodes = 4
	errc := make(chan error, nodes)
	for range nodes {
		go func() {
			db, err := postgres.Open(ctx, dsn)
			if err == nil {
				_ = db.Close()
			}
			errc <- err
		}()
	}
	for range nodes {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM qes_schema_migrations`).Scan(&n); err != nil || n != postgres.SchemaVersion() {
		t.Fatalf("%d migration rows (%v), want %d", n, err, postgres.SchemaVersion())
	}
}

// A database that cannot be reached is Unavailable at open, and the DSN
// (which may hold a password) is not repeated in the error.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, unreachable := postgres.Open(ctx, "host="+t.TempDir()+" user=qes password=s3cret dbname=none connect_timeout=2")
	if !errs.Is(unreachable, errs.Unavailable) {
		t.Fatalf("open: %v, want Unavailable", unreachable)
	}
	_, malformed := postgres.Open(ctx, "postgres://qes:s3cret@%zz")
	if !errs.Is(malformed, errs.InvalidRequest) {
		t.Fatalf("bad DSN: %v, want InvalidRequest", malformed)
	}
	for _, e := range []error{unreachable, malformed} {
		if strings.Contains(e.Error(), "s3cret") || strings.Contains(errs.DetailOf(e), "s3cret") {
			t.Fatalf("the DSN's password leaked: %v", e)
		}
	}
}

// Cursors read a bucket a page at a time: a walk longer than a page sees
// every record once, in key order, and a delete that collects keys on the
// way removes them all.
func TestCursorPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := open(t)
	const n = 600 // more than two pages
	past := time.Now().Add(-time.Hour)
	for i := range n {
		if err := db.CreateHolder(ctx, &storage.Holder{ID: fmt.Sprintf("h%04d", i)}); err != nil {
			t.Fatal(err)
		}
		if err := db.PutToken(ctx, &storage.Token{ID: fmt.Sprintf("t%04d", i), ExpiresAt: past}); err != nil {
			t.Fatal(err)
		}
	}
	hs, err := db.ListHolders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != n {
		t.Fatalf("listed %d holders, want %d", len(hs), n)
	}
	for i, h := range hs {
		if want := fmt.Sprintf("h%04d", i); h.ID != want {
			t.Fatalf("holder %d is %s, want %s (key order)", i, h.ID, want)
		}
	}
	deleted, err := db.DeleteExpiredTokens(ctx, time.Now())
	if err != nil || deleted != n {
		t.Fatalf("deleted %d expired tokens (%v), want %d", deleted, err, n)
	}
}

// Readiness and metrics read the pool: Ping answers while the database
// does, and DBStats reports the pool's size.
func TestPingAndStats(t *testing.T) {
	t.Parallel()
	db := open(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := db.DBStats()
	if st["pg_pool_max_conns"] != 16 || st["pg_pool_total_conns"] < 1 {
		t.Fatalf("stats %v: want a pool of 16 with a connection open", st)
	}
	_ = db.Close()
	if err := db.Ping(context.Background()); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("ping a closed pool: %v, want Unavailable", err)
	}
}

// Nodes on one database append to one audit chain: every acknowledged
// record is in it once, at the number it was acknowledged with, and the
// chain verifies (the group lock and SERIALIZABLE order the nodes' heads).
func TestNodesShareOneAuditChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	const nodes, writers, each = 3, 4, 10
	logs := make([]*audit.Log, nodes)
	for i := range logs {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		if logs[i], err = audit.OpenStore(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = logs[i].Close() })
	}
	type ack struct {
		seq  uint64
		name string
	}
	acks := make(chan ack, nodes*writers*each)
	var wg sync.WaitGroup
	for n, l := range logs {
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					name := fmt.Sprintf("node%d-w%d-%d", n, w, i)
					seq, err := l.Append(ctx, audit.Event{Type: "test", Detail: map[string]string{"name": name}})
					if err != nil {
						t.Error(err)
						return
					}
					acks <- ack{seq, name}
				}
			}()
		}
	}
	wg.Wait()
	close(acks)
	rep, err := logs[0].Verify(ctx)
	if err != nil || rep.Problem != "" || rep.Records != nodes*writers*each {
		t.Fatalf("Verify = %+v, %v; want %d intact records", rep, err, nodes*writers*each)
	}
	for a := range acks {
		rec, ok, err := logs[2].RecordAt(ctx, a.seq)
		if err != nil || !ok || rec.Detail["name"] != a.name {
			t.Fatalf("record %d = %+v, %v, %v; acknowledged as %s", a.seq, rec, ok, err, a.name)
		}
	}
}

// A database an older binary wrote has records but none of the indexes
// the sweeps read: opening it builds them once, and the sweeps find the
// records written before.
func TestOpenBuildsMissingIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	storagetest.SeedIndexed(t, db)
	// Take the database back to what a binary without the indexes left.
	var names []string
	for _, b := range kv.IndexBuckets() {
		names = append(names, string(b))
	}
	meta, key := kv.IndexVersionKey()
	if _, err := db.Pool().Exec(ctx, `DELETE FROM kv WHERE bucket = ANY($1) OR (bucket = $2 AND key = $3)`, names, string(meta), key); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.IndexVersion(ctx); err != nil || v == 0 {
		t.Fatalf("index version after open = %d, %v; want the backfill's", v, err)
	}
	storagetest.CheckSeededSweeps(t, db)
}

// Two nodes (two DBs, two pools) on one database create the evidence
// identity at once: the serialisable create-if-absent leaves one, which
// both read back, so both encrypt to the same recipient.
func TestEvidenceIdentityRaceTwoNodes(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	var nodes []storage.EvidenceBlobs
	for range 2 {
		db, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		nodes = append(nodes, db)
	}
	storagetest.RunEvidenceIdentityRace(t, nodes...)
}
