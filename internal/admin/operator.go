package admin

import (
	"context"
	"encoding/json"

	"github.com/qesproject/qes/operator"
)

// op decodes a request of type T strictly and runs one operator method:
// the whole of an admin route.
func op[T any, R any](run func(context.Context, T) (R, error)) Op {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		req, err := Decode[T](raw)
		if err != nil {
			return nil, err
		}
		return run(ctx, req)
	}
}

// OperatorOps are the operations qesctl runs: the route table of the admin
// socket, and of the in-process call when no qesd is up.
func OperatorOps(s *operator.Service) Ops {
	ops := Ops{
		"holder/create": op(s.CreateHolder),
		"holder/unblock": op(func(ctx context.Context, r operator.UnblockRequest) (any, error) {
			return nil, s.Unblock(ctx, r)
		}),
		"client/create": op(s.CreateClient),
		"audit/verify": func(ctx context.Context, _ json.RawMessage) (any, error) {
			return s.VerifyAudit(ctx)
		},
		"cert/status":   op(s.CertStatus),
		"coupon/create": op(s.CreateCoupon),
		"coupon/list":   op(s.ListCoupons),
		"enrol/list":    op(s.ListEnrolments),
		"enrol/show":    op(s.ShowEnrolment),
		"csca/import":   op(s.ImportCSCA),
		"csca/crl":      op(s.ImportCSCACRL),
		"csca/list":     op(s.ListCSCAs),

		// Registration officers (qesctl operator ...).
		"officer/create":  op(s.CreateOfficer),
		"officer/list":    op(s.ListOfficers),
		"officer/trained": op(s.OfficerTrained),
		"officer/disable": op(s.DisableOfficer),

		// Evidence bundles (qesctl evidence ...).
		"evidence/seal":   op(s.SealEvidence),
		"evidence/verify": op(s.VerifyEvidence),
		"evidence/export": op(s.ExportEvidence),
		"evidence/purge":  op(s.PurgeEvidence),
	}
	for _, action := range operator.CertActions {
		ops["cert/"+string(action)] = op(func(ctx context.Context, r operator.CertRequest) (*operator.CertResult, error) {
			return s.CertChange(ctx, action, r)
		})
	}
	return ops
}
