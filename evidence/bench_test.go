package evidence_test

import (
	"context"
	"crypto/rand"
	"testing"
)

// BenchmarkPutOpen5MB stores (encrypts, fsyncs) and reads back (decrypts,
// re-hashes) a 5 MB photo-sized file; each round is new content.
func BenchmarkPutOpen5MB(b *testing.B) {
	ctx := context.Background()
	sealer, err := hsmSealer(b)
	if err != nil {
		b.Fatal(err)
	}
	s := newStoreWith(b.TempDir(), sealer)
	data := make([]byte, 5<<20)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		if _, err := rand.Read(data[:32]); err != nil {
			b.Fatal(err)
		}
		ref, err := s.Put(ctx, data, "image/jpeg")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Open(ctx, ref.SHA256); err != nil {
			b.Fatal(err)
		}
	}
}
