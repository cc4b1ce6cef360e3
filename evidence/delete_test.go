package evidence_test

import (
	"context"
	"testing"

	"github.com/qesproject/qes/internal/errs"
)

func TestDelete(t *testing.T) {
	ctx := context.Background()
	for _, p := range placements(t) {
		t.Run(p.name, func(t *testing.T) {
			s := p.open(t)
			ref, err := s.Put(ctx, []byte("a failed attempt's SOD"), "application/octet-stream")
			if err != nil {
				t.Fatal(err)
			}
			kept, err := s.Put(ctx, []byte("another session's SOD"), "application/octet-stream")
			if err != nil {
				t.Fatal(err)
			}
			exists := func(sum string) bool {
				t.Helper()
				ok, err := s.Exists(ctx, sum)
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			if !exists(ref.SHA256) || p.raw(t, ref.SHA256) == nil {
				t.Fatal("a stored file is not where Exists says")
			}
			if err := s.Delete(ctx, ref.SHA256); err != nil {
				t.Fatal(err)
			}
			if exists(ref.SHA256) || p.raw(t, ref.SHA256) != nil {
				t.Fatal("the file is still there")
			}
			if _, err := s.Open(ctx, ref.SHA256); !errs.Is(err, errs.NotFound) {
				t.Fatalf("open after delete: %v", err)
			}
			if !exists(kept.SHA256) {
				t.Fatal("deleting one file removed another")
			}
			// Deleting again, or something never stored, is not an error;
			// a name that is not a SHA-256 is refused.
			if err := s.Delete(ctx, ref.SHA256); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, "../../etc/passwd"); !errs.Is(err, errs.NotFound) {
				t.Fatalf("delete of a path: %v", err)
			}
			if ok, err := s.Exists(ctx, "../x"); ok || err != nil {
				t.Fatalf("Exists of a path = %v, %v", ok, err)
			}
			// Put after Delete stores the file again.
			if _, err := s.Put(ctx, []byte("a failed attempt's SOD"), "application/octet-stream"); err != nil || !exists(ref.SHA256) {
				t.Fatalf("put after delete: %v", err)
			}
		})
	}
}

// Path and Dir name the file layout; in the store there is none.
func TestPathOnlyForFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir)
	ref, err := s.Put(ctx, []byte("x"), "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	if s.InStore() || s.Path(ref.SHA256) != fileOf(t, dir, ref.SHA256) || s.Dir() == "" {
		t.Fatalf("files: InStore %v, Path %q, Dir %q", s.InStore(), s.Path(ref.SHA256), s.Dir())
	}
	sealer, err := hsmSealer(t)
	if err != nil {
		t.Fatal(err)
	}
	in := storePlacement(t, "store", openBolt(t), sealer).open(t)
	if !in.InStore() || in.Path(ref.SHA256) != "" || in.Dir() != "" {
		t.Fatalf("store: InStore %v, Path %q, Dir %q", in.InStore(), in.Path(ref.SHA256), in.Dir())
	}
}
