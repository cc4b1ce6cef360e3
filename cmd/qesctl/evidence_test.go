package main

import (
	"archive/zip"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/testutil"
	"github.com/qesproject/qes/storage"
)

// qesctl evidence through the admin socket of a running qesd: seal,
// verify, export, a flipped byte named by verify with exit status 1, and
// a dry purge.
func TestEvidenceCommandsThroughTheSocket(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := testutil.StartServer(t)
	ctx := context.Background()
	now := s.Clock.Now().UTC()
	if err := s.App.Store.CreateCustomer(ctx, &storage.Customer{ID: "c9", Email: "ugo@example.org", Country: "IT", CreatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	const number = "55-20000-9999999999"
	if err := s.App.Store.CreateOrder(ctx, &storage.Order{Number: number, CustomerID: "c9", State: "rejected", Currency: "EUR", CreatedAt: now,
		Transitions: []storage.Transition{{From: "identified", To: "rejected", At: now}}}, nil); err != nil {
		t.Fatal(err)
	}
	photo, err := s.App.Evidence.Put(ctx, []byte("a photo of the document's front"), "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.CreateIdentification(ctx, &storage.Identification{ID: "s9", OrderNumber: number, CustomerID: "c9",
		State: storage.IdentificationCompleted, CreatedAt: now, ExpiresAt: now.Add(time.Hour), Photos: map[string]storage.EvidenceRef{"front": photo}}); err != nil {
		t.Fatal(err)
	}

	r := runQesctl(t, nil, "", "--data", s.DataDir, "evidence", "seal", number)
	if r.code != 0 || !strings.Contains(r.stdout, "version 1") {
		t.Fatalf("evidence seal: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runQesctl(t, nil, "", "--data", s.DataDir, "evidence", "verify", number)
	if r.code != 0 || !strings.Contains(r.stdout, "verified") {
		t.Fatalf("evidence verify: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	zipPath := filepath.Join(t.TempDir(), "evidence.zip")
	r = runQesctl(t, nil, "", "--data", s.DataDir, "evidence", "export", number, "-o", zipPath)
	if r.code != 0 {
		t.Fatalf("evidence export: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	_ = zr.Close()
	for _, want := range []string{"manifest.json", "manifest.p7s", "media/session-1/document-front.jpg", "order.json"} {
		if !names[want] {
			t.Errorf("the export has no %s: %v", want, names)
		}
	}
	if r := runQesctl(t, nil, "", "--data", s.DataDir, "evidence", "export", number, "-o", zipPath); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("export over an existing file: %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	s.TamperEvidence(t, photo.SHA256, func(raw []byte) []byte {
		raw[len(raw)-1] ^= 0x80
		return raw
	})
	r = runQesctl(t, nil, "", "--data", s.DataDir, "evidence", "verify", number)
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL version 1: media/session-1/document-front.jpg") {
		t.Fatalf("verify after a flipped byte: %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = runQesctl(t, nil, "", "--data", s.DataDir, "evidence", "purge", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "would delete 0 bundles") {
		t.Fatalf("evidence purge --dry-run: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runQesctl(t, nil, "", "--data", s.DataDir, "evidence", "verify"); r.code != 1 || !strings.Contains(r.stderr, "order number is required") {
		t.Fatalf("verify without an order: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
