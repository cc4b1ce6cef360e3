package account

import (
	"context"

	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
)

// PendingTOTP returns the signing authenticator enrolment started but not
// yet confirmed, so that its QR code can be shown again.
func (s *Service) PendingTOTP(ctx context.Context, holderID string) (otp.Enrollment, error) {
	h, err := s.store.Holder(ctx, holderID)
	if err != nil {
		return otp.Enrollment{}, err
	}
	if len(h.TOTPPendingSealed) == 0 {
		return otp.Enrollment{}, errs.M(errs.Conflict, msg.NoAppEnrolmentToConfirm)
	}
	seed, err := s.sealer.Open(h.TOTPPendingSealed, []byte(holderID))
	if err != nil {
		return otp.Enrollment{}, err
	}
	return otp.TOTPEnrollment(s.cfg.TOTPIssuer, holderID, string(seed))
}

// PendingLoginTOTP is PendingTOTP for the two-factor login's app.
func (p *Service) PendingLoginTOTP(ctx context.Context, holderID string) (otp.Enrollment, error) {
	s := p
	h, err := s.store.Holder(ctx, holderID)
	if err != nil {
		return otp.Enrollment{}, err
	}
	if len(h.LoginTOTPPendingSealed) == 0 {
		return otp.Enrollment{}, errs.M(errs.Conflict, msg.NoAppToConfirm)
	}
	seed, err := s.sealer.Open(h.LoginTOTPPendingSealed, loginSeedAD(holderID))
	if err != nil {
		return otp.Enrollment{}, err
	}
	return otp.TOTPEnrollment(s.cfg.TOTPIssuer+" portal", holderID, string(seed))
}
