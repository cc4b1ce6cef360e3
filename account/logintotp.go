package account

import (
	"context"
	"time"

	"github.com/qesproject/qes/audit"
	"github.com/qesproject/qes/internal/errs"
	"github.com/qesproject/qes/internal/msg"
	"github.com/qesproject/qes/otp"
	"github.com/qesproject/qes/storage"
)

// StartLoginTOTP creates the authenticator seed for two-factor portal
// login. Like the signing app, it takes effect only when a first code
// confirms it (ConfirmLoginTOTP). Its otpauth label names the portal, so
// that an app holding both seeds shows them apart.
func (p *Service) StartLoginTOTP(ctx context.Context, holderID string) (otp.Enrollment, error) {
	s := p
	e, err := otp.NewTOTP(s.cfg.TOTPIssuer+" portal", holderID)
	if err != nil {
		return otp.Enrollment{}, err
	}
	sealed, err := s.sealer.Seal([]byte(e.Secret), loginSeedAD(holderID))
	if err != nil {
		return otp.Enrollment{}, err
	}
	err = s.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		if len(h.LoginTOTPSealed) > 0 {
			return errs.M(errs.Conflict, msg.TwoFactorAlreadyOn)
		}
		h.LoginTOTPPendingSealed = sealed
		return nil
	})
	if err != nil {
		return otp.Enrollment{}, err
	}
	return e, nil
}

// ConfirmLoginTOTP turns two-factor login on with a first code from the
// app. The portal rotates the session afterwards.
func (p *Service) ConfirmLoginTOTP(ctx context.Context, holderID, code string) error {
	s := p
	h, err := s.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	if len(h.LoginTOTPPendingSealed) == 0 {
		return errs.M(errs.Conflict, msg.NoAppToConfirm)
	}
	if s.now().Before(h.AccountOTPLockedUntil) {
		return errs.M(errs.Locked, msg.AccountCodesLocked)
	}
	seed, err := s.sealer.Open(h.LoginTOTPPendingSealed, loginSeedAD(holderID))
	if err != nil {
		return err
	}
	step, err := otp.CheckTOTP(string(seed), code, s.now(), 0)
	if err != nil {
		return p.countWrongCode(ctx, holderID, err)
	}
	if err := s.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		h.LoginTOTPSealed, h.LoginTOTPPendingSealed, h.LoginTOTPLastStep = h.LoginTOTPPendingSealed, nil, step
		h.AccountOTPFailures = 0
		return nil
	}); err != nil {
		return err
	}
	s.record(ctx, audit.Event{Type: "holder.login-2fa", Holder: holderID, Outcome: "ok", Detail: map[string]string{"state": "on"}})
	return nil
}

// DisableLoginTOTP turns two-factor login off; it takes a current code
// from the app, so that a session left open is not enough.
func (p *Service) DisableLoginTOTP(ctx context.Context, holderID, code string) error {
	s := p
	h, err := s.store.Holder(ctx, holderID)
	if err != nil {
		return err
	}
	if len(h.LoginTOTPSealed) == 0 {
		return errs.M(errs.Conflict, msg.TwoFactorAlreadyOff)
	}
	if s.now().Before(h.AccountOTPLockedUntil) {
		return errs.M(errs.Locked, msg.AccountCodesLocked)
	}
	seed, err := s.sealer.Open(h.LoginTOTPSealed, loginSeedAD(holderID))
	if err != nil {
		return err
	}
	step, err := otp.CheckTOTP(string(seed), code, s.now(), h.LoginTOTPLastStep)
	if err != nil {
		return p.countWrongCode(ctx, holderID, err)
	}
	if err := s.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		if step <= h.LoginTOTPLastStep {
			return errs.M(errs.InvalidOTP, msg.OTPInvalid)
		}
		h.LoginTOTPSealed, h.LoginTOTPPendingSealed, h.LoginTOTPLastStep = nil, nil, 0
		h.AccountOTPFailures = 0
		return nil
	}); err != nil {
		return err
	}
	s.record(ctx, audit.Event{Type: "holder.login-2fa", Holder: holderID, Outcome: "ok", Detail: map[string]string{"state": "off"}})
	return nil
}

// countWrongCode counts a wrong authenticator code against account
// changes (see verifyCode) and returns the refusal.
func (p *Service) countWrongCode(ctx context.Context, holderID string, cause error) error {
	if !errs.Is(cause, errs.InvalidOTP) {
		return cause
	}
	s := p
	now := s.now()
	if err := s.store.UpdateHolder(ctx, holderID, func(h *storage.Holder) error {
		h.AccountOTPFailures++
		if h.AccountOTPFailures >= s.cfg.MaxOTPFailures {
			h.AccountOTPFailures = 0
			h.AccountOTPLockedUntil = now.Add(s.cfg.OTPLockout)
		}
		return nil
	}); err != nil {
		return err
	}
	return errs.M(errs.InvalidOTP, msg.OTPInvalid)
}

func loginSeedAD(holderID string) []byte { return []byte(holderID + "/portal-login") }

// VerifyLoginTOTP checks the authenticator code of h's two-factor login at
// now. A wrong code counts like a wrong password (account lockout); a code
// already used does not pass twice. It reports whether the code was right.
func (s *Service) VerifyLoginTOTP(ctx context.Context, h *storage.Holder, code string, now time.Time) (bool, error) {
	seed, err := s.sealer.Open(h.LoginTOTPSealed, loginSeedAD(h.ID))
	if err != nil {
		return false, err
	}
	step, cerr := otp.CheckTOTP(string(seed), code, now, h.LoginTOTPLastStep)
	if cerr != nil && !errs.Is(cerr, errs.InvalidOTP) {
		return false, cerr
	}
	var ok bool
	err = s.store.UpdateHolder(ctx, h.ID, func(h *storage.Holder) error {
		// Re-checked in the transaction: two requests with one code must
		// not both pass.
		ok = cerr == nil && step > h.LoginTOTPLastStep
		if ok {
			h.LoginTOTPLastStep = step
		}
		s.countLogin(h, ok, now)
		return nil
	})
	return ok, err
}
