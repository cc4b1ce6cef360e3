package account

import (
	"context"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// StartTOTP creates an authenticator-app seed for the holder. It becomes
// active only when ConfirmTOTP sees a first valid code, so a mistyped QR
// scan never locks the holder out.
func (s *Service) StartTOTP(ctx context.Context, holderID string) (otp.Enrollment, error) {
	e, err := otp.NewTOTP(s.cfg.TOTPIssuer, holderID)
	if err != nil {
		return otp.Enrollment{}, err
	}
	sealed, err := s.sealer.Seal([]byte(e.Secret), []byte(holderID))
	if err != nil {
		return otp.Enrollment{}, err
	}
	err = s.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		h.TOTPPendingSealed = sealed
		return nil
	})
	if err != nil {
		return otp.Enrollment{}, err
	}
	return e, nil
}

// ConfirmTOTP activates the pending seed with a code from the app and makes
// the app the holder's way of receiving OTPs.
func (s *Service) ConfirmTOTP(ctx context.Context, holderID, code string) error {
	h, err := s.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	if len(h.TOTPPendingSealed) == 0 {
		return errs.M(errs.Conflict, msg.NoAppEnrolmentToConfirm)
	}
	seed, err := s.sealer.Open(h.TOTPPendingSealed, []byte(holderID))
	if err != nil {
		return err
	}
	step, err := otp.CheckTOTP(string(seed), code, s.now(), 0)
	if err != nil {
		return err
	}
	err = s.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		h.TOTPSealed, h.TOTPPendingSealed, h.TOTPLastStep, h.OTPMode = h.TOTPPendingSealed, nil, step, "app"
		return nil
	})
	if err != nil {
		return err
	}
	s.record(ctx, audit.Event{Type: "holder.totp-enrol", Holder: holderID, Outcome: "ok"})
	return nil
}

// RemoveTOTP unlinks the authenticator app; OTPs go by SMS again.
func (s *Service) RemoveTOTP(ctx context.Context, holderID string) error {
	err := s.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		h.TOTPSealed, h.TOTPPendingSealed, h.TOTPLastStep, h.OTPMode = nil, nil, 0, "sms"
		return nil
	})
	if err == nil {
		s.record(ctx, audit.Event{Type: "holder.totp-remove", Holder: holderID, Outcome: "ok"})
	}
	return err
}
