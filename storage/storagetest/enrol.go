package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// RunEnrolment exercises the shop's aggregates on fresh, empty stores.
func RunEnrolment(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Run("customers", func(t *testing.T) { testCustomers(t, open(t)) })
	t.Run("orders", func(t *testing.T) { testOrders(t, open(t)) })
	t.Run("customer-sessions", func(t *testing.T) { testCustomerSessions(t, open(t)) })
	t.Run("identifications", func(t *testing.T) { testIdentifications(t, open(t)) })
	t.Run("trust-anchors", func(t *testing.T) { testTrustAnchors(t, open(t)) })
}

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func testCustomers(t *testing.T, s storage.Store) {
	ctx := context.Background()
	c := &storage.Customer{ID: "c1", Email: "Ann@Example.org", PasswordHash: "$argon2id$x", Country: "IT", CreatedAt: t0}
	consents := []*storage.Consent{
		{CustomerID: "c1", Kind: "privacy", Given: true, TextVersion: "v1", At: t0, IP: "127.0.0.1", UserAgent: "ua"},
		{CustomerID: "c1", Kind: "marketing", Given: false, TextVersion: "v1", At: t0},
	}
	must(t, s.CreateCustomer(ctx, c, consents))
	// The e-mail is unique whatever its case; a refused customer leaves
	// no consents behind.
	wantKind(t, s.CreateCustomer(ctx, &storage.Customer{ID: "c2", Email: "ann@example.ORG"},
		[]*storage.Consent{{CustomerID: "c2", Kind: "privacy"}}), errs.Conflict)
	wantKind(t, s.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "other@example.org"}, nil), errs.Conflict)
	got, err := s.CustomerByEmail(ctx, "ann@example.org")
	must(t, err)
	if got.ID != "c1" || got.Country != "IT" {
		t.Fatalf("customer = %+v", got)
	}
	_, err = s.CustomerByEmail(ctx, "bob@example.org")
	wantKind(t, err, errs.NotFound)
	_, err = s.Customer(ctx, "c2")
	wantKind(t, err, errs.NotFound)
	if cs, err := s.ConsentsOf(ctx, "c2"); err != nil || len(cs) != 0 {
		t.Fatalf("consents of a refused customer = %v, %v", cs, err)
	}

	must(t, s.UpdateCustomer(ctx, "c1", func(c *storage.Customer) error { c.EmailVerified = true; return nil }))
	refuse := errors.New("no")
	if err := s.UpdateCustomer(ctx, "c1", func(c *storage.Customer) error { c.Country = "DE"; return refuse }); !errors.Is(err, refuse) {
		t.Fatalf("update error %v, want the fn's error", err)
	}
	if err := s.UpdateCustomer(ctx, "c1", func(c *storage.Customer) error { c.Email = "x@example.org"; return nil }); err == nil {
		t.Fatal("changing a customer's e-mail must fail")
	}
	got, err = s.Customer(ctx, "c1")
	must(t, err)
	if !got.EmailVerified || got.Country != "IT" || got.Email != "Ann@Example.org" {
		t.Fatalf("customer after updates = %+v", got)
	}

	must(t, s.AddConsent(ctx, &storage.Consent{CustomerID: "c1", Kind: "marketing", Given: true, TextVersion: "v2", At: t0.Add(time.Hour)}))
	wantKind(t, s.AddConsent(ctx, &storage.Consent{CustomerID: "nobody", Kind: "marketing"}), errs.NotFound)
	cs, err := s.ConsentsOf(ctx, "c1")
	must(t, err)
	if len(cs) != 3 || cs[0].Kind != "privacy" || cs[0].IP != "127.0.0.1" || cs[2].TextVersion != "v2" {
		t.Fatalf("consents = %+v, want 3 in the order given", cs)
	}
}

func testOrders(t *testing.T, s storage.Store) {
	ctx := context.Background()
	must(t, s.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "a@example.org"}, nil))
	must(t, s.CreateCustomer(ctx, &storage.Customer{ID: "c2", Email: "b@example.org"}, nil))
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "AB123456"}))
	must(t, s.CreateCoupon(ctx, &storage.Coupon{Code: "TEN", PercentBP: 1000, MaxUses: 1}))
	wantKind(t, s.CreateCoupon(ctx, &storage.Coupon{Code: "TEN"}), errs.Conflict)

	usedUp := errors.New("used up")
	count := func(o *storage.Order, c *storage.Coupon) error {
		if c == nil {
			o.GrossCents = 9638
			return nil
		}
		if c.MaxUses > 0 && c.Uses >= c.MaxUses {
			return usedUp
		}
		c.Uses++
		o.GrossCents = 8674
		return nil
	}
	o1 := &storage.Order{Number: "55-00001-0000000001", CustomerID: "c1", State: "ordered", Coupon: "TEN", CreatedAt: t0,
		Consents: []storage.Consent{{CustomerID: "c1", Kind: "biometric", Given: true, TextVersion: "v1", TextSHA256: "ab", At: t0}}}
	must(t, s.CreateOrder(ctx, o1, count))
	o1.Coupon = ""
	wantKind(t, s.CreateOrder(ctx, o1, nil), errs.Conflict)
	// A refused coupon aborts the order.
	if err := s.CreateOrder(ctx, &storage.Order{Number: "55-00001-0000000002", CustomerID: "c1", Coupon: "TEN"}, count); !errors.Is(err, usedUp) {
		t.Fatalf("order with a used-up coupon: %v, want prepare's error", err)
	}
	_, err := s.Order(ctx, "55-00001-0000000002")
	wantKind(t, err, errs.NotFound)
	wantKind(t, s.CreateOrder(ctx, &storage.Order{Number: "55-00001-0000000003", CustomerID: "c1", Coupon: "NOPE"}, count), errs.NotFound)
	wantKind(t, s.CreateOrder(ctx, &storage.Order{Number: "55-00001-0000000004", CustomerID: "ghost"}, nil), errs.NotFound)
	c, err := s.Coupon(ctx, "TEN")
	must(t, err)
	if c.Uses != 1 {
		t.Fatalf("coupon uses = %d, want 1", c.Uses)
	}
	must(t, s.CreateOrder(ctx, &storage.Order{Number: "55-00001-0000000005", CustomerID: "c2", State: "ordered"}, count))
	if o5, err := s.Order(ctx, "55-00001-0000000005"); err != nil || o5.GrossCents != 9638 {
		t.Fatalf("order priced without a coupon = %+v, %v", o5, err)
	}
	must(t, s.CreateOrder(ctx, &storage.Order{Number: "55-00001-0000000006", CustomerID: "c1", State: "ordered"}, nil))

	// User IDs: unique among orders and holders, fixed once assigned.
	must(t, s.UpdateOrder(ctx, o1.Number, func(o *storage.Order) error { o.UserID = "CD654321"; o.State = "details_submitted"; return nil }))
	wantKind(t, s.UpdateOrder(ctx, "55-00001-0000000005", func(o *storage.Order) error { o.UserID = "CD654321"; return nil }), errs.Conflict)
	wantKind(t, s.UpdateOrder(ctx, "55-00001-0000000005", func(o *storage.Order) error { o.UserID = "AB123456"; return nil }), errs.Conflict)
	wantKind(t, s.UpdateOrder(ctx, o1.Number, func(o *storage.Order) error { o.UserID = "EF111111"; return nil }), errs.Conflict)
	if err := s.UpdateOrder(ctx, o1.Number, func(o *storage.Order) error { o.CustomerID = "c2"; return nil }); err == nil {
		t.Fatal("moving an order to another customer must fail")
	}
	refuse := errors.New("no")
	if err := s.UpdateOrder(ctx, o1.Number, func(o *storage.Order) error { o.State = "x"; return refuse }); !errors.Is(err, refuse) {
		t.Fatalf("update error %v, want the fn's error", err)
	}
	wantKind(t, s.UpdateOrder(ctx, "55-99999-0000000000", func(*storage.Order) error { return nil }), errs.NotFound)
	for id, want := range map[string]bool{"CD654321": true, "AB123456": true, "EF111111": false} {
		if got, err := s.UserIDTaken(ctx, id); err != nil || got != want {
			t.Fatalf("UserIDTaken(%s) = %v, %v; want %v", id, got, err, want)
		}
	}
	// A reserved user ID becomes a holder only for the order that
	// reserved it (issuance); anyone else is refused.
	wantKind(t, s.CreateHolder(ctx, &storage.Holder{ID: "CD654321"}), errs.Conflict)
	wantKind(t, s.CreateHolder(ctx, &storage.Holder{ID: "CD654321", Order: "55-00001-0000000005"}), errs.Conflict)
	must(t, s.CreateHolder(ctx, &storage.Holder{ID: "CD654321", Order: o1.Number}))
	if h, err := s.Holder(ctx, "CD654321"); err != nil || h.Order != o1.Number {
		t.Fatalf("holder of the order = %+v, %v", h, err)
	}
	// The order can still be updated once its holder exists.
	must(t, s.UpdateOrder(ctx, o1.Number, func(o *storage.Order) error { return nil }))
	got, err := s.Order(ctx, o1.Number)
	must(t, err)
	if got.UserID != "CD654321" || got.State != "details_submitted" || got.GrossCents != 8674 || len(got.Consents) != 1 || got.Consents[0].TextSHA256 != "ab" {
		t.Fatalf("order = %+v", got)
	}

	mine, err := s.OrdersOf(ctx, "c1")
	must(t, err)
	if len(mine) != 2 || mine[0].Number != o1.Number || mine[1].Number != "55-00001-0000000006" {
		t.Fatalf("orders of c1 = %d", len(mine))
	}
	n := 0
	must(t, s.ListOrders(ctx, func(*storage.Order) error { n++; return nil }))
	if n != 3 {
		t.Fatalf("ListOrders = %d, want 3", n)
	}
	all, err := s.ListCoupons(ctx)
	must(t, err)
	if len(all) != 1 {
		t.Fatalf("ListCoupons = %d, want 1", len(all))
	}
}

func testCustomerSessions(t *testing.T, s storage.Store) {
	ctx := context.Background()
	mk := func(key, cust string, idle, abs time.Duration) *storage.CustomerSession {
		return &storage.CustomerSession{Key: key, CustomerID: cust, CreatedAt: t0, IdleUntil: t0.Add(idle), ExpiresAt: t0.Add(abs)}
	}
	must(t, s.PutCustomerSession(ctx, mk("k1", "c1", time.Minute, time.Hour)))
	wantKind(t, s.PutCustomerSession(ctx, mk("k1", "c1", time.Minute, time.Hour)), errs.Conflict)
	must(t, s.PutCustomerSession(ctx, mk("k2", "c1", time.Hour, time.Hour)))
	must(t, s.PutCustomerSession(ctx, mk("k3", "c1x", time.Hour, 2*time.Hour)))
	must(t, s.PutCustomerSession(ctx, mk("k4", "c2", time.Hour, time.Second)))
	must(t, s.UpdateCustomerSession(ctx, "k3", func(c *storage.CustomerSession) error { c.IdleUntil = t0.Add(90 * time.Minute); return nil }))
	if err := s.UpdateCustomerSession(ctx, "k3", func(c *storage.CustomerSession) error { c.CustomerID = "c2"; return nil }); err == nil {
		t.Fatal("moving a session to another customer must fail")
	}
	wantKind(t, s.UpdateCustomerSession(ctx, "nope", func(*storage.CustomerSession) error { return nil }), errs.NotFound)
	n, err := s.DeleteCustomerSessions(ctx, "c1")
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteCustomerSessions(c1) = %d, want 2", n)
	}
	for key, want := range map[string]bool{"k1": false, "k2": false, "k3": true, "k4": true} {
		_, err := s.CustomerSession(ctx, key)
		if (err == nil) != want {
			t.Fatalf("session %s present = %v, want %v (err %v)", key, err == nil, want, err)
		}
	}
	n, err = s.DeleteEndedCustomerSessions(ctx, t0.Add(time.Second))
	must(t, err)
	if n != 1 {
		t.Fatalf("DeleteEndedCustomerSessions = %d, want 1", n)
	}
	got, err := s.CustomerSession(ctx, "k3")
	must(t, err)
	if !got.IdleUntil.Equal(t0.Add(90 * time.Minute)) {
		t.Fatalf("session k3 = %+v", got)
	}
	must(t, s.DeleteCustomerSession(ctx, "k3"))
	must(t, s.DeleteCustomerSession(ctx, "k3"))
}
