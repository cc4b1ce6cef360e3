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

// The identification steps of the state machine, for the identity
// package: each is one storage transaction and an audit event.

// BeginIdentification moves the customer's order to identifying when a
// first (or, after an officer asked for one, a new) identification session
// starts; an order already identifying stays so. It refuses (Conflict) an
// order in any other state and one whose maxAttempts are used up.
func (s *Service) BeginIdentification(ctx context.Context, customerID, number string, maxAttempts int) (*storage.Order, error) {
	o, err := s.Order(ctx, customerID, number)
	if err != nil {
		return nil, err
	}
	exhausted := errs.M(errs.Conflict, msg.AppAttemptsExhausted)
	switch State(o.State) {
	case Identifying:
		if o.AttemptsUsed >= maxAttempts {
			return nil, exhausted
		}
		return o, nil
	case DetailsSubmitted, RetryRequired:
	default:
		return nil, errs.M(errs.Conflict, msg.AppIdentState, StateName(o.State))
	}
	return s.transition(ctx, number, Identifying, nil, func(o *storage.Order) error {
		if o.CustomerID != customerID {
			return errs.M(errs.NotFound, msg.ShopOrderNotFound)
		}
		if o.AttemptsUsed >= maxAttempts {
			return exhausted
		}
		return nil
	})
}

// IdentificationFailed counts a failed identification attempt (a chip
// check that failed, a session that expired) on an identifying order; the
// attempt that reaches maxAttempts moves the order to failed in the same
// transaction. reason is a check's code or "expired", never personal data.
func (s *Service) IdentificationFailed(ctx context.Context, number string, maxAttempts int, reason string) (*storage.Order, error) {
	ev := audit.Event{Type: "enrol.identification-failed", Detail: map[string]string{"order": number, "reason": reason}}
	if err := s.recordOrRefuse(ctx, ev); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var out *storage.Order
	err := s.store.UpdateOrder(ctx, number, func(o *storage.Order) error {
		if State(o.State) != Identifying {
			return illegal(o.State, string(Failed))
		}
		o.AttemptsUsed++
		o.UpdatedAt = now
		if o.AttemptsUsed >= maxAttempts {
			o.State = string(Failed)
			o.Transitions = append(o.Transitions, storage.Transition{From: string(Identifying), To: string(Failed), At: now})
		}
		out = o
		return nil
	})
	if err != nil {
		ev.Outcome, ev.Detail["error"] = "error", errs.KindOf(err).String()
		s.record(ctx, ev)
		return nil, err
	}
	ev.Outcome = "ok"
	ev.Detail["attemptsUsed"] = fmt.Sprint(out.AttemptsUsed)
	ev.Detail["state"] = out.State
	s.record(ctx, ev)
	if out.State == string(Failed) {
		s.record(ctx, audit.Event{Type: "enrol." + string(Failed), Outcome: "ok", Detail: map[string]string{"order": number, "attemptsUsed": fmt.Sprint(out.AttemptsUsed)}})
	}
	return out, nil
}

// MarkIdentified moves an identifying order to identified, with the
// completion time of the identification (the proofing time).
func (s *Service) MarkIdentified(ctx context.Context, number string, at time.Time) (*storage.Order, error) {
	return s.transition(ctx, number, Identified, nil, func(o *storage.Order) error {
		o.IdentifiedAt = at.UTC()
		return nil
	})
}
