package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// OfficerBackend is a store with the console's aggregates and the shop's
// (a review belongs to a stored order).
type OfficerBackend interface {
	storage.Store
	storage.OfficerStore
}

// RunOfficers exercises the console's aggregates on fresh, empty stores.
func RunOfficers(t *testing.T, open func(t *testing.T) OfficerBackend) {
	t.Run("officers", func(t *testing.T) { testOfficers(t, open(t)) })
	t.Run("officer-sessions", func(t *testing.T) { testOfficerSessions(t, open(t)) })
	t.Run("reviews", func(t *testing.T) { testReviews(t, open(t)) })
}

func testOfficers(t *testing.T, s OfficerBackend) {
	ctx := context.Background()
	o := &storage.Officer{User: "rossi", FullName: "Anna Rossi", TaxCode: "RSSNNA80A41H501X", Email: "anna@example.org",
		PasswordHash: "$argon2id$x", TOTPSealed: []byte{1, 2, 3}, TrainedOn: t0, CreatedAt: t0}
	must(t, s.CreateOfficer(ctx, o))
	wantKind(t, s.CreateOfficer(ctx, &storage.Officer{User: "rossi"}), errs.Conflict)
	must(t, s.CreateOfficer(ctx, &storage.Officer{User: "bianchi", CreatedAt: t0}))
	_, err := s.Officer(ctx, "verdi")
	wantKind(t, err, errs.NotFound)

	must(t, s.UpdateOfficer(ctx, "rossi", func(o *storage.Officer) error { o.TOTPLastStep = 42; return nil }))
	refuse := errors.New("no")
	if err := s.UpdateOfficer(ctx, "rossi", func(o *storage.Officer) error { o.TOTPLastStep = 99; return refuse }); !errors.Is(err, refuse) {
		t.Fatalf("update error %v, want the fn's error", err)
	}
	if err := s.UpdateOfficer(ctx, "rossi", func(o *storage.Officer) error { o.User = "verdi"; return nil }); err == nil {
		t.Fatal("renaming an officer must fail")
	}
	got, err := s.Officer(ctx, "rossi")
	must(t, err)
	if got.TOTPLastStep != 42 || got.TaxCode != o.TaxCode || string(got.TOTPSealed) != "\x01\x02\x03" || !got.TrainedOn.Equal(t0) {
		t.Fatalf("officer after updates = %+v", got)
	}
	list, err := s.ListOfficers(ctx)
	must(t, err)
	if len(list) != 2 || list[0].User != "bianchi" || list[1].User != "rossi" {
		t.Fatalf("ListOfficers = %v, want bianchi, rossi", list)
	}
}

func testOfficerSessions(t *testing.T, s OfficerBackend) {
	ctx := context.Background()
	sess := &storage.OfficerSession{Key: "k1", User: "rossi", CreatedAt: t0, IdleUntil: t0.Add(time.Minute), ExpiresAt: t0.Add(time.Hour)}
	must(t, s.PutOfficerSession(ctx, sess))
	wantKind(t, s.PutOfficerSession(ctx, sess), errs.Conflict)
	must(t, s.PutOfficerSession(ctx, &storage.OfficerSession{Key: "k2", User: "rossi", CreatedAt: t0,
		IdleUntil: t0.Add(time.Hour), ExpiresAt: t0.Add(time.Hour)}))
	must(t, s.UpdateOfficerSession(ctx, "k1", func(s *storage.OfficerSession) error { s.IdleUntil = t0.Add(2 * time.Minute); return nil }))
	if err := s.UpdateOfficerSession(ctx, "k1", func(s *storage.OfficerSession) error { s.User = "other"; return nil }); err == nil {
		t.Fatal("moving a session to another officer must fail")
	}
	got, err := s.OfficerSession(ctx, "k1")
	must(t, err)
	if !got.IdleUntil.Equal(t0.Add(2*time.Minute)) || got.User != "rossi" {
		t.Fatalf("session = %+v", got)
	}
	n, err := s.DeleteEndedOfficerSessions(ctx, t0.Add(5*time.Minute))
	must(t, err)
	if n != 1 {
		t.Fatalf("ended sessions removed = %d, want 1", n)
	}
	_, err = s.OfficerSession(ctx, "k1")
	wantKind(t, err, errs.NotFound)
	must(t, s.DeleteOfficerSession(ctx, "k2"))
	must(t, s.DeleteOfficerSession(ctx, "k2")) // a missing one is no error
	_, err = s.OfficerSession(ctx, "k2")
	wantKind(t, err, errs.NotFound)
}

func testReviews(t *testing.T, s OfficerBackend) {
	ctx := context.Background()
	must(t, s.CreateCustomer(ctx, &storage.Customer{ID: "c1", Email: "a@example.org", CreatedAt: t0}, nil))
	must(t, s.CreateOrder(ctx, &storage.Order{Number: "55-00001-0000000001", CustomerID: "c1", State: "identified"}, nil))

	wantKind(t, s.CreateReview(ctx, &storage.Review{ID: "r0", OrderNumber: "55-00009-0000000009", Officer: "rossi"}), errs.Internal)
	for _, id := range []string{"r1", "r2"} {
		must(t, s.CreateReview(ctx, &storage.Review{ID: id, OrderNumber: "55-00001-0000000001", IdentificationID: "i1",
			Officer: "rossi", OpenedAt: t0}))
	}
	wantKind(t, s.CreateReview(ctx, &storage.Review{ID: "r1", OrderNumber: "55-00001-0000000001", Officer: "rossi"}), errs.Conflict)
	must(t, s.UpdateReview(ctx, "r1", func(r *storage.Review) error {
		r.DecidedAt, r.Seconds, r.Decision, r.Checklist = t0.Add(95*time.Second), 95, "approved", map[string]string{"eyes": "match"}
		return nil
	}))
	for name, change := range map[string]func(*storage.Review){
		"order": func(r *storage.Review) { r.OrderNumber = "x" }, "officer": func(r *storage.Review) { r.Officer = "x" },
		"identification": func(r *storage.Review) { r.IdentificationID = "x" },
	} {
		if err := s.UpdateReview(ctx, "r1", func(r *storage.Review) error { change(r); return nil }); err == nil {
			t.Fatalf("changing a review's %s must fail", name)
		}
	}
	_, err := s.Review(ctx, "nope")
	wantKind(t, err, errs.NotFound)
	list, err := s.ReviewsOf(ctx, "55-00001-0000000001")
	must(t, err)
	if len(list) != 2 || list[0].ID != "r1" || list[1].ID != "r2" {
		t.Fatalf("reviews of the order = %v", list)
	}
	if list[0].Seconds != 95 || list[0].Decision != "approved" || list[0].Checklist["eyes"] != "match" || !list[0].DecidedAt.Equal(t0.Add(95*time.Second)) {
		t.Fatalf("stored review = %+v", list[0])
	}
	if other, err := s.ReviewsOf(ctx, "55-00001-000000000"); err != nil || len(other) != 0 {
		t.Fatalf("a prefix of an order number matched: %v, %v", other, err)
	}
}
