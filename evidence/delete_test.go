package evidence_test

import (
	"context"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

func TestDelete(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir)
	ref, err := s.Put(ctx, []byte("a failed attempt's SOD"), "application/octet-stream")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Exists(ref.SHA256) || s.Path(ref.SHA256) != fileOf(t, dir, ref.SHA256) {
		t.Fatal("a stored file is not where Exists and Path say")
	}
	if err := s.Delete(ctx, ref.SHA256); err != nil {
		t.Fatal(err)
	}
	if s.Exists(ref.SHA256) {
		t.Fatal("the file is still there")
	}
	if _, err := s.Open(ctx, ref.SHA256); !errs.Is(err, errs.NotFound) {
		t.Fatalf("open after delete: %v", err)
	}
	// Deleting again, or something never stored, is not an error; a name
	// that is not a SHA-256 is refused.
	if err := s.Delete(ctx, ref.SHA256); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "../../etc/passwd"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("delete of a path: %v", err)
	}
	if s.Exists("../x") {
		t.Fatal("Exists accepted a path")
	}
}
