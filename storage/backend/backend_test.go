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
