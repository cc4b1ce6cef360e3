package enrol

import (
	"context"
	"fmt"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// CouponSpec is an operator's new coupon: a percentage (basis points,
// 1..10000) or an amount in cents, an optional validity window and use
// limit.
type CouponSpec struct {
	Code        string    `json:"code"`
	PercentBP   int       `json:"percentBp,omitempty"`
	AmountCents int64     `json:"amountCents,omitempty"`
	ValidFrom   time.Time `json:"validFrom,omitzero"`
	ValidUntil  time.Time `json:"validUntil,omitzero"`
	MaxUses     int       `json:"maxUses,omitempty"`
}

// CreateCoupon stores a new coupon.
func (s *Service) CreateCoupon(ctx context.Context, spec CouponSpec) (*storage.Coupon, error) {
	code := NormalizeCoupon(spec.Code)
	bad := errs.M(errs.InvalidRequest, msg.ShopCouponInvalidSpec)
	if !ValidCouponCode(code) || spec.MaxUses < 0 {
		return nil, bad
	}
	if (spec.PercentBP > 0) == (spec.AmountCents > 0) || spec.PercentBP < 0 || spec.PercentBP > 10000 || spec.AmountCents < 0 {
		return nil, bad
	}
	if !spec.ValidFrom.IsZero() && !spec.ValidUntil.IsZero() && !spec.ValidFrom.Before(spec.ValidUntil) {
		return nil, bad
	}
	c := &storage.Coupon{Code: code, PercentBP: spec.PercentBP, AmountCents: spec.AmountCents, ValidFrom: spec.ValidFrom.UTC(),
		ValidUntil: spec.ValidUntil.UTC(), MaxUses: spec.MaxUses, CreatedAt: s.now().UTC()}
	if spec.ValidFrom.IsZero() {
		c.ValidFrom = time.Time{}
	}
	if spec.ValidUntil.IsZero() {
		c.ValidUntil = time.Time{}
	}
	if err := s.recordOrRefuse(ctx, audit.Event{Type: "enrol.coupon-create", Outcome: "ok", Detail: map[string]string{"coupon": code}}); err != nil {
		return nil, err
	}
	if err := s.store.CreateCoupon(ctx, c); err != nil {
		return nil, fmt.Errorf("create coupon %s: %w", code, err)
	}
	return c, nil
}

// Coupons lists every coupon.
func (s *Service) Coupons(ctx context.Context) ([]*storage.Coupon, error) {
	return s.store.ListCoupons(ctx)
}

// OrderSummary is one line of `qesctl enrol list`.
type OrderSummary struct {
	Number     string    `json:"number"`
	State      string    `json:"state"`
	Email      string    `json:"email"`
	UserID     string    `json:"userId,omitempty"`
	GrossCents int64     `json:"grossCents"`
	Currency   string    `json:"currency"`
	CreatedAt  time.Time `json:"createdAt"`
}

// ListEnrolments lists every order with its customer's e-mail.
func (s *Service) ListEnrolments(ctx context.Context) ([]OrderSummary, error) {
	var out []OrderSummary
	emails := map[string]string{}
	err := s.store.ListOrders(ctx, func(o *storage.Order) error {
		out = append(out, OrderSummary{Number: o.Number, State: o.State, UserID: o.UserID, GrossCents: o.GrossCents,
			Currency: o.Currency, CreatedAt: o.CreatedAt, Email: o.CustomerID})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range out {
		id := out[i].Email
		if _, ok := emails[id]; !ok {
			if c, err := s.store.Customer(ctx, id); err == nil {
				emails[id] = c.Email
			}
		}
		out[i].Email = emails[id]
	}
	return out, nil
}

// EnrolmentView is `qesctl enrol show`: the order, its customer (no
// password hash) and the consents on record.
type EnrolmentView struct {
	Order    *storage.Order     `json:"order"`
	Customer CustomerView       `json:"customer"`
	Consents []*storage.Consent `json:"consents"`
}

// CustomerView is a customer without secrets.
type CustomerView struct {
	ID            string          `json:"id"`
	Email         string          `json:"email"`
	EmailVerified bool            `json:"emailVerified"`
	Country       string          `json:"country"`
	Billing       storage.Billing `json:"billing"`
	CreatedAt     time.Time       `json:"createdAt"`
}

// ShowEnrolment returns an order (by number or UserID) with its customer
// and consents.
func (s *Service) ShowEnrolment(ctx context.Context, ref string) (*EnrolmentView, error) {
	o, err := s.store.Order(ctx, ref)
	if errs.Is(err, errs.NotFound) && ValidUserID(ref) {
		err = s.store.ListOrders(ctx, func(x *storage.Order) error {
			if x.UserID == ref {
				o = x
			}
			return nil
		})
		if err == nil && o == nil {
			err = errs.M(errs.NotFound, msg.ShopOrderNotFound)
		}
	}
	if err != nil {
		return nil, err
	}
	c, err := s.store.Customer(ctx, o.CustomerID)
	if err != nil {
		return nil, err
	}
	cons, err := s.store.ConsentsOf(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return &EnrolmentView{Order: o, Customer: CustomerView{ID: c.ID, Email: c.Email, EmailVerified: c.EmailVerified,
		Country: c.Country, Billing: c.Billing, CreatedAt: c.CreatedAt}, Consents: cons}, nil
}
