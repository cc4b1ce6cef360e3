package app

import (
	"context"
	"encoding/json"

	"github.com/qesproject/qes/enrol"
	"github.com/qesproject/qes/internal/admin"
	"github.com/qesproject/qes/storage"
)

// EnrolShowRequest is `qesctl enrol show`: an order number or a UserID.
type EnrolShowRequest struct {
	Ref string `json:"ref"`
}

// enrolOps are qesctl's shop commands: coupon create|list, enrol list|show.
func (a *App) enrolOps() admin.Ops {
	return admin.Ops{
		"coupon/create": func(ctx context.Context, raw json.RawMessage) (any, error) {
			req, err := admin.Decode[enrol.CouponSpec](raw)
			if err != nil {
				return nil, err
			}
			return a.Enrol.CreateCoupon(ctx, req)
		},
		"coupon/list": func(ctx context.Context, _ json.RawMessage) (any, error) {
			cs, err := a.Enrol.Coupons(ctx)
			if cs == nil {
				cs = []*storage.Coupon{}
			}
			return cs, err
		},
		"enrol/list": func(ctx context.Context, _ json.RawMessage) (any, error) {
			os, err := a.Enrol.ListEnrolments(ctx)
			if os == nil {
				os = []enrol.OrderSummary{}
			}
			return os, err
		},
		"enrol/show": func(ctx context.Context, raw json.RawMessage) (any, error) {
			req, err := admin.Decode[EnrolShowRequest](raw)
			if err != nil {
				return nil, err
			}
			return a.Enrol.ShowEnrolment(ctx, req.Ref)
		},
	}
}
