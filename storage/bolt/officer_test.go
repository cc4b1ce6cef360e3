package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/qesproject/qes/storage/bolt"
	"github.com/qesproject/qes/storage/storagetest"
)

func TestOfficerConformance(t *testing.T) {
	storagetest.RunOfficers(t, func(t *testing.T) storagetest.OfficerBackend {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	})
}
