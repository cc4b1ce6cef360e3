package evidence_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/qesproject/qes/evidence"
	"github.com/qesproject/qes/hsm"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/internal/testutil/pgtest"
	"github.com/qesproject/qes/storage"
	"github.com/qesproject/qes/storage/bolt"
	"github.com/qesproject/qes/storage/postgres"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup() // the token, and PostgreSQL
	os.Exit(code)
}

func newStore(t *testing.T, dir string) *evidence.Store {
	t.Helper()
	sealer, err := hsmSealer(t)
	if err != nil {
		t.Fatal(err)
	}
	return newStoreWith(dir, sealer)
}

func hsmSealer(t testing.TB) (hsm.Sealer, error) {
	return testutil.HSM(t).Sealer(context.Background(), "evidence-test")
}

func newStoreWith(dir string, sealer hsm.Sealer) *evidence.Store {
	return evidence.New(dir, sealer, nil)
}

func fileOf(t *testing.T, dir, sum string) string {
	t.Helper()
	return filepath.Join(dir, "evidence", sum[:2], sum+".age")
}

// placement is one place evidence is kept, with what a test needs to
// look at (and tamper with) what is at rest there.
type placement struct {
	name string
	// open returns a Store over the same files each time it is called
	// (a restart, or another node).
	open func(t *testing.T) *evidence.Store
	// raw reads a file's ciphertext at rest (nil if absent).
	raw func(t *testing.T, sum string) []byte
	// replace puts b at rest in place of the file's ciphertext.
	replace func(t *testing.T, sum string, b []byte)
	// sealedIdentity reads the identity as it is at rest.
	sealedIdentity func(t *testing.T) []byte
}

// placements is the file layout and the store on both back ends, each on
// fresh, empty storage.
func placements(t *testing.T) []placement {
	sealer, err := hsmSealer(t)
	if err != nil {
		t.Fatal(err)
	}
	return []placement{filesPlacement(t, sealer), storePlacement(t, "store-bolt", openBolt(t), sealer),
		storePlacement(t, "store-postgres", openPostgres(t, pgtest.DSN(t)), sealer)}
}

func filesPlacement(t *testing.T, sealer hsm.Sealer) placement {
	dir := t.TempDir()
	return placement{
		name: "files",
		open: func(t *testing.T) *evidence.Store { return evidence.New(dir, sealer, nil) },
		raw: func(t *testing.T, sum string) []byte {
			b, err := os.ReadFile(fileOf(t, dir, sum))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			return b
		},
		replace: func(t *testing.T, sum string, b []byte) {
			if err := os.WriteFile(fileOf(t, dir, sum), b, 0o600); err != nil {
				t.Fatal(err)
			}
		},
		sealedIdentity: func(t *testing.T) []byte {
			b, err := os.ReadFile(filepath.Join(dir, "evidence", "identity.sealed"))
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
}

func storePlacement(t *testing.T, name string, db storage.EvidenceBlobs, sealer hsm.Sealer) placement {
	ctx := context.Background()
	return placement{
		name: name,
		open: func(t *testing.T) *evidence.Store { return evidence.NewInStore(db, sealer, nil) },
		raw: func(t *testing.T, sum string) []byte {
			b, err := db.EvidenceBlob(ctx, sum)
			if err != nil && !errs.Is(err, errs.NotFound) {
				t.Fatal(err)
			}
			return b
		},
		replace: func(t *testing.T, sum string, b []byte) { replaceBlob(t, db, sum, b) },
		sealedIdentity: func(t *testing.T) []byte {
			b, err := db.EvidenceIdentity(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
}

// replaceBlob swaps a stored ciphertext (the store keeps the first put for
// a sum, so the old one goes first): what an attacker with write access to
// the database could do.
func replaceBlob(t *testing.T, db storage.EvidenceBlobs, sum string, b []byte) {
	t.Helper()
	ctx := context.Background()
	if err := db.DeleteEvidenceBlob(ctx, sum); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutEvidenceBlob(ctx, sum, b); err != nil {
		t.Fatal(err)
	}
}

func openBolt(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "qes.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func openPostgres(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestPutOpenEncryptedAtRest(t *testing.T) {
	ctx := context.Background()
	for _, p := range placements(t) {
		t.Run(p.name, func(t *testing.T) {
			s := p.open(t)
			plain := []byte("P<ITAROSSI<<MARIO<<<<<<<<<<<<<<<<<<<<<<<<<<<< and a portrait that must not be at rest in clear")
			ref, err := s.Put(ctx, plain, "application/octet-stream")
			if err != nil {
				t.Fatal(err)
			}
			want := sha256.Sum256(plain)
			if ref.SHA256 != hex.EncodeToString(want[:]) || ref.Size != int64(len(plain)) || ref.MediaType != "application/octet-stream" {
				t.Fatalf("ref = %+v", ref)
			}
			atRest := p.raw(t, ref.SHA256)
			if !bytes.HasPrefix(atRest, []byte("age-encryption.org/v1\n")) {
				t.Fatalf("what is at rest is not an age file: %q", atRest[:min(40, len(atRest))])
			}
			for _, part := range [][]byte{plain, []byte("ROSSI"), []byte("portrait")} {
				if bytes.Contains(atRest, part) {
					t.Fatalf("the plaintext %q is at rest", part)
				}
			}
			got, err := s.Open(ctx, ref.SHA256)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("Open = %q, %v", got, err)
			}
			if ok, err := s.Exists(ctx, ref.SHA256); err != nil || !ok {
				t.Fatalf("Exists = %v, %v", ok, err)
			}
			// The sealed identity at rest is not the age identity in clear.
			if sealed := p.sealedIdentity(t); bytes.Contains(sealed, []byte("AGE-SECRET-KEY")) {
				t.Fatal("the evidence identity is kept in clear")
			}
			// A second store on the same files (a restart) unseals the
			// same identity and reads what the first wrote.
			again := p.open(t)
			if got, err := again.Open(ctx, ref.SHA256); err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("Open after restart = %q, %v", got, err)
			}
			r1, err1 := s.Recipient(ctx)
			r2, err2 := again.Recipient(ctx)
			if err1 != nil || err2 != nil || r1 != r2 || !strings.HasPrefix(r1, "age1") {
				t.Fatalf("recipients %q %v, %q %v", r1, err1, r2, err2)
			}
		})
	}
}

func TestPutDeduplicates(t *testing.T) {
	ctx := context.Background()
	for _, p := range placements(t) {
		t.Run(p.name, func(t *testing.T) {
			s := p.open(t)
			data := []byte("the same chip file twice")
			a, err := s.Put(ctx, data, "application/octet-stream")
			if err != nil {
				t.Fatal(err)
			}
			before := p.raw(t, a.SHA256)
			// Twice on this node, then on another (a restart, or a
			// second node on the same store): one file, not rewritten.
			for i, s := range []*evidence.Store{s, p.open(t)} {
				b, err := s.Put(ctx, data, "application/octet-stream")
				if err != nil || b.SHA256 != a.SHA256 {
					t.Fatalf("Put %d = %+v, %v", i+2, b, err)
				}
				if after := p.raw(t, a.SHA256); !bytes.Equal(before, after) {
					t.Fatalf("Put %d rewrote the file", i+2)
				}
			}
		})
	}
	// In the file layout the subdirectory holds that one file.
	dir := t.TempDir()
	s := newStore(t, dir)
	a, err := s.Put(ctx, []byte("x"), "text/plain")
	if err == nil {
		_, err = s.Put(ctx, []byte("x"), "text/plain")
	}
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "evidence", a.SHA256[:2]))
	if err != nil || len(entries) != 1 {
		t.Fatalf("directory holds %d entries (%v), want 1", len(entries), err)
	}
}

func TestOpenRefusesTampering(t *testing.T) {
	ctx := context.Background()
	for _, p := range placements(t) {
		t.Run(p.name, func(t *testing.T) {
			s := p.open(t)
			data := make([]byte, 4096)
			if _, err := rand.Read(data); err != nil {
				t.Fatal(err)
			}
			ref, err := s.Put(ctx, data, "video/mp4")
			if err != nil {
				t.Fatal(err)
			}
			orig := p.raw(t, ref.SHA256)
			// A flipped byte in the header, in the payload, and a file
			// swapped in under another file's name: each is refused.
			other, err := s.Put(ctx, []byte("another file"), "text/plain")
			if err != nil {
				t.Fatal(err)
			}
			otherBytes := p.raw(t, other.SHA256)
			tampered := []struct {
				name    string
				content []byte
			}{
				{"header byte", flip(orig, 30)},
				{"payload byte", flip(orig, len(orig)-100)},
				{"last byte", flip(orig, len(orig)-1)},
				{"swapped file", otherBytes},
				{"truncated", orig[:len(orig)-10]},
			}
			for _, tt := range tampered {
				t.Run(tt.name, func(t *testing.T) {
					p.replace(t, ref.SHA256, tt.content)
					if got, err := s.Open(ctx, ref.SHA256); err == nil {
						t.Fatalf("Open of a tampered file returned %d bytes", len(got))
					} else if !errs.Is(err, errs.Internal) {
						t.Fatalf("Open of a tampered file: %v, want an internal error", err)
					}
				})
			}
			p.replace(t, ref.SHA256, orig)
			if _, err := s.Open(ctx, ref.SHA256); err != nil {
				t.Fatalf("the restored file: %v", err)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

// One byte more than MaxSize is refused before anything is encrypted or
// kept; MaxSize itself is kept and read back.
func TestSizeBound(t *testing.T) {
	ctx := context.Background()
	big := make([]byte, evidence.MaxSize+1)
	big[0] = 7
	for _, p := range placements(t) {
		t.Run(p.name, func(t *testing.T) {
			s := p.open(t)
			_, err := s.Put(ctx, big, "video/mp4")
			if !errs.Is(err, errs.InvalidRequest) {
				t.Fatalf("Put of MaxSize+1 bytes: %v, want InvalidRequest", err)
			}
			over := sha256.Sum256(big)
			if ok, err := s.Exists(ctx, hex.EncodeToString(over[:])); err != nil || ok {
				t.Fatalf("the refused file exists: %v, %v", ok, err)
			}
			ref, err := s.Put(ctx, big[:evidence.MaxSize], "video/mp4")
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Open(ctx, ref.SHA256)
			if err != nil || len(got) != evidence.MaxSize {
				t.Fatalf("Open of MaxSize bytes: %d bytes, %v", len(got), err)
			}
		})
	}
}

func TestOpenNames(t *testing.T) {
	ctx := context.Background()
	for _, p := range placements(t) {
		t.Run(p.name, func(t *testing.T) {
			s := p.open(t)
			for _, name := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("0", 63), strings.Repeat("0", 64)} {
				if _, err := s.Open(ctx, name); !errs.Is(err, errs.NotFound) {
					t.Errorf("Open(%q) = %v, want NotFound", name, err)
				}
			}
		})
	}
}

// Concurrent first uses create one identity: every file stays readable.
func TestConcurrentFirstUse(t *testing.T) {
	ctx := context.Background()
	for _, p := range placements(t) {
		t.Run(p.name, func(t *testing.T) {
			s := p.open(t)
			var wg sync.WaitGroup
			refs := make([]string, 8)
			for i := range refs {
				wg.Go(func() {
					ref, err := s.Put(ctx, []byte{byte(i), 1, 2, 3}, "application/octet-stream")
					if err != nil {
						t.Error(err)
						return
					}
					refs[i] = ref.SHA256
				})
			}
			wg.Wait()
			fresh := p.open(t)
			for i, sum := range refs {
				if got, err := fresh.Open(ctx, sum); err != nil || !bytes.Equal(got, []byte{byte(i), 1, 2, 3}) {
					t.Errorf("file %d: %v", i, err)
				}
			}
		})
	}
}
