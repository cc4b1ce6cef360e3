package backend_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil/pgtest"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/backend"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct {
		name, driver, dsn string
		wantKind          errs.Kind // 0: opens
	}{
		{name: "default is bolt in the data directory", driver: ""},
		{name: "bolt at a path of its own", driver: "bolt", dsn: filepath.Join(dir, "other.db")},
		{name: "unknown driver", driver: "mysql", wantKind: errs.InvalidRequest},
		{name: "postgres needs a DSN", driver: "postgres", wantKind: errs.InvalidRequest},
		{name: "postgres", driver: "postgres", dsn: "pgtest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn := tt.dsn
			if dsn == "pgtest" {
				dsn = pgtest.DSN(t)
			}
			s, err := backend.Open(ctx, tt.driver, dsn, dir)
			if tt.wantKind != 0 {
				if !errs.Is(err, tt.wantKind) {
					t.Fatalf("open: %v, want kind %v", err, tt.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// The store works and keeps the audit anchor.
			if err := s.CreateHolder(ctx, &storage.Holder{ID: "alice"}); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveAuditAnchor(ctx, 3, []byte{9}); err != nil {
				t.Fatal(err)
			}
			if seq, _, err := s.AuditAnchor(ctx); err != nil || seq != 3 {
				t.Fatalf("anchor %d, %v", seq, err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "qes.db")); err != nil {
		t.Errorf("the default bolt file: %v", err)
	}
}

// Nodes on one database each anchor their own audit log: a node's anchor
// moves neither another node's nor the database's own, on either engine.
func TestNodeAuditAnchorsAreSeparate(t *testing.T) {
	ctx := context.Background()
	for _, driver := range []string{"bolt", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			dsn := ""
			if driver == "postgres" {
				dsn = pgtest.DSN(t)
			}
			s, err := backend.Open(ctx, driver, dsn, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			a, b := s.NodeAuditAnchor("node1"), s.NodeAuditAnchor("node2")
			if err := s.SaveAuditAnchor(ctx, 1, []byte{1}); err != nil {
				t.Fatal(err)
			}
			if err := a.SaveAuditAnchor(ctx, 5, []byte{5}); err != nil {
				t.Fatal(err)
			}
			if seq, hash, err := b.SaveAuditAnchorHead(ctx, func() (uint64, []byte) { return 9, []byte{9} }); err != nil || seq != 9 || hash[0] != 9 {
				t.Fatalf("head anchor of node2: %d %x %v", seq, hash, err)
			}
			for _, tt := range []struct {
				name string
				read func(context.Context) (uint64, []byte, error)
				want uint64
			}{
				{"database", s.AuditAnchor, 1},
				{"node1", a.AuditAnchor, 5},
				{"node2", b.AuditAnchor, 9},
				{"node3, never anchored", s.NodeAuditAnchor("node3").AuditAnchor, 0},
			} {
				seq, hash, err := tt.read(ctx)
				if err != nil || seq != tt.want || (tt.want > 0 && (len(hash) != 1 || uint64(hash[0]) != tt.want)) {
					t.Errorf("%s: anchor %d %x %v, want %d", tt.name, seq, hash, err, tt.want)
				}
			}
		})
	}
}
