package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// RunEvidenceBlobs exercises the evidence blobs and identity on fresh,
// empty stores.
func RunEvidenceBlobs(t *testing.T, open func(t *testing.T) storage.EvidenceBlobs) {
	t.Run("evidence-blobs", func(t *testing.T) { testEvidenceBlobs(t, open(t)) })
	t.Run("evidence-blob-bounds", func(t *testing.T) { testEvidenceBlobBounds(t, open(t)) })
	t.Run("evidence-identity", func(t *testing.T) { testEvidenceIdentity(t, open(t)) })
	t.Run("evidence-identity-race", func(t *testing.T) { RunEvidenceIdentityRace(t, open(t)) })
}

func sumOf(b string) string {
	d := sha256.Sum256([]byte(b))
	return hex.EncodeToString(d[:])
}

func testEvidenceBlobs(t *testing.T, s storage.EvidenceBlobs) {
	ctx := context.Background()
	a, b := sumOf("a"), sumOf("b")
	_, err := s.EvidenceBlob(ctx, a)
	wantKind(t, err, errs.NotFound)
	if ok, err := s.EvidenceBlobExists(ctx, a); err != nil || ok {
		t.Fatalf("exists before put = %v, %v", ok, err)
	}
	// Deleting what is not there is not an error.
	must(t, s.DeleteEvidenceBlob(ctx, a))

	first := []byte("age-encryption.org/v1\n first ciphertext of a")
	steps := []struct {
		name      string
		sum       string
		blob      []byte
		wantAdded bool
		wantKept  []byte
	}{
		{"new", a, first, true, first},
		{"same again", a, first, false, first},
		{"another ciphertext for the same sum keeps the first", a, []byte("age-encryption.org/v1\n other"), false, first},
		{"a second sum", b, []byte("bbb"), true, []byte("bbb")},
	}
	for _, st := range steps {
		added, err := s.PutEvidenceBlob(ctx, st.sum, st.blob)
		must(t, err)
		if added != st.wantAdded {
			t.Fatalf("%s: added = %v, want %v", st.name, added, st.wantAdded)
		}
		got, err := s.EvidenceBlob(ctx, st.sum)
		must(t, err)
		if !bytes.Equal(got, st.wantKept) {
			t.Fatalf("%s: kept %q, want %q", st.name, got, st.wantKept)
		}
	}
	// What EvidenceBlob returned is the caller's: changing it changes
	// nothing stored.
	got, _ := s.EvidenceBlob(ctx, a)
	got[0] ^= 0xff
	if again, _ := s.EvidenceBlob(ctx, a); !bytes.Equal(again, first) {
		t.Fatal("changing a returned blob changed the stored one")
	}

	must(t, s.DeleteEvidenceBlob(ctx, a))
	if ok, err := s.EvidenceBlobExists(ctx, a); err != nil || ok {
		t.Fatalf("exists after delete = %v, %v", ok, err)
	}
	_, err = s.EvidenceBlob(ctx, a)
	wantKind(t, err, errs.NotFound)
	if ok, err := s.EvidenceBlobExists(ctx, b); err != nil || !ok {
		t.Fatalf("the other blob after a delete: %v, %v", ok, err)
	}
	// After a delete the sum is free again: a new put is kept.
	if added, err := s.PutEvidenceBlob(ctx, a, []byte("again")); err != nil || !added {
		t.Fatalf("put after delete = %v, %v", added, err)
	}
}

func testEvidenceBlobBounds(t *testing.T, s storage.EvidenceBlobs) {
	ctx := context.Background()
	a := sumOf("a")
	tests := []struct {
		name string
		sum  string
		blob []byte
	}{
		{"empty", a, nil},
		{"one byte too many", a, make([]byte, storage.MaxEvidenceBlob+1)},
		{"short sum", a[:63], []byte("x")},
		{"upper case", strings.ToUpper(a), []byte("x")},
		{"a path", "../" + a[3:], []byte("x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.PutEvidenceBlob(ctx, tt.sum, tt.blob)
			wantKind(t, err, errs.Internal)
		})
	}
	if ok, err := s.EvidenceBlobExists(ctx, a); err != nil || ok {
		t.Fatalf("a refused put left %v, %v", ok, err)
	}
	_, err := s.EvidenceBlob(ctx, "../x")
	wantKind(t, err, errs.NotFound)
	wantKind(t, s.DeleteEvidenceBlob(ctx, "../x"), errs.Internal)
	// The largest blob fits.
	big := bytes.Repeat([]byte{0xa5}, storage.MaxEvidenceBlob)
	added, err := s.PutEvidenceBlob(ctx, a, big)
	must(t, err)
	got, err := s.EvidenceBlob(ctx, a)
	must(t, err)
	if !added || !bytes.Equal(got, big) {
		t.Fatalf("the largest blob: added %v, %d bytes back", added, len(got))
	}
}

func testEvidenceIdentity(t *testing.T, s storage.EvidenceBlobs) {
	ctx := context.Background()
	_, err := s.EvidenceIdentity(ctx)
	wantKind(t, err, errs.NotFound)
	_, err = s.CreateEvidenceIdentity(ctx, nil)
	wantKind(t, err, errs.Internal)
	got, err := s.CreateEvidenceIdentity(ctx, []byte("sealed-1"))
	must(t, err)
	if string(got) != "sealed-1" {
		t.Fatalf("first create = %q", got)
	}
	got, err = s.CreateEvidenceIdentity(ctx, []byte("sealed-2"))
	must(t, err)
	if string(got) != "sealed-1" {
		t.Fatalf("second create = %q, want the first kept", got)
	}
	got, err = s.EvidenceIdentity(ctx)
	must(t, err)
	if string(got) != "sealed-1" {
		t.Fatalf("identity = %q", got)
	}
}

// RunEvidenceIdentityRace has nodes create the evidence identity at once,
// goroutine i on stores[i%len(stores)] (several handles on one database
// are several nodes): every one of them must end with the same identity,
// one of those proposed.
func RunEvidenceIdentityRace(t *testing.T, stores ...storage.EvidenceBlobs) {
	ctx := context.Background()
	const n = 16
	got := make([][]byte, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			id, err := stores[i%len(stores)].CreateEvidenceIdentity(ctx, fmt.Appendf(nil, "sealed-by-node-%d", i))
			if err != nil {
				t.Errorf("node %d: %v", i, err)
			}
			got[i] = id
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	if !bytes.HasPrefix(got[0], []byte("sealed-by-node-")) {
		t.Fatalf("the identity kept is %q, none of those proposed", got[0])
	}
	for i, id := range got {
		if !bytes.Equal(id, got[0]) {
			t.Fatalf("node %d ended with %q, node 0 with %q", i, id, got[0])
		}
	}
	for i, s := range stores {
		id, err := s.EvidenceIdentity(ctx)
		must(t, err)
		if !bytes.Equal(id, got[0]) {
			t.Fatalf("store %d reads %q, the nodes ended with %q", i, id, got[0])
		}
	}
}
