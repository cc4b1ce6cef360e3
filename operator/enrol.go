package operator

import (
	"context"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// Shop is what the operator asks of the web shop (enrol.Service).
type Shop interface {
	CreateCoupon(ctx context.Context, spec enrol.CouponSpec) (*storage.Coupon, error)
	Coupons(ctx context.Context) ([]*storage.Coupon, error)
	ListEnrolments(ctx context.Context) ([]enrol.OrderSummary, error)
	ShowEnrolment(ctx context.Context, ref string) (*enrol.EnrolmentView, error)
}

// None is the empty request of a listing.
type None struct{}

// EnrolShowRequest is `qesctl enrol show`: an order number or a UserID.
type EnrolShowRequest struct {
	Ref string `json:"ref"`
}

// CreateCoupon is `qesctl coupon create`.
func (s *Service) CreateCoupon(ctx context.Context, spec enrol.CouponSpec) (*storage.Coupon, error) {
	return s.Shop.CreateCoupon(ctx, spec)
}

// ListCoupons is `qesctl coupon list`: never null, an empty list.
func (s *Service) ListCoupons(ctx context.Context, _ None) ([]*storage.Coupon, error) {
	cs, err := s.Shop.Coupons(ctx)
	if cs == nil {
		cs = []*storage.Coupon{}
	}
	return cs, err
}

// ListEnrolments is `qesctl enrol list`.
func (s *Service) ListEnrolments(ctx context.Context, _ None) ([]enrol.OrderSummary, error) {
	os, err := s.Shop.ListEnrolments(ctx)
	if os == nil {
		os = []enrol.OrderSummary{}
	}
	return os, err
}

// ShowEnrolment is `qesctl enrol show`.
func (s *Service) ShowEnrolment(ctx context.Context, r EnrolShowRequest) (*enrol.EnrolmentView, error) {
	if r.Ref == "" {
		return nil, errs.M(errs.InvalidRequest, msg.ShopOrderNotFound)
	}
	return s.Shop.ShowEnrolment(ctx, r.Ref)
}
