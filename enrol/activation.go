package enrol

import (
	"context"
	"time"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/storage"
)

// The last two moves of an enrolment, made by package activation through
// the composition root: the holder signed the contract with the new key
// (issued -> active), or the activation deadline passed (issued ->
// expired). Each is one transaction and an audit event, like every move.

// MarkActive records the activation: issued -> active, with the time and
// the signed contract kept as evidence.
func (s *Service) MarkActive(ctx context.Context, number string, at time.Time, signedContract storage.EvidenceRef) (*storage.Order, error) {
	return s.transition(ctx, number, Active, map[string]string{"signedContract": signedContract.SHA256}, func(o *storage.Order) error {
		if o.Issuance == nil {
			return errs.M(errs.Conflict, msg.ShopTransition, StateName(o.State), StateName(string(Active)))
		}
		o.Issuance.ActivatedAt = at.UTC()
		ref := signedContract
		o.Issuance.SignedContract = &ref
		return nil
	})
}

// MarkExpired records that the certificate was not activated in time (the
// caller revoked it): issued -> expired.
func (s *Service) MarkExpired(ctx context.Context, number string) (*storage.Order, error) {
	return s.transition(ctx, number, Expired, nil, nil)
}
