package activation

import (
	"context"
	"errors"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// ExpireOverdue is the activation deadline's job: every issued order whose
// ActivationDeadline has passed has its certificate revoked (cessation of
// operation) and its key destroyed, moves to expired, and its customer is
// told by e-mail. It is idempotent: an expired order is not issued any
// more, and a revocation already made is not made again. It returns how
// many orders it expired.
func (s *Service) ExpireOverdue(ctx context.Context) (int, error) {
	now := s.d.Now()
	var due []*storage.Order
	// Only issued orders await activation: the store's state index hands
	// out those, not every order.
	err := s.d.Store.OrdersInState(ctx, stateIssued, func(o *storage.Order) error {
		if o.State == stateIssued && o.Issuance != nil && !now.Before(o.Issuance.ActivationDeadline) {
			due = append(due, o)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	var errAll error
	for _, o := range due {
		if err := s.expire(ctx, o, now); err != nil {
			errAll = errors.Join(errAll, err)
			continue
		}
		n++
	}
	return n, errAll
}

func (s *Service) expire(ctx context.Context, o *storage.Order, now time.Time) error {
	is := o.Issuance
	// The revocation destroys the key; a certificate revoked by an earlier,
	// interrupted run answers Conflict and the lifecycle's reconciliation
	// finishes its key.
	if err := s.d.Revoker.RevokeUnactivated(ctx, is.HolderID, is.CredentialID); err != nil && !errs.Is(err, errs.Conflict) {
		s.record(ctx, audit.Event{Type: "enrol.expired", Holder: is.HolderID, Credential: is.CredentialID, Outcome: "error",
			Detail: map[string]string{"order": o.Number, "step": "revoke", "error": errs.KindOf(err).String()}})
		return err
	}
	moved, err := s.d.Orders.MarkExpired(ctx, o.Number)
	if err != nil {
		return err
	}
	s.tellCustomer(ctx, moved, now)
	return nil
}

// tellCustomer e-mails the customer who bought the order that the
// certificate was not activated in time; the change is committed, so a
// failure to deliver is logged.
func (s *Service) tellCustomer(ctx context.Context, o *storage.Order, now time.Time) {
	if s.d.Notify == nil {
		return
	}
	to, lang := "", "en"
	if c, err := s.d.Store.Customer(ctx, o.CustomerID); err == nil {
		to, lang = c.Email, c.Lang
	} else if h, herr := s.d.Store.Holder(ctx, o.Issuance.HolderID); herr == nil {
		to, lang = h.Email, h.Lang
	}
	if to == "" {
		s.d.Log.WarnContext(ctx, "activation expiry: no address to tell", "order", o.Number)
		return
	}
	text := "qes: " + msg.Text(lang, msg.MailActivationExpiry, o.Number, o.Issuance.ActivationDeadline.UTC().Format("2006-01-02 15:04 UTC"))
	if err := s.d.Notify.Send(ctx, otp.Message{Time: now.UTC(), Channel: "email", To: to, Purpose: "activation-expired", Text: text}); err != nil {
		s.d.Log.WarnContext(ctx, "activation expiry mail not delivered", "order", o.Number, "err", err)
	}
}
