package enrol_test

import (
	"context"
	"testing"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

func TestIdentificationTransitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.store.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "c1@example.org", CreatedAt: e.now}, nil))
	for _, o := range []*storage.Order{
		{Number: "55-00001-0000000001", CustomerID: "c1", State: "details_submitted", CreatedAt: e.now},
		{Number: "55-00001-0000000002", CustomerID: "c1", State: "paid", CreatedAt: e.now},
		{Number: "55-00001-0000000003", CustomerID: "c1", State: "retry_required", AttemptsUsed: 1, CreatedAt: e.now},
	} {
		must(e.store.CreateOrder(ctx, o, nil))
	}
	const n = "55-00001-0000000001"
	o, err := e.svc.BeginIdentification(ctx, "c1", n, 3)
	must(err)
	if o.State != "identifying" || len(o.Transitions) != 1 {
		t.Fatalf("begin: %+v", o)
	}
	// Again: the order stays identifying, no second transition.
	o, err = e.svc.BeginIdentification(ctx, "c1", n, 3)
	must(err)
	if len(o.Transitions) != 1 {
		t.Fatalf("second begin moved the order: %+v", o.Transitions)
	}
	_, err = e.svc.BeginIdentification(ctx, "c2", n, 3)
	wantKind(t, err, errs.NotFound)
	_, err = e.svc.BeginIdentification(ctx, "c1", "55-00001-0000000002", 3)
	wantKind(t, err, errs.Conflict)
	if o, err := e.svc.BeginIdentification(ctx, "c1", "55-00001-0000000003", 3); err != nil || o.State != "identifying" || o.AttemptsUsed != 1 {
		t.Fatalf("after retry_required: %+v, %v", o, err)
	}

	for i := 1; i <= 3; i++ {
		o, err = e.svc.IdentificationFailed(ctx, n, 3, "dg_hash_mismatch")
		must(err)
		want := "identifying"
		if i == 3 {
			want = "failed"
		}
		if o.AttemptsUsed != i || o.State != want {
			t.Fatalf("failure %d: %d used, %s", i, o.AttemptsUsed, o.State)
		}
	}
	if last := o.Transitions[len(o.Transitions)-1]; last.From != "identifying" || last.To != "failed" {
		t.Fatalf("last transition %+v", last)
	}
	_, err = e.svc.IdentificationFailed(ctx, n, 3, "expired")
	wantKind(t, err, errs.Conflict)
	_, err = e.svc.BeginIdentification(ctx, "c1", n, 3)
	wantKind(t, err, errs.Conflict)
	_, err = e.svc.MarkIdentified(ctx, n, e.now)
	wantKind(t, err, errs.Conflict)

	o, err = e.svc.MarkIdentified(ctx, "55-00001-0000000003", e.now)
	must(err)
	if o.State != "identified" || !o.IdentifiedAt.Equal(e.now) {
		t.Fatalf("identified: %+v", o)
	}
}
