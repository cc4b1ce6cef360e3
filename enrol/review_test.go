package enrol_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

func TestDecideReview(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	identifiedAt := e.now.Add(-time.Hour)
	if err := e.store.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "anna@example.org", CreatedAt: e.now}, nil); err != nil {
		t.Fatal(err)
	}
	for _, o := range []*storage.Order{
		{Number: "55-00001-0000000001", CustomerID: "c1", State: string(enrol.Requested), IdentifiedAt: identifiedAt},
		{Number: "55-00001-0000000002", CustomerID: "c1", State: string(enrol.Requested), IdentifiedAt: identifiedAt},
		{Number: "55-00001-0000000003", CustomerID: "c1", State: string(enrol.DetailsSubmitted)},
	} {
		if err := e.store.CreateOrder(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
	}
	d := func(to enrol.State, at time.Time) enrol.ReviewDecision {
		return enrol.ReviewDecision{Officer: "rossi", Review: "r1", To: to, IdentifiedAt: at}
	}
	cases := []struct {
		name   string
		number string
		d      enrol.ReviewDecision
		ok     bool
		kind   errs.Kind
		id     msg.ID
	}{
		{"another identification since", "55-00001-0000000001", d(enrol.Approved, identifiedAt.Add(time.Second)), false, errs.Conflict, msg.ReviewStale},
		{"not a review's state", "55-00001-0000000001", d(enrol.Failed, identifiedAt), false, errs.Internal, ""},
		{"not requested", "55-00001-0000000003", d(enrol.Approved, time.Time{}), false, errs.Conflict, msg.ShopTransition},
		{"no such order", "55-00009-0000000009", d(enrol.Rejected, identifiedAt), false, errs.NotFound, msg.ShopOrderNotFound},
		{"approve", "55-00001-0000000001", d(enrol.Approved, identifiedAt), true, 0, ""},
		{"a second decision", "55-00001-0000000001", d(enrol.Rejected, identifiedAt), false, errs.Conflict, msg.ShopTransition},
		{"retry", "55-00001-0000000002", d(enrol.RetryRequired, identifiedAt), true, 0, ""},
	}
	for _, c := range cases {
		o, err := e.svc.DecideReview(ctx, c.number, c.d)
		if c.ok {
			if err != nil || o.State != string(c.d.To) || o.Transitions[len(o.Transitions)-1].From != string(enrol.Requested) {
				t.Errorf("%s: %+v, %v", c.name, o, err)
			}
			continue
		}
		if !errs.Is(err, c.kind) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.kind)
		} else if id, _, _ := errs.MessageOf(err); id != c.id {
			t.Errorf("%s: message %s, want %s", c.name, id, c.id)
		}
	}
	raw, err := os.ReadFile(e.audit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"type":"enrol.approved"`) || !strings.Contains(string(raw), `"officer":"rossi"`) ||
		strings.Contains(string(raw), "anna@example.org") {
		t.Fatalf("audit log: want the transition with the officer and no personal data:\n%s", raw)
	}
}
