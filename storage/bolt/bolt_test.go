package bolt_test

import (
	"context"
	"path/filepath"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
	"github.com/qesproject/qes/storage/kv"
	"github.com/qesproject/qes/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.RunAll(t, func(t *testing.T) storagetest.Backend {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	})
}

func TestCommittedStateSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qes.db")
	storagetest.RunSurvivesReopen(t, func(t *testing.T) storagetest.Backend {
		db, err := bolt.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestSecondOpenFailsClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "qes.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = bolt.Open(path)
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("second open: %v, want Unavailable (file locked)", err)
	}
}

func TestUpdateKeepsIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "ann@example.org", Country: "IT"}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(*storage.Customer)
		wantOK bool
	}{
		{"other fields change", func(c *storage.Customer) { c.Country = "AT" }, true},
		{"e-mail is the index key", func(c *storage.Customer) { c.Email = "eve@example.org"; c.Country = "DE" }, false},
		{"ID is the record key", func(c *storage.Customer) { c.ID = "c2"; c.Country = "DE" }, false},
	}
	for _, tc := range tests {
		err := db.UpdateCustomer(ctx, "c1", func(c *storage.Customer) error { tc.change(c); return nil })
		if tc.wantOK != (err == nil) {
			t.Fatalf("%s: err %v", tc.name, err)
		}
		if !tc.wantOK && !errs.Is(err, errs.Internal) {
			t.Fatalf("%s: kind %v, want internal", tc.name, errs.KindOf(err))
		}
		got, err := db.CustomerByEmail(ctx, "ann@example.org")
		if err != nil || got.ID != "c1" || got.Country != "AT" {
			t.Fatalf("%s: stored %+v (err %v), want c1 in AT", tc.name, got, err)
		}
	}
}

// The aggregates' own closures obey the contract they ask of callers:
// run twice (the first run rolled back), every case still holds.
func TestConformanceClosuresRerun(t *testing.T) {
	open := func(t *testing.T) *bolt.DB {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"), bolt.RerunClosures())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	storagetest.RunAll(t, func(t *testing.T) storagetest.Backend { return open(t) })
}

// A file an older binary wrote has records but none of the indexes the
// sweeps read: opening it builds them once, and the sweeps find the
// records written before.
func TestOpenBuildsMissingIndexes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "qes.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	storagetest.SeedIndexed(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Take the file back to what a binary without the indexes left.
	raw, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bbolt.Tx) error {
		for _, b := range kv.IndexBuckets() {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		meta, key := kv.IndexVersionKey()
		return tx.Bucket(meta).Delete(key)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.IndexVersion(context.Background()); err != nil || v == 0 {
		t.Fatalf("index version after open = %d, %v; want the backfill's", v, err)
	}
	storagetest.CheckSeededSweeps(t, db)
}
