package enrol

import (
	"context"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// ReviewDecision is a registration officer's decision on an identified
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

// DecideReview moves an identified order to approved, rejected or
// retry_required in one transaction, after an audit event that names the
// officer and the decision and no personal data. An order not (or no
// longer) identified is an errs.Conflict: two officers deciding the same
// order at once get one decision, and one refusal.
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
	return s.transition(ctx, number, d.To, detail, func(o *storage.Order) error {
		if !o.IdentifiedAt.Equal(d.IdentifiedAt) {
			return errs.M(errs.Conflict, msg.ReviewStale)
		}
		return nil
	})
}
