package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/qesproject/qes/storage"
)

// Backend is everything a back end keeps; every suite runs against it.
type Backend interface {
	storage.Store
	storage.Devices
	storage.EvidenceBundles
	storage.EvidenceBlobs
	storage.OfficerStore
	SaveAuditAnchor(ctx context.Context, seq uint64, hash []byte) error
	AuditAnchor(ctx context.Context) (seq uint64, hash []byte, err error)
}

// RunAll runs every conformance suite, each on fresh, empty stores from
// open, the suites side by side.
func RunAll(t *testing.T, open func(t *testing.T) Backend) {
	suites := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"store", func(t *testing.T) { Run(t, func(t *testing.T) storage.Store { return open(t) }) }},
		{"revocation", func(t *testing.T) { RunRevocation(t, func(t *testing.T) storage.Store { return open(t) }) }},
		{"enrolment", func(t *testing.T) { RunEnrolment(t, func(t *testing.T) storage.Store { return open(t) }) }},
		{"devices", func(t *testing.T) { RunDevices(t, func(t *testing.T) storage.Devices { return open(t) }) }},
		{"officers", func(t *testing.T) { RunOfficers(t, func(t *testing.T) OfficerBackend { return open(t) }) }},
		{"sweeps", func(t *testing.T) {
			RunSweeps(t, func(t *testing.T) SweepBackend {
				b := open(t)
				s, ok := b.(SweepBackend)
				if !ok {
					t.Fatalf("%T cannot check its indexes (CheckIndexes)", b)
				}
				return s
			})
		}},
		{"evidence-bundles", func(t *testing.T) {
			RunEvidenceBundles(t, func(t *testing.T) storage.EvidenceBundles { return open(t) })
		}},
		{"evidence-blobs", func(t *testing.T) {
			RunEvidenceBlobs(t, func(t *testing.T) storage.EvidenceBlobs { return open(t) })
		}},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			s.run(t)
		})
	}
}

// RunSurvivesReopen: a used SAD stays used and the audit anchor stays
// saved after the store is closed and opened again (the whole point of
// committing before the HSM signs). open opens the same database each
// time it is called.
func RunSurvivesReopen(t *testing.T, open func(t *testing.T) Backend) {
	ctx := context.Background()
	db := open(t)
	must(t, db.PutSAD(ctx, &storage.SAD{Key: []byte("s"), Remaining: 2, Hashes: []string{"h1", "h2"}, ExpiresAt: time.Now().Add(time.Hour)}))
	must(t, db.UpdateSAD(ctx, []byte("s"), func(s *storage.SAD) error { s.Remaining--; s.Hashes = s.Hashes[1:]; return nil }))
	must(t, db.SaveAuditAnchor(ctx, 7, []byte{1, 2}))
	must(t, db.Close())

	db = open(t)
	defer db.Close()
	must(t, db.UpdateSAD(ctx, []byte("s"), func(s *storage.SAD) error {
		if s.Remaining != 1 || len(s.Hashes) != 1 || s.Hashes[0] != "h2" {
			t.Fatalf("after reopen SAD = %+v, want one use left for h2", s)
		}
		return nil
	}))
	seq, hash, err := db.AuditAnchor(ctx)
	if err != nil || seq != 7 || len(hash) != 2 {
		t.Fatalf("anchor after reopen = %d %v %v, want 7 and its hash", seq, hash, err)
	}
}
