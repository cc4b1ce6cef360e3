package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

func testIdentifications(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, s.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "a@example.org", CreatedAt: t0}, nil))
	must(t, s.CreateOrder(ctx, &storage.Order{Number: "55-00001-0000000001", CustomerID: "c1", State: "details_submitted"}, nil))

	wantKind(t, s.CreateIdentification(ctx, &storage.Identification{ID: "i0", OrderNumber: "55-00009-0000000009", CustomerID: "c1"}), errs.Internal)
	// Two sessions started in the same instant keep their order.
	for _, id := range []string{"i1", "i2"} {
		must(t, s.CreateIdentification(ctx, &storage.Identification{ID: id, OrderNumber: "55-00001-0000000001",
			CustomerID: "c1", State: storage.IdentificationOpen, CreatedAt: t0, ExpiresAt: t0.Add(30 * time.Minute),
			AAChallenge: []byte{1, 2, 3, 4, 5, 6, 7, 8}}))
	}
	wantKind(t, s.CreateIdentification(ctx, &storage.Identification{ID: "i1", OrderNumber: "55-00001-0000000001", CustomerID: "c1"}), errs.Conflict)

	must(t, s.UpdateIdentification(ctx, "i1", func(r *storage.Identification) error {
		r.State = storage.IdentificationExpired
		r.Attempts = append(r.Attempts, storage.ChipAttempt{At: t0, Code: "dg_hash_mismatch",
			Files: map[string]storage.EvidenceRef{"SOD": {SHA256: "ab", MediaType: "application/octet-stream", Size: 2, At: t0}}})
		return nil
	}))
	if err := s.UpdateIdentification(ctx, "i1", func(r *storage.Identification) error { r.OrderNumber = "x"; return nil }); err == nil {
		t.Fatal("moving an identification to another order must fail")
	}
	_, err := s.Identification(ctx, "nope")
	wantKind(t, err, errs.NotFound)

	list, err := s.IdentificationsOf(ctx, "55-00001-0000000001")
	must(t, err)
	if len(list) != 2 || list[0].ID != "i1" || list[1].ID != "i2" {
		t.Fatalf("sessions of the order = %v", list)
	}
	if list[0].State != storage.IdentificationExpired || len(list[0].Attempts) != 1 || list[0].Attempts[0].Files["SOD"].SHA256 != "ab" {
		t.Fatalf("stored session = %+v", list[0])
	}
	if other, err := s.IdentificationsOf(ctx, "55-00001-000000000"); err != nil || len(other) != 0 {
		t.Fatalf("a prefix of an order number matched: %v, %v", other, err)
	}
}
