package evidence_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/qesproject/qes/evidence"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/pgtest"
)

// Two nodes (two postgres.DB, two pools, on one database) with the same
// HSM token: what one stores the other reads, finds and deletes.
func TestTwoNodesShareTheStore(t *testing.T) {
	ctx := context.Background()
	sealer, err := hsmSealer(t)
	if err != nil {
		t.Fatal(err)
	}
	dsn := pgtest.DSN(t)
	dbA, dbB := openPostgres(t, dsn), openPostgres(t, dsn)
	a, b := evidence.NewInStore(dbA, sealer, nil), evidence.NewInStore(dbB, sealer, nil)

	// Both nodes' first use at once: one identity, whichever won.
	var wg sync.WaitGroup
	recipients := make([]string, 2)
	for i, s := range []*evidence.Store{a, b} {
		wg.Go(func() {
			r, err := s.Recipient(ctx)
			if err != nil {
				t.Error(err)
			}
			recipients[i] = r
		})
	}
	wg.Wait()
	if recipients[0] == "" || recipients[0] != recipients[1] {
		t.Fatalf("the nodes encrypt to %q and %q", recipients[0], recipients[1])
	}

	photo := bytes.Repeat([]byte("document front, node A "), 1000)
	ref, err := a.Put(ctx, photo, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"B opens what A stored", func() error {
			got, err := b.Open(ctx, ref.SHA256)
			if err == nil && !bytes.Equal(got, photo) {
				t.Fatalf("B read %d other bytes", len(got))
			}
			return err
		}},
		{"B finds it", func() error {
			ok, err := b.Exists(ctx, ref.SHA256)
			if err == nil && !ok {
				t.Fatal("B does not find A's file")
			}
			return err
		}},
		{"B stores the same bytes: one file", func() error {
			again, err := b.Put(ctx, photo, "image/jpeg")
			if err == nil && again.SHA256 != ref.SHA256 {
				t.Fatalf("B's ref %s, A's %s", again.SHA256, ref.SHA256)
			}
			return err
		}},
		{"B deletes it", func() error { return b.Delete(ctx, ref.SHA256) }},
		{"A no longer finds it", func() error {
			ok, err := a.Exists(ctx, ref.SHA256)
			if err == nil && ok {
				t.Fatal("A still finds the file B deleted")
			}
			return err
		}},
		{"A cannot open it", func() error {
			if _, err := a.Open(ctx, ref.SHA256); !errs.Is(err, errs.NotFound) {
				t.Fatalf("A opens a deleted file: %v", err)
			}
			return nil
		}},
	}
	for _, st := range steps {
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
}
