package bolt_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
	"github.com/qesproject/qes/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	})
}

// A used SAD must stay used after the process stops: the whole point of
// committing before the HSM signs.
func TestCommittedStateSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "qes.db")
	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutSAD(ctx, &storage.SAD{Key: []byte("s"), Remaining: 2, Hashes: []string{"h1", "h2"}, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateSAD(ctx, []byte("s"), func(s *storage.SAD) error { s.Remaining--; s.Hashes = s.Hashes[1:]; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveAuditAnchor(ctx, 7, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.UpdateSAD(ctx, []byte("s"), func(s *storage.SAD) error {
		if s.Remaining != 1 || len(s.Hashes) != 1 || s.Hashes[0] != "h2" {
			t.Fatalf("after reopen SAD = %+v, want one use left for h2", s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seq, hash, err := db.AuditAnchor(ctx)
	if err != nil || seq != 7 || len(hash) != 2 {
		t.Fatalf("anchor = %d %v %v", seq, hash, err)
	}
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

func TestRevocationConformance(t *testing.T) {
	storagetest.RunRevocation(t, func(t *testing.T) storage.Store {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	})
}

// An update that changes a record's identity (its key or the owner an
// index files it under) is a programming error: refused, nothing written.
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
	storagetest.Run(t, func(t *testing.T) storage.Store { return open(t) })
	storagetest.RunRevocation(t, func(t *testing.T) storage.Store { return open(t) })
	storagetest.RunEnrolment(t, func(t *testing.T) storage.Store { return open(t) })
	storagetest.RunDevices(t, func(t *testing.T) storage.Devices { return open(t) })
	storagetest.RunOfficers(t, func(t *testing.T) storagetest.OfficerBackend { return open(t) })
	storagetest.RunEvidenceBundles(t, func(t *testing.T) storage.EvidenceBundles { return open(t) })
}
