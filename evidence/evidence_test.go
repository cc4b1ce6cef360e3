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
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.Cleanup()
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

func TestPutOpenEncryptedAtRest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir)
	plain := []byte("P<ITAROSSI<<MARIO<<<<<<<<<<<<<<<<<<<<<<<<<<<< and a portrait that must not be on disk in clear")
	ref, err := s.Put(ctx, plain, "application/octet-stream")
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(plain)
	if ref.SHA256 != hex.EncodeToString(want[:]) || ref.Size != int64(len(plain)) || ref.MediaType != "application/octet-stream" {
		t.Fatalf("ref = %+v", ref)
	}
	onDisk, err := os.ReadFile(fileOf(t, dir, ref.SHA256))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(onDisk, []byte("age-encryption.org/v1\n")) {
		t.Fatalf("the file is not an age file: %q", onDisk[:min(40, len(onDisk))])
	}
	for _, part := range [][]byte{plain, []byte("ROSSI"), []byte("portrait")} {
		if bytes.Contains(onDisk, part) {
			t.Fatalf("the plaintext %q is in the file on disk", part)
		}
	}
	got, err := s.Open(ctx, ref.SHA256)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// The sealed identity on disk is not the age identity in clear.
	sealed, err := os.ReadFile(filepath.Join(dir, "evidence", "identity.sealed"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("AGE-SECRET-KEY")) {
		t.Fatal("the evidence identity is stored in clear")
	}
	// A second store on the same directory (a restart) unseals the same
	// identity and reads what the first wrote.
	again, err := newStore(t, dir).Open(ctx, ref.SHA256)
	if err != nil || !bytes.Equal(again, plain) {
		t.Fatalf("Open after restart = %q, %v", again, err)
	}
}

func TestPutDeduplicates(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir)
	data := []byte("the same chip file twice")
	a, err := s.Put(ctx, data, "application/octet-stream")
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(fileOf(t, dir, a.SHA256))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Put(ctx, data, "application/octet-stream")
	if err != nil || b.SHA256 != a.SHA256 {
		t.Fatalf("second Put = %+v, %v", b, err)
	}
	after, _ := os.ReadFile(fileOf(t, dir, a.SHA256))
	if !bytes.Equal(before, after) {
		t.Fatal("a duplicate Put rewrote the file")
	}
	entries, err := os.ReadDir(filepath.Join(dir, "evidence", a.SHA256[:2]))
	if err != nil || len(entries) != 1 {
		t.Fatalf("directory holds %d entries (%v), want 1", len(entries), err)
	}
}

func TestOpenRefusesTampering(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir)
	data := make([]byte, 4096)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	ref, err := s.Put(ctx, data, "video/mp4")
	if err != nil {
		t.Fatal(err)
	}
	path := fileOf(t, dir, ref.SHA256)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A flipped byte in the header, in the payload, and a file swapped in
	// under another file's name: each is refused.
	other, err := s.Put(ctx, []byte("another file"), "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	otherBytes, _ := os.ReadFile(fileOf(t, dir, other.SHA256))
	for name, content := range map[string][]byte{
		"header byte":  flip(orig, 30),
		"payload byte": flip(orig, len(orig)-100),
		"last byte":    flip(orig, len(orig)-1),
		"swapped file": otherBytes,
		"truncated":    orig[:len(orig)-10],
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Open(ctx, ref.SHA256); err == nil {
				t.Fatalf("Open of a tampered file returned %d bytes", len(got))
			}
		})
	}
	if err := os.WriteFile(path, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, ref.SHA256); err != nil {
		t.Fatalf("the restored file: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

func TestOpenNames(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, t.TempDir())
	for _, name := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("0", 63), strings.Repeat("0", 64)} {
		if _, err := s.Open(ctx, name); !errs.Is(err, errs.NotFound) {
			t.Errorf("Open(%q) = %v, want NotFound", name, err)
		}
	}
}

// Concurrent first uses create one identity: every file stays readable.
func TestConcurrentFirstUse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := newStore(t, dir)
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
	fresh := newStore(t, dir)
	for i, sum := range refs {
		if got, err := fresh.Open(ctx, sum); err != nil || !bytes.Equal(got, []byte{byte(i), 1, 2, 3}) {
			t.Errorf("file %d: %v", i, err)
		}
	}
}
