package testutil

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// EvidenceAtRest returns an evidence file's ciphertext as the server keeps
// it: its file, or its blob in the store.
func (s *Server) EvidenceAtRest(t testing.TB, sum string) []byte {
	t.Helper()
	var raw []byte
	var err error
	if s.App.Evidence.InStore() {
		raw, err = s.App.Store.EvidenceBlob(context.Background(), sum)
	} else {
		raw, err = os.ReadFile(s.App.Evidence.Path(sum))
	}
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TamperEvidence changes an evidence file's ciphertext at rest, wherever
// the server keeps it (its file, or its blob in the store), to what change
// makes of a copy; the function it returns puts the original back.
func (s *Server) TamperEvidence(t testing.TB, sum string, change func([]byte) []byte) (restore func()) {
	t.Helper()
	ctx := context.Background()
	ev := s.App.Evidence
	if !ev.InStore() {
		path := ev.Path(sum)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, change(bytes.Clone(raw)), 0o600); err != nil {
			t.Fatal(err)
		}
		return func() {
			t.Helper()
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The store keeps the first blob put for a sum: the old one goes
	// first, as someone with write access to the database could do.
	swap := func(b []byte) {
		t.Helper()
		if err := s.App.Store.DeleteEvidenceBlob(ctx, sum); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Store.PutEvidenceBlob(ctx, sum, b); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := s.App.Store.EvidenceBlob(ctx, sum)
	if err != nil {
		t.Fatal(err)
	}
	swap(change(bytes.Clone(raw)))
	return func() { swap(raw) }
}
