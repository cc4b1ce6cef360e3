package bundle

import (
	"context"
	"errors"
	"fmt"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/storage"
)

// SealDue seals every enrolment that ended without a bundle, and seals
// again those whose records changed since their last sealing (activation
// added the signed contract, the activation deadline expired the
// certificate): qesd runs it periodically, so that no ended enrolment
// stays unsealed whichever step ended it. It looks only at the orders
// written since it last found them current (the store's sealing-due
// marks), so a run costs the orders that changed, not every order. It
// returns how many it sealed; one enrolment's failure does not stop the
// others.
func (s *Service) SealDue(ctx context.Context) (int, error) {
	type due struct {
		number string
		mark   []byte
	}
	var marked []due
	err := s.d.Records.OrdersDueSealing(ctx, func(number string, mark []byte) error {
		marked = append(marked, due{number, mark})
		return nil
	})
	if err != nil {
		return 0, err
	}
	sealed := 0
	var failures []error
	for _, x := range marked {
		if err := ctx.Err(); err != nil {
			return sealed, err
		}
		o, err := s.d.Records.Order(ctx, x.number)
		if err != nil {
			failures = append(failures, err)
			continue
		}
		if !ended[o.State] {
			continue // stays due: it is looked at again once it ends
		}
		need, err := s.needsSealing(ctx, o)
		if err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", x.number, err))
			continue
		}
		if need {
			if _, err := s.Seal(ctx, x.number); err != nil {
				s.d.Log.ErrorContext(ctx, "evidence bundle not sealed", "order", x.number, "err", err)
				failures = append(failures, fmt.Errorf("seal %s: %w", x.number, err))
				continue
			}
			sealed++
		}
		// Current now: forgotten until the order is written again (a write
		// since the mark was read keeps it due).
		if err := s.d.Records.ClearSealingDue(ctx, x.number, x.mark); err != nil {
			failures = append(failures, fmt.Errorf("%s: %w", x.number, err))
		}
	}
	return sealed, errors.Join(failures...)
}

// needsSealing reports whether o has no bundle or changed after its
// latest sealing.
func (s *Service) needsSealing(ctx context.Context, o *storage.Order) (bool, error) {
	b, err := s.d.Records.EvidenceBundle(ctx, o.Number)
	if errs.Is(err, errs.NotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	last := b.Versions[len(b.Versions)-1]
	changed := o.UpdatedAt
	if n := len(o.Transitions); n > 0 && o.Transitions[n-1].At.After(changed) {
		changed = o.Transitions[n-1].At
	}
	if o.Issuance != nil && o.Issuance.ActivatedAt.After(changed) {
		changed = o.Issuance.ActivatedAt
	}
	if changed.After(last.SealedAt) {
		return true, nil
	}
	// A signed contract recorded without a newer timestamp still belongs
	// in the bundle.
	if o.Issuance != nil && o.Issuance.SignedContract != nil {
		m, _, err := s.manifest(ctx, last)
		if err != nil {
			return false, err
		}
		for _, f := range m.Files {
			if f.Path == "contract/signed.pdf" {
				return false, nil
			}
		}
		return true, nil
	}
	return false, nil
}
