package storagetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// RunRevocation exercises what the certificate lifecycle adds: stored CRLs
// and dropping a credential's SADs.
func RunRevocation(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("crls", func(t *testing.T) { testCRLs(t, open(t)) })
	t.Run("credential-sads", func(t *testing.T) { testCredentialSADs(t, open(t)) })
}

func testCRLs(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.CRL(ctx, "issuing")
	wantKind(t, err, errs.NotFound)
	must(t, s.PutCRL(ctx, "issuing", []byte{1, 2, 3}))
	must(t, s.PutCRL(ctx, "root", []byte{9}))
	must(t, s.PutCRL(ctx, "issuing", []byte{4, 5}))
	got, err := s.CRL(ctx, "issuing")
	must(t, err)
	if !bytes.Equal(got, []byte{4, 5}) {
		t.Fatalf("CRL(issuing) = %x, want the newest (0405)", got)
	}
	got, err = s.CRL(ctx, "root")
	must(t, err)
	if !bytes.Equal(got, []byte{9}) {
		t.Fatalf("CRL(root) = %x, want 09", got)
	}
}

func testCredentialSADs(t *testing.T, s storage.Store) {
	ctx := context.Background()
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, sad := range []*storage.SAD{
		{Key: []byte("a"), CredentialID: "c1", Remaining: 1, ExpiresAt: exp},
		{Key: []byte("b"), CredentialID: "c1", Remaining: 1, ExpiresAt: exp},
		{Key: []byte("c"), CredentialID: "c2", Remaining: 1, ExpiresAt: exp},
	} {
		must(t, s.PutSAD(ctx, sad))
	}
	n, err := s.DeleteCredentialSADs(ctx, "c1")
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteCredentialSADs(c1) removed %d, want 2", n)
	}
	wantKind(t, s.UpdateSAD(ctx, []byte("a"), func(*storage.SAD) error { return nil }), errs.NotFound)
	must(t, s.UpdateSAD(ctx, []byte("c"), func(*storage.SAD) error { return nil }))
}
