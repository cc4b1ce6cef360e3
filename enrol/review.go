package enrol

import (
	"context"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// ReviewDecision is a registration officer's decision on a requested
// order (package officer applies the rules of who may decide what).
type ReviewDecision struct {
	// Officer is the deciding officer's user name; Review the review
	// record the decision closes.
	Officer string
	Review  string
	// To is Approved, Rejected or RetryRequired.
	To State
	// IdentifiedAt is the proofing time the officer saw: when the order
	// was identified again in between, the decision is about another
	// identification and is refused.
	IdentifiedAt time.Time
}

// DecideReview moves a requested order to approved, rejected or
// retry_required in one transaction, after an audit event that names the
// officer and the decision and no personal data. An order not (or no
// longer) requested is an errs.Conflict: two officers deciding the same
// order at once get one decision, and one refusal. An approval then
// issues the certificate (Issue); when that fails the decision stands and
// the issuance job finishes it, so the error is logged, not returned.
func (s *Service) DecideReview(ctx context.Context, number string, d ReviewDecision) (*storage.Order, error) {
	switch d.To {
	case Approved, Rejected, RetryRequired:
	default:
		return nil, errs.Ef(errs.Internal, "a review cannot move an order to %q", d.To)
	}
	if d.Officer == "" || d.Review == "" {
		return nil, errs.E(errs.Internal, "a review decision names its officer and review")
	}
	detail := map[string]string{"officer": d.Officer, "review": d.Review, "decision": string(d.To)}
	o, err := s.transition(ctx, number, d.To, detail, func(o *storage.Order) error {
		if !o.IdentifiedAt.Equal(d.IdentifiedAt) {
			return errs.M(errs.Conflict, msg.ReviewStale)
		}
		return nil
	})
	if err != nil || d.To != Approved || s.issuer == nil {
		return o, err
	}
	issued, err := s.Issue(ctx, number)
	if err != nil {
		s.log.ErrorContext(ctx, "enrol: issuance after approval failed; the issuance job retries it", "order", number, "err", err)
		return o, nil
	}
	return issued, nil
}
