package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
	"github.com/qesproject/qes/storage/storagetest"
)

func TestEvidenceBundleConformance(t *testing.T) {
	storagetest.RunEvidenceBundles(t, func(t *testing.T) storage.EvidenceBundles {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	})
}
