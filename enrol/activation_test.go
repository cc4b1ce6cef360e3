package enrol_test

import (
	"context"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// The activation's moves: only an issued order becomes active (with the
// time and the signed contract) or expired, each once.
func TestActivationTransitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	if err := e.store.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "c1@example.org", CreatedAt: e.now}, nil); err != nil {
		t.Fatal(err)
	}
	issued := func(n string) *storage.Order {
		return &storage.Order{Number: n, CustomerID: "c1", State: "issued", CreatedAt: e.now,
			Issuance: &storage.Issuance{HolderID: "AB123456", CredentialID: "cred", ActivationDeadline: e.now.AddDate(0, 0, 60)}}
	}
	for _, o := range []*storage.Order{issued("55-00001-0000000001"), issued("55-00001-0000000002"),
		{Number: "55-00001-0000000003", CustomerID: "c1", State: "requested", CreatedAt: e.now}} {
		if err := e.store.CreateOrder(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
	}
	ref := storage.EvidenceRef{SHA256: "ab", MediaType: "application/pdf", Size: 2, At: e.now}
	o, err := e.svc.MarkActive(ctx, "55-00001-0000000001", e.now, ref)
	if err != nil || o.State != "active" || !o.Issuance.ActivatedAt.Equal(e.now) || o.Issuance.SignedContract == nil || o.Issuance.SignedContract.SHA256 != "ab" {
		t.Fatalf("active: %+v %v", o, err)
	}
	for _, tc := range []struct {
		name   string
		number string
		move   func(string) error
	}{
		{"active twice", "55-00001-0000000001", func(n string) error { _, err := e.svc.MarkActive(ctx, n, e.now, ref); return err }},
		{"active expires", "55-00001-0000000001", func(n string) error { _, err := e.svc.MarkExpired(ctx, n); return err }},
		{"requested activates", "55-00001-0000000003", func(n string) error { _, err := e.svc.MarkActive(ctx, n, e.now, ref); return err }},
		{"requested expires", "55-00001-0000000003", func(n string) error { _, err := e.svc.MarkExpired(ctx, n); return err }},
	} {
		if err := tc.move(tc.number); !errs.Is(err, errs.Conflict) {
			t.Errorf("%s: %v, want Conflict", tc.name, err)
		}
	}
	o, err = e.svc.MarkExpired(ctx, "55-00001-0000000002")
	if err != nil || o.State != "expired" || o.Transitions[len(o.Transitions)-1].From != "issued" {
		t.Fatalf("expired: %+v %v", o, err)
	}
}
