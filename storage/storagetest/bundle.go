package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// RunEvidenceBundles exercises the evidence-bundle index on fresh, empty
// stores.
func RunEvidenceBundles(t *testing.T, open func(t *testing.T) storage.EvidenceBundles) {
	t.Run("evidence-bundles", func(t *testing.T) { testEvidenceBundles(t, open(t)) })
}

func testEvidenceBundles(t *testing.T, s storage.EvidenceBundles) {
	ctx := context.Background()
	_, err := s.EvidenceBundle(ctx, "55-00001-0000000001")
	wantKind(t, err, errs.NotFound)
	wantKind(t, s.DeleteEvidenceBundle(ctx, "55-00001-0000000001"), errs.NotFound)

	v := storage.BundleVersion{Manifest: storage.EvidenceRef{SHA256: "aa"}, Seal: storage.EvidenceRef{SHA256: "bb"}, SealedAt: t0, AuditSeq: 7}
	b, err := s.AddBundleVersion(ctx, "55-00001-0000000001", "failed", t0.AddDate(1, 0, 0), v)
	must(t, err)
	if b.Versions[0].Version != 1 || b.Outcome != "failed" {
		t.Fatalf("first version = %+v", b)
	}
	// A second sealing keeps the first and may change the retention.
	v.Manifest.SHA256, v.AuditSeq = "cc", 9
	b, err = s.AddBundleVersion(ctx, "55-00001-0000000001", "issued", t0.AddDate(20, 0, 0), v)
	must(t, err)
	got, err := s.EvidenceBundle(ctx, "55-00001-0000000001")
	must(t, err)
	if len(got.Versions) != 2 || got.Versions[0].Manifest.SHA256 != "aa" || got.Versions[1].Version != 2 ||
		got.Versions[1].AuditSeq != 9 || got.Outcome != "issued" || !got.RetainUntil.Equal(t0.AddDate(20, 0, 0)) {
		t.Fatalf("bundle = %+v (returned %+v)", got, b)
	}
	_, err = s.AddBundleVersion(ctx, "55-00001-0000000002", "failed", t0, storage.BundleVersion{
		Manifest: storage.EvidenceRef{SHA256: "dd"}, Seal: storage.EvidenceRef{SHA256: "ee"}, SealedAt: t0.Add(time.Hour)})
	must(t, err)
	_, err = s.AddBundleVersion(ctx, "55-00001-0000000003", "failed", t0, storage.BundleVersion{})
	if err == nil {
		t.Fatal("a version without manifest and seal was stored")
	}

	var seen []string
	must(t, s.ListEvidenceBundles(ctx, func(b *storage.EvidenceBundle) error {
		seen = append(seen, b.OrderNumber)
		return nil
	}))
	if len(seen) != 2 {
		t.Fatalf("listed %v, want both bundles", seen)
	}
	must(t, s.DeleteEvidenceBundle(ctx, "55-00001-0000000002"))
	_, err = s.EvidenceBundle(ctx, "55-00001-0000000002")
	wantKind(t, err, errs.NotFound)
}
