package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/qesproject/qes/internal/app"
	"github.com/qesproject/qes/internal/config"
	"github.com/qesproject/qes/internal/secret"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/pgtest"
)

// Two nodes (two Apps, each with its own data directory, configured only
// by qes.json naming one PostgreSQL database, on the one token): the
// evidence store follows the driver into the database, so a file node 1
// received is read, found and deleted by node 2, and neither keeps
// anything under its DIR/evidence.
func TestEvidenceIsSharedBetweenNodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	open := func(name string) (*app.App, string) {
		dir := t.TempDir()
		raw, _ := json.Marshal(map[string]any{"node": name, "storage": map[string]any{"driver": "postgres", "dsn": dsn}})
		if err := os.WriteFile(filepath.Join(dir, "qes.json"), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Evidence.Store != config.EvidenceInStore {
			t.Fatalf("evidence.store on postgres = %q, want the store", cfg.Evidence.Store)
		}
		a, err := app.Open(ctx, cfg, app.Options{HSM: testutil.HSM(t), Argon: &secret.Fast, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = a.Close() })
		return a, dir
	}
	// One after the other, as `qesd init` then the nodes: the first
	// initialises the database and the token.
	n1, dir1 := open("node1")
	n2, dir2 := open("node2")

	photo := bytes.Repeat([]byte("document front received by node 1 "), 2000)
	ref, err := n1.Evidence.Put(ctx, photo, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	got, err := n2.Evidence.Open(ctx, ref.SHA256)
	if err != nil || !bytes.Equal(got, photo) {
		t.Fatalf("node 2 opens node 1's file: %d bytes, %v", len(got), err)
	}
	r1, err1 := n1.Evidence.Recipient(ctx)
	r2, err2 := n2.Evidence.Recipient(ctx)
	if err1 != nil || err2 != nil || r1 != r2 {
		t.Fatalf("the nodes encrypt to %q (%v) and %q (%v)", r1, err1, r2, err2)
	}
	if err := n2.Evidence.Delete(ctx, ref.SHA256); err != nil {
		t.Fatal(err)
	}
	if ok, err := n1.Evidence.Exists(ctx, ref.SHA256); err != nil || ok {
		t.Fatalf("node 1 after node 2 deleted the file: exists %v, %v", ok, err)
	}
	for _, dir := range []string{dir1, dir2} {
		if _, err := os.Stat(filepath.Join(dir, "evidence")); !os.IsNotExist(err) {
			t.Fatalf("%s/evidence is there (%v): the files belong in the database", dir, err)
		}
	}
}
